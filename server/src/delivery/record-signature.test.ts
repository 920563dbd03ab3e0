import { RecordHeaders } from '@messenger/protocol';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRecordSigner, loadOrCreateKeyFile, parseSigningKeys, type SignedFields } from './record-signature.js';

const secret = () => randomBytes(32).toString('base64');
const fields = (over: Partial<SignedFields> = {}): SignedFields => ({
  topic: 'p.messages',
  key: 'bob',
  value: Buffer.from('{"v":1}'),
  messageId: '0192f5a4-7c1e-7a3b-9c4d-000000000001',
  schemaVersion: '1',
  ...over,
});

describe('record signatures', () => {
  it('verify what was signed, and nothing that differs in any covered field', () => {
    const signer = createRecordSigner(parseSigningKeys(`a:${secret()}`));
    const headers = signer.sign(fields());
    expect(signer.verify(fields(), headers)).toEqual({ ok: true });
    // A string value and the same bytes as a Buffer sign alike: produce sees one, consume the other.
    expect(signer.verify(fields({ value: '{"v":1}' }), headers)).toEqual({ ok: true });
    for (const changed of [
      { topic: 'other.messages' },
      { key: 'mallory' },
      { key: null },
      { value: Buffer.from('{"v":2}') },
      { messageId: '0192f5a4-7c1e-7a3b-9c4d-000000000002' },
      { schemaVersion: undefined },
    ]) {
      expect(signer.verify(fields(changed), headers), JSON.stringify(changed)).toMatchObject({ ok: false, reason: 'bad_signature' });
    }
    // Field boundaries are part of what is signed: moving a byte from the key into the topic fails.
    expect(signer.verify(fields({ topic: 'p.messagesb', key: 'ob' }), headers)).toMatchObject({ ok: false });
  });

  it('refuse unsigned records, unknown key ids and malformed signatures', () => {
    const signer = createRecordSigner(parseSigningKeys(`a:${secret()}`));
    const good = signer.sign(fields());
    expect(signer.verify(fields(), {})).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(signer.verify(fields(), { [RecordHeaders.signature]: good[RecordHeaders.signature]! })).toMatchObject({ reason: 'unsigned' });
    expect(signer.verify(fields(), { ...good, [RecordHeaders.signatureKeyId]: 'b' })).toMatchObject({ reason: 'bad_signature' });
    expect(signer.verify(fields(), { ...good, [RecordHeaders.signature]: 'AAAA' })).toMatchObject({ reason: 'bad_signature' });
    const other = createRecordSigner(parseSigningKeys(`a:${secret()}`));
    expect(signer.verify(fields(), other.sign(fields()))).toMatchObject({ reason: 'bad_signature' });
  });

  it('rotate: sign with the newest key, verify with any configured one', () => {
    const [oldKey, newKey] = [`old:${secret()}`, `new:${secret()}`];
    const before = createRecordSigner(parseSigningKeys(oldKey));
    const during = createRecordSigner(parseSigningKeys(`${newKey},${oldKey}`));
    const after = createRecordSigner(parseSigningKeys(newKey));
    const signedBefore = before.sign(fields());
    const signedDuring = during.sign(fields());
    expect(signedDuring[RecordHeaders.signatureKeyId]).toBe('new');
    expect(during.verify(fields(), signedBefore)).toEqual({ ok: true });
    expect(after.verify(fields(), signedDuring)).toEqual({ ok: true });
    expect(after.verify(fields(), signedBefore)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('reject bad key lists without echoing the secret', () => {
    const short = Buffer.from('too short').toString('base64');
    for (const text of ['', 'nokey', `bad id:${secret()}`, `a:${short}`, `a:${secret()},a:${secret()}`]) {
      let message = '';
      try {
        parseSigningKeys(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, text).not.toBe('');
      expect(message).not.toContain(short);
    }
    const keys = parseSigningKeys(`# comment\na:${secret()}\n\nb:${secret()}\n`);
    expect(keys.map((k) => k.id)).toEqual(['a', 'b']);
    const dump = `${JSON.stringify(keys)} ${inspect(keys)} ${String(keys[0]?.secret)}`;
    expect(dump).not.toContain(keys[0]!.secret.reveal().toString('base64'));
  });

  it('generate a key file (0600) once, then reuse it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signing-'));
    try {
      const file = path.join(dir, 'nested', 'record-signing-keys');
      const first = loadOrCreateKeyFile(file);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readdirSync(path.dirname(file))).toEqual(['record-signing-keys']);
      const again = loadOrCreateKeyFile(file);
      expect(again.map((k) => k.id)).toEqual(first.map((k) => k.id));
      expect(again[0]!.secret.reveal().equals(first[0]!.secret.reveal())).toBe(true);
      fs.writeFileSync(file, 'garbage');
      expect(() => loadOrCreateKeyFile(file)).toThrow(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
