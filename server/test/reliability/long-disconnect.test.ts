// A recipient goes away for a long time and comes back: each case ends in a full catch-up from
// the history store, nothing lost and nothing shown twice (counted per id on the wire, across
// connections). delivery.test.ts covers a short offline spell (5 messages) and the deleted group
// with 2 messages; this extends both to long spells, big backlogs and half-acknowledged states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaCluster } from '../../../scripts/lib/kafka-local.mjs';
import { removeDir, startApp, type TestApp } from '../helpers/app.js';
import { adminFor, Inbox, ownKafka, pool, registerUser, sendMessage, waitUntil } from './fault-helpers.js';

let kafka: KafkaCluster;
let t: TestApp;

beforeAll(async () => {
  kafka = await ownKafka(1);
  t = await startApp({ KAFKA_BROKERS: kafka.bootstrap });
}, 120_000);

afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
  await kafka?.stop();
}, 60_000);

const allAcked = (username: string) => async () => !(await t.app.repos.messages.hasUndelivered(username));
// A 202 means Kafka holds the message; the history consumer stores it a moment later. Catch-up
// counts what is stored when the socket connects (anything later arrives live), so a test that
// asserts the catch-up count waits for the store first. Under load the last record of a burst
// was still in the consumer: `sync:done` said 1,199 and the 1,200th came live.
const stored = (username: string, count: number) => async () =>
  (await t.app.repos.messages.undelivered(username, count + 1)).length === count;

