import type { ChatMessage, ChatRecordV1 } from '@messenger/protocol';
import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { RawRecord } from '../kafka/bus.js';
import { createMetrics } from '../plugins/metrics.js';
import { createLivePipeline } from './live-pipeline.js';
import { createRecordCodec } from './record-codec.js';
import { createRecordSigner, parseSigningKeys } from './record-signature.js';
import { Watermark } from './watermark.js';

const TOPIC = 't.messages';
const codec = createRecordCodec(createRecordSigner(parseSigningKeys(`k:${randomBytes(32).toString('base64')}`)), TOPIC);
const log = pino({ level: 'silent' });

function record(offset: number, from: string, to: string): RawRecord {
  const value: ChatRecordV1 = { v: 1, id: randomUUID(), from, to, text: `m${offset}`, sentAt: new Date().toISOString() };
  const encoded = codec.encode(value);
  return { topic: TOPIC, partition: 0, offset, key: to, value: Buffer.from(encoded.value), headers: encoded.headers, timestamp: '0' };
}

function setup(local: string[]) {
  const pushed: ChatMessage[] = [];
  let decodes = 0;
  const counting = { ...codec, decode: (raw: RawRecord) => ((decodes += 1), codec.decode(raw)) };
  const watermark = new Watermark(async () => new Map(), log);
  const handle = createLivePipeline({
    codec: counting,
    realtime: { deliver: (p) => pushed.push(p.message), deliverUpdate: () => undefined, hasLocalSockets: (u) => local.includes(u) },
    views: () => Promise.resolve(new Map()),
    watermark,
    metrics: createMetrics(),
    logger: log,
  });
  const control = { running: () => true, waitMs: 10_000 };
  return { pushed, watermark, control, handle, decodes: () => decodes };
}

describe('the live pipeline', () => {
  it('pushes a record only once the store holds it, in order', async () => {
    const { pushed, watermark, control, handle } = setup(['bob']);
    const records = [record(10, 'alice', 'bob'), record(11, 'alice', 'bob'), record(12, 'alice', 'bob')];
    watermark.advance(new Map([[0, 11]]));
    const done = handle(records, control);
    // Offset 10 is stored, 11 is not: only the first is on a screen.
    await new Promise((resolve) => setImmediate(resolve));
    expect(pushed.map((m) => m.text)).toEqual(['m10']);
    watermark.advance(new Map([[0, 13]]));
    expect(await done).toBe(13);
    expect(pushed.map((m) => m.text)).toEqual(['m10', 'm11', 'm12']);
  });

  it('skips records for nobody connected here before checking or parsing them, and pushes none twice', async () => {
    const { pushed, watermark, control, handle, decodes } = setup(['bob', 'carol']);
    watermark.advance(new Map([[0, 100]]));
    const mine = record(2, 'alice', 'bob');
    const fromCarol = record(3, 'carol', 'dave');
    const records = [record(0, 'alice', 'dave'), record(1, 'erin', 'frank'), mine, fromCarol];
    expect(await handle(records, control)).toBe(4);
    // To bob (recipient here) and from carol (sender's other screens here); nothing of the others.
    expect(pushed.map((m) => m.text)).toEqual(['m2', 'm3']);
    expect(decodes()).toBe(2);
    // A replay (after a rejoin) pushes nothing again and costs no parse.
    expect(await handle([mine, fromCarol], control)).toBe(4);
    expect(pushed).toHaveLength(2);
    expect(decodes()).toBe(2);
  });

  it('waits no longer than it is given, and stops when told, returning how far it got', async () => {
    const { pushed, watermark, handle } = setup(['bob']);
    watermark.advance(new Map([[0, 1]]));
    const records = [record(0, 'alice', 'bob'), record(1, 'alice', 'bob')];
    // Offset 1 is not stored: the caller gets 1 back and goes on with the record at 1 later.
    expect(await handle(records, { running: () => true, waitMs: 20 })).toBe(1);
    expect(pushed.map((m) => m.text)).toEqual(['m0']);
    watermark.advance(new Map([[0, 2]]));
    expect(await handle(records.slice(1), { running: () => false, waitMs: 10_000 })).toBe(1);
    expect(pushed).toHaveLength(1);
    expect(await handle(records.slice(1), { running: () => true, waitMs: 10_000 })).toBe(2);
    expect(pushed.map((m) => m.text)).toEqual(['m0', 'm1']);
  });
});
