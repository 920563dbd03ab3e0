// Encoding and checking chat records on the topic. Everything read from Kafka is untrusted until
// it passes here: anything else writes to the topic too (kcat, other services, bugs).
import { CHAT_RECORD_VERSION, ChatRecordV1, MAX_RECORD_BYTES, RecordHeaders } from '@messenger/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { RawRecord } from '../kafka/bus.js';

// Compiled once: this check runs for every record consumed, so it must be cheap.
const recordChecker = TypeCompiler.Compile(ChatRecordV1);

export function encodeRecord(record: ChatRecordV1): { value: string; headers: Record<string, string> } {
  if (!recordChecker.Check(record)) {
    const first = recordChecker.Errors(record).First();
    throw new Error(`refusing to produce an invalid record: ${first?.path ?? ''} ${first?.message ?? ''}`);
  }
  return {
    value: JSON.stringify(record),
    headers: {
      [RecordHeaders.messageId]: record.id,
      [RecordHeaders.schemaVersion]: String(CHAT_RECORD_VERSION),
      [RecordHeaders.contentType]: 'application/json',
    },
  };
}

export type DecodeResult =
  | { ok: true; record: ChatRecordV1 }
  | { ok: false; reason: 'too_large' | 'empty' | 'bad_json' | 'bad_schema' | 'key_mismatch'; error: string };

export function decodeRecord(raw: RawRecord): DecodeResult {
  if (!raw.value || raw.value.length === 0) return { ok: false, reason: 'empty', error: 'record has no value' };
  if (raw.value.length > MAX_RECORD_BYTES) {
    return { ok: false, reason: 'too_large', error: `value is ${raw.value.length} bytes; the limit is ${MAX_RECORD_BYTES}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'bad_json', error: (error as Error).message };
  }
  if (!recordChecker.Check(value)) {
    const first = recordChecker.Errors(value).First();
    return { ok: false, reason: 'bad_schema', error: `${first?.path || '/'} ${first?.message ?? 'does not match ChatRecordV1'}` };
  }
  // The key decides the partition and so the recipient's order; a mismatch means a foreign writer.
  if (raw.key !== value.to) {
    return { ok: false, reason: 'key_mismatch', error: `key ${JSON.stringify(raw.key)} is not the recipient ${value.to}` };
  }
  return { ok: true, record: value };
}