describe('long disconnects end in a full catch-up', () => {
  it('30 s offline (real time) with a message stream meanwhile', async () => {
    const alice = await registerUser(t.url);
    const bob = await registerUser(t.url);
    const inbox = new Inbox(t.url, bob);
    await inbox.connect();
    const before = [];
    for (const text of ['a', 'b', 'c']) before.push((await sendMessage(t.url, alice.token, bob.username, text)).body.id);
    await inbox.waitFor(before, 15_000);
    await waitUntil(allAcked(bob.username), 15_000, 'bob’s acknowledgements');
    inbox.close();

    // The stream paces the outage: one message a second for 30 s (longer than socket.io's
    // 20 s ping timeout, so the server has long forgotten the socket).
    const offline: string[] = [];
    const started = Date.now();
    for (let i = 0; i < 30; i++) {
      const r = await sendMessage(t.url, alice.token, bob.username, `offline-${i}`);
      expect(r.status).toBe(202);
      offline.push(r.body.id);
      const next = started + (i + 1) * 1000;
      while (Date.now() < next) await new Promise((resolve) => setTimeout(resolve, next - Date.now()));
    }

    await waitUntil(stored(bob.username, 30), 15_000, 'the 30 offline messages in the history store');
    const { delivered } = await inbox.connect();
    expect(delivered).toBe(30);
    await inbox.waitFor(offline, 15_000);
    expect(inbox.order.slice(3)).toEqual(offline);
    const live = await sendMessage(t.url, alice.token, bob.username, 'back online');
    await inbox.waitFor([live.body.id], 15_000);
    expect(inbox.repeats).toEqual([]);
    expect(inbox.order).toEqual([...before, ...offline, live.body.id]);
    inbox.close();
  }, 90_000);

  it('5 min offline (simulated by volume): 1,200 messages from 3 senders in 3 catch-up batches', async () => {
    // Simulated, not waited out. While a client is away, the server's only state for it is its
    // undelivered rows and its inbox group offsets; nothing in that path depends on elapsed time
    // (socket pings stop with the socket, sessions last 30 days, idempotency keys are swept after
    // 7 days, Kafka keeps offsets for 7 days). What 5 minutes of a busy conversation changes is
    // the backlog: 1,200 messages (4 msg/s for 5 min) is more than two catch-up batches of 500,
    // from several senders interleaved on the recipient's partition.
    const senders = [await registerUser(t.url), await registerUser(t.url), await registerUser(t.url)];
    const bob = await registerUser(t.url);
    const results = await pool(1200, 8, async (i) => {
      const r = await sendMessage(t.url, senders[i % 3]!.token, bob.username, `five-${i}`);
      expect(r.status).toBe(202);
      return r.body;
    });
    const byOffset = [...results].sort((x, y) => Number(x.offset) - Number(y.offset)).map((r) => r.id);

    await waitUntil(stored(bob.username, 1200), 30_000, 'the 1,200 messages in the history store');
    const inbox = new Inbox(t.url, bob);
    const { delivered } = await inbox.connect();
    expect(delivered).toBe(1200);
    await inbox.waitFor(byOffset, 30_000);
    expect(inbox.order).toEqual(byOffset);
    expect(inbox.repeats).toEqual([]);
    await waitUntil(allAcked(bob.username), 20_000, 'bob’s acknowledgements');
    inbox.close();
    // Acknowledged means gone: the next connection has nothing to catch up.
    expect((await inbox.connect()).delivered).toBe(0);
    expect(inbox.repeats).toEqual([]);
    inbox.close();
  }, 120_000);

  it('past Kafka’s offset retention (inbox group deleted), with received-but-unacknowledged messages', async () => {
    const alice = await registerUser(t.url);
    const bob = await registerUser(t.url);
    const topic = `${t.prefix}.messages`;
    const group = `${t.prefix}.inbox.${bob.username}`;
    // 1. Acknowledged: must never come back.
    const acked = new Inbox(t.url, bob);
    await acked.connect();
    const old = [];
    for (let i = 0; i < 5; i++) old.push((await sendMessage(t.url, alice.token, bob.username, `old-${i}`)).body.id);
    await acked.waitFor(old, 15_000);
    await waitUntil(allAcked(bob.username), 15_000, 'acknowledgements of the old messages');
    await t.app.bus.flushInboxCommits();
    acked.close();
    // 2. Received but never acknowledged (the tab died before it could ack): must come back.
    const unacked = new Inbox(t.url, bob, { ack: false });
    await unacked.connect();
    const seenOnly = [];
    for (let i = 0; i < 5; i++) seenOnly.push((await sendMessage(t.url, alice.token, bob.username, `seen-${i}`)).body.id);
    await unacked.waitFor(seenOnly, 15_000);
    unacked.close();
    // 3. Sent while offline.
    const offline = [];
    let lastSent = { id: '', partition: 0, offset: '0' };
    for (let i = 0; i < 5; i++) {
      lastSent = (await sendMessage(t.url, alice.token, bob.username, `new-${i}`)).body;
      offline.push(lastSent.id);
    }
    // Offsets expire (offsets.retention.minutes): simulated by deleting the group.
    const admin = adminFor(kafka.bootstrap);
    await admin.connect();
    try {
      await admin.deleteGroups([group]);
      expect((await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions.every((p) => p.offset === '-1')).toBe(true);

      await waitUntil(stored(bob.username, 10), 15_000, 'the 10 unacknowledged messages in the history store');
      const back = new Inbox(t.url, bob);
      const { delivered } = await back.connect();
      expect(delivered).toBe(10);
      await back.waitFor([...seenOnly, ...offline], 15_000);
      expect(back.order).toEqual([...seenOnly, ...offline]);
      expect(back.repeats).toEqual([]);
      await waitUntil(allAcked(bob.username), 15_000, 'acknowledgements after the catch-up');
      // The group is recreated by the acknowledgements and points past everything delivered.
      await t.app.bus.flushInboxCommits();
      await waitUntil(
        async () => {
          const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
          const p = committed[0]?.partitions.find((x) => x.partition === lastSent.partition);
          return Number(p?.offset ?? -1) >= Number(lastSent.offset) + 1;
        },
        15_000,
        'the inbox group to be committed again',
      );
      back.close();
      expect((await back.connect()).delivered).toBe(0);
      back.close();
    } finally {
      await admin.disconnect();
    }
  }, 90_000);
});
