// A rolling restart of three instances (A, then B, then C: each stopped, waited for, started again
// with the same INSTANCE_ID and waited for on /readyz) while Alice sends Bob 2,000 messages, each
// with its own Idempotency-Key, retried on the next instance after a 503 or no answer. Bob's client
// follows the restarts from instance to instance by itself and ends with every accepted message
// exactly once. Then the same with SIGKILL instead of SIGTERM.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FailoverRecipient, registerOn } from './clients.js';
import { Cluster, describeScaleOut } from './cluster.js';
import { reportDeliveries, startLoad } from './load.js';

const TOTAL = 2_000;
// The send spans every restart: a slow pace while instances go down and up, with the last tenth
// held back until the last restart is over, then the rest at a brisk pace. Deliveries do not
// pause for want of sends (unless the restarts outlast 1,800 sends at 50/s, 36 s: the log line
// shows the sends during each restart), so the longest gap measures the restarts.
const RATE_DURING_RESTARTS = 50;
const HELD_BACK_UNTIL_DONE = 0.9;
const RATE_AFTER = 400;
const CONCURRENCY = 16;
const LOAD_DEADLINE_MS = 180_000;
const DELIVERY_DEADLINE_MS = 120_000;
const ORDER = ['a', 'b', 'c'];

describeScaleOut('rolling restart of three instances during a 2,000-message send', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start(ORDER);
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`restarting A, B, C one at a time (${signal}) loses nothing and repeats nothing`, async () => {
      const [alice, bob] = await Promise.all([registerOn(cluster.url('a')), registerOn(cluster.url('b'))]);
      // Bob starts on A, the first to go: he moves A → B → C → A as they restart.
      const bobClient = new FailoverRecipient(cluster.instances, bob, 0);
      await bobClient.connect();
      const load = startLoad({
        urls: () => cluster.urls,
        from: alice,
        to: bob.username,
        total: TOTAL,
        ratePerSecond: RATE_DURING_RESTARTS,
        concurrency: CONCURRENCY,
        deadlineMs: LOAD_DEADLINE_MS,
        released: Math.round(TOTAL * HELD_BACK_UNTIL_DONE),
      });
      const restarts: string[] = [];
      try {
        for (const id of ORDER) {
          const sentBefore = load.started;
          const startedAt = performance.now();
          await cluster.stopInstance(id, signal);
          await cluster.startInstance(id);
          restarts.push(`${id} ${Math.round(performance.now() - startedAt)} ms (sends ${sentBefore}→${load.started})`);
        }
      } finally {
        load.setRate(RATE_AFTER);
        await load.done();
      }
      console.log(`rolling restart (${signal}): ${restarts.join(', ')}`);
      const accepted = new Set(load.accepted.values());
      try {
        await bobClient.waitFor(accepted, DELIVERY_DEADLINE_MS).catch(() => undefined);
      } finally {
        bobClient.close();
      }
      const report = reportDeliveries(`scale-out rolling restart (${signal})`, load, bobClient);

      expect(load.refused, 'answers other than 202/503').toEqual([]);
      expect(report.accepted, 'a client that retries with the same key gets every message accepted').toBe(TOTAL);
      expect(bobClient.failures).toEqual([]);
      // He followed the restarts by himself, each time to the next instance in his list.
      expect(bobClient.connections.map((c) => c.instance)).toEqual(['a', 'b', 'c', 'a']);
      expect(bobClient.missing(accepted), 'accepted but never delivered').toEqual([]);
      expect(bobClient.repeatsOnOneConnection(), 'sent twice to one connection').toEqual([]);
      expect(report.unexpected, 'delivered messages no 202 named').toBe(0);
      expect(new Set(bobClient.texts.values()).size, 'one message per Idempotency-Key').toBe(bobClient.texts.size);
      for (const id of ORDER) expect(cluster.output(id)).not.toMatch(/unhandled rejection/i);
    }, 600_000);
  }
});
