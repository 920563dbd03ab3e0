// Acknowledgements are applied in rounds, each one transaction (realtime/ack-batcher.ts). Under
// load, rounds are spaced, so a busy server commits a bounded number of ack transactions a
// second instead of one per event-loop turn that happened to hold an acknowledgement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagesRepository, StoredRecord } from '../src/db/messages.repository.js';
import { createAckBatcher } from '../src/realtime/ack-batcher.js';
import { randomName, removeDir, startApp, type TestApp } from './helpers/app.js';
import { testDb } from './helpers/database.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(async () => {
  await t.close();
  removeDir(t.dataDir);
});

describe(`acknowledgement rounds (${testDb})`, () => {
  it('gathers acknowledgements arriving on separate turns within the spacing into one round, each answered with what it moved', async () => {
    const real = t.app.repos.messages;
    const rounds: number[] = [];
    // The real repository, counting its rounds (each is one transaction).
    const messages: MessagesRepository = {
      ...real,
      markDeliveredMany: (requests, now) => {
        rounds.push(requests.length);
        return real.markDeliveredMany(requests, now);
      },
    };
    // A spacing far above what five event-loop turns take, so a slow machine cannot split them.
    const batcher = createAckBatcher({ messages, bus: t.app.bus, storedPositions: () => new Map(), roundSpacingMs: 2000 });
    const [alice, bob] = [randomName('a'), randomName('b')];
    const records: StoredRecord[] = Array.from({ length: 6 }, (_, i) => ({
      id: randomName('m'),
      from: alice,
      to: bob,
      text: `m${i}`,
      sentAt: `2026-06-01T00:00:0${i}.000Z`,
      partition: 0,
      offset: 500 + i,
    }));
    await real.insertBatch(records);
    // Nothing ran before it: the first round starts on the next turn.
    const first = await batcher.acknowledge(bob, [records[0]!.id]);
    expect(first.changed.map((c) => c.id)).toEqual([records[0]!.id]);
    const later: Promise<{ changed: { id: string }[] }>[] = [];
    for (const r of records.slice(1)) {
      later.push(batcher.acknowledge(bob, [r.id]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const answers = await Promise.all(later);
    expect(answers.map((a) => a.changed.map((c) => c.id))).toEqual(records.slice(1).map((r) => [r.id]));
    expect(rounds).toEqual([1, 5]);
    expect(await real.hasUndelivered(bob)).toBe(false);
  });
});
