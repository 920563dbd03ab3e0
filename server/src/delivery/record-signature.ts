// Signing chat records so that only the servers' own records reach a screen, whoever else can
// write to the topic (a broker without ACLs, a leaked client credential, kcat on the wrong box).
// One HMAC-SHA256 per record over a canonical byte string; keys carry ids so they can rotate:
// records are signed with the newest key and verified with any configured one.
import { RecordHeaders } from '@messenger/protocol';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Secret } from '../secret.js';

export interface SigningKey {
  id: string;
  secret: Secret<Buffer>;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
const MIN_SECRET_BYTES = 32;
const SIGNATURE_BYTES = 32;
const DOMAIN_TEXT = 'messenger.chat-record.v1';

/**
 * Parses `id:base64secret` entries, separated by commas or newlines, newest first. Throws with a
 * message that names the entry's position and never its content.
 */
export function parseSigningKeys(text: string): SigningKey[] {
  const entries = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) throw new Error('no signing key (expected id:base64secret, newest first)');
  const keys: SigningKey[] = [];
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const secret = Buffer.from(entry.slice(colon + 1), 'base64');
    if (!KEY_ID.test(id)) throw new Error(`signing key #${i + 1}: the id must match ${KEY_ID.source}`);
    if (secret.length < MIN_SECRET_BYTES) throw new Error(`signing key #${i + 1} (${id}): the secret must be at least ${MIN_SECRET_BYTES} bytes of base64`);
    if (keys.some((k) => k.id === id)) throw new Error(`signing key #${i + 1}: the id ${id} is used twice`);
    keys.push({ id, secret: new Secret(secret) });
  });
  return keys;
}

/**
 * The key file `npm start` uses when no key is configured: created on first start (0600, in the
 * data dir), read afterwards. Several server instances must share one key set, so they either
 * share this file or are all given SIGNING_KEYS / SIGNING_KEYS_FILE.
 */
export function loadOrCreateKeyFile(file: string): SigningKey[] {
  try {
    return parseSigningKeys(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: ${(error as Error).message}`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
  const content = `# Signing keys for chat records, newest first (id:base64secret). See docs/security.md.\n${id}:${randomBytes(32).toString('base64')}\n`;
  // Written aside, then linked into place: link() fails if the file exists, so two processes
  // starting at once keep one key, and a crash mid-write never leaves half a key behind.
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content, { mode: 0o600 });
  try {
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  return parseSigningKeys(fs.readFileSync(file, 'utf8'));
}

/** What the signature covers, besides the value: where the record lives and what it claims to be. */
export interface SignedFields {
  topic: string;
  key: string | null;
  value: Buffer | string;
  messageId: string | undefined;
  schemaVersion: string | undefined;
}

// Each field is length-prefixed (-1: absent), so no two different field lists give the same
// bytes. The topic is covered so that a record cannot be replayed into another deployment's
// topic. The small fields go into one buffer: two HMAC updates per record, not six.
function mac(secret: Buffer, f: SignedFields): Buffer {
  const small = [DOMAIN_TEXT, f.topic, f.key, f.messageId, f.schemaVersion];
  const value = Buffer.isBuffer(f.value) ? f.value : Buffer.from(f.value, 'utf8');
  let size = 4;
  for (const text of small) size += 4 + (text === null || text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  const head = Buffer.allocUnsafe(size);
  let at = 0;
  for (const text of small) {
    if (text === null || text === undefined) {
      at = head.writeInt32BE(-1, at);
      continue;
    }
    const length = head.write(text, at + 4, 'utf8');
    head.writeInt32BE(length, at);
    at += 4 + length;
  }
  head.writeInt32BE(value.length, at);
  return createHmac('sha256', secret).update(head).update(value).digest();
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'unsigned' | 'bad_signature'; error: string };

export interface RecordSigner {
  /** The signature headers for a record about to be produced (newest key). */
  sign(fields: SignedFields): Record<string, string>;
  /** Checks a consumed record's signature headers against every configured key. */
  verify(fields: SignedFields, headers: Record<string, string>): VerifyResult;
}

export function createRecordSigner(keys: readonly SigningKey[]): RecordSigner {
  const newest = keys[0];
  if (!newest) throw new Error('at least one signing key is needed');
  const byId = new Map(keys.map((k) => [k.id, k.secret.reveal()]));
  const newestSecret = newest.secret.reveal();
  return {
    sign(fields) {
      return {
        [RecordHeaders.signatureKeyId]: newest.id,
        [RecordHeaders.signature]: mac(newestSecret, fields).toString('base64url'),
      };
    },
    verify(fields, headers) {
      const keyId = headers[RecordHeaders.signatureKeyId];
      const signature = headers[RecordHeaders.signature];
      if (keyId === undefined || signature === undefined) {
        return { ok: false, reason: 'unsigned', error: `no ${RecordHeaders.signature} / ${RecordHeaders.signatureKeyId} header` };
      }
      const secret = byId.get(keyId);
      if (!secret) return { ok: false, reason: 'bad_signature', error: `unknown key id ${JSON.stringify(keyId.slice(0, 40))}` };
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(secret, fields);
      if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, expected)) {
        return { ok: false, reason: 'bad_signature', error: `the signature does not match (key id ${keyId})` };
      }
      return { ok: true };
    },
  };
}
