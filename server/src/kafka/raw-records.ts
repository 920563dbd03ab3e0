// A fetched batch as the rest of the server sees it: plain records, headers as strings, values
// left as the Buffers kafkajs read (not copied, not parsed: a consumer that skips a record should
// pay as little as possible for it).
import type { Batch, IHeaders } from 'kafkajs';
import type { RawRecord } from './types.js';

export function rawRecords(batch: Batch): RawRecord[] {
  return batch.messages.map((m) => ({
    topic: batch.topic,
    partition: batch.partition,
    offset: Number(m.offset),
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value,
    headers: decodeHeaders(m.headers),
    timestamp: m.timestamp,
  }));
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}
