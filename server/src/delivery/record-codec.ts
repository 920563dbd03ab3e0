// Encoding and checking chat records on the topic. Everything read from Kafka is untrusted until
// it passes here: anything else writes to the topic too (kcat, other services, bugs). A record
// must carry a valid signature by one of our keys before its content is even parsed.
import { MAX_RECORD_BYTES, RecordHeaders, TopicRecord } from '@messenger/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { RawRecord } from '../kafka/bus.js';
import type { RecordSigner } from './record-signature.js';

// Compiled once: this check runs for every record consumed, so it must be cheap.
// Version 1 (1:1), 2 (a member's copy of a group message) or 3 (a change to a message).
const recordChecker = TypeCompiler.Compile(TopicRecord);

export type DecodeResult =
  | { ok: true; record: TopicRecord }
  | {
      ok: false;
      reason: 'too_large' | 'empty' | 'unsigned' | 'bad_signature' | 'bad_json' | 'bad_schema' | 'key_mismatch';
      error: string;
    };

export interface RecordCodec {
  /**
   * The value and headers (signature included) of a record for the messages topic. `originSocket`:
   * the sender's socket that gets no echo (unsigned, see RecordHeaders.originSocket).
   */
  encode(record: TopicRecord, originSocket?: string): { value: string; headers: Record<string, string> };
  decode(raw: RawRecord): DecodeResult;
}

export function createRecordCodec(signer: RecordSigner, messagesTopic: string): RecordCodec {
  return {
    encode(record, originSocket) {
      if (!recordChecker.Check(record)) {
        const first = recordChecker.Errors(record).First();
        throw new Error(`refusing to produce an invalid record: ${first?.path ?? ''} ${first?.message ?? ''}`);
      }
      const value = JSON.stringify(record);
      const headers: Record<string, string> = {
        [RecordHeaders.messageId]: record.id,
        [RecordHeaders.schemaVersion]: String(record.v),
        [RecordHeaders.contentType]: 'application/json',
        [RecordHeaders.sender]: record.from,
      };
      const signature = signer.sign({
        topic: messagesTopic,
        key: record.to,
        value,
        messageId: headers[RecordHeaders.messageId],
        schemaVersion: headers[RecordHeaders.schemaVersion],
      });
      // Outside the signature: a hint the consumer checks against the signed sender (hub.ts).
      if (originSocket !== undefined) headers[RecordHeaders.originSocket] = originSocket;
      return { value, headers: { ...headers, ...signature } };
    },
    decode: (raw) => decodeRecord(signer, raw),
  };
}

function decodeRecord(signer: RecordSigner, raw: RawRecord): DecodeResult {
  if (!raw.value || raw.value.length === 0) return { ok: false, reason: 'empty', error: 'record has no value' };
  if (raw.value.length > MAX_RECORD_BYTES) {
    return { ok: false, reason: 'too_large', error: `value is ${raw.value.length} bytes; the limit is ${MAX_RECORD_BYTES}` };
  }
  // Before parsing: a foreign writer's bytes are never interpreted, however well-formed.
  const verified = signer.verify(
    {
      topic: raw.topic,
      key: raw.key,
      value: raw.value,
      messageId: raw.headers[RecordHeaders.messageId],
      schemaVersion: raw.headers[RecordHeaders.schemaVersion],
    },
    raw.headers,
  );
  if (!verified.ok) return verified;
  let value: unknown;
  try {
    value = JSON.parse(raw.value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'bad_json', error: (error as Error).message };
  }
  if (!recordChecker.Check(value)) {
    const first = recordChecker.Errors(value).First();
    return { ok: false, reason: 'bad_schema', error: `${first?.path || '/'} ${first?.message ?? 'does not match ChatRecordV1, ChatRecordV2 or ChangeRecordV3'}` };
  }
  // The signed header and the value must agree on the version.
  const version = raw.headers[RecordHeaders.schemaVersion];
  if (version !== undefined && version !== String(value.v)) {
    return { ok: false, reason: 'bad_schema', error: `schema-version header ${JSON.stringify(version)} but the value is version ${value.v}` };
  }
  // The key decides the partition and so the recipient's order; a mismatch means a foreign writer.
  if (raw.key !== value.to) {
    return { ok: false, reason: 'key_mismatch', error: `key ${JSON.stringify(raw.key)} is not the recipient ${value.to}` };
  }
  return { ok: true, record: value };
}
