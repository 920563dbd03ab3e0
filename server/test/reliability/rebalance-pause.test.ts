// Three instances share the history group (issue 13, part 2). An instance joining, leaving
// cleanly, and dying (SIGKILL) each rebalance it. This measures how long delivery stalls while
// that happens, for recipients whose sockets sit on an instance that stays up, and asserts that
// every accepted message still arrives exactly once. The numbers go to the log (one line per
// event); tests never assert wall-clock limits.
import { afterAll, describe, expect, it } from 'vitest';
import { randomName } from '../helpers/app.js';
import { onPostgres } from '../helpers/database.js';
import { startServerProcess, type ServerProcess } from '../helpers/process.js';
import { tempDataDir } from '../../../scripts/lib/server-process.mjs';
import { Inbox, registerUser, sendMessage, waitUntil } from './fault-helpers.js';

const RATE_PER_SECOND = 40;
const RECIPIENTS = 12;
// Deliveries to wait for after an event settles, before the next one: a few seconds of traffic.
const SETTLE = 120;
const MAX_MESSAGES = 20_000;

const running: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop('SIGKILL').catch(() => undefined)));
});

interface Sent {
  id: string;
  partition: number;
  at: number;
}

// Several instances on one host share a store and a signing key; Postgres is the store for that.
describe.runIf(onPostgres)('the history group rebalances under steady load', () => {
  it('an instance joining, leaving and dying stalls delivery briefly and loses nothing', { timeout: 300_000 }, async () => {
    const shared = { KAFKA_TOPIC_PREFIX: randomName('p'), DATA_DIR: tempDataDir('messenger-pause-'), TOPIC_PARTITIONS: '6' };
    const start = async (id: string) => {
      const s = await startServerProcess({ ...shared, INSTANCE_ID: id, KAFKA_CLIENT_ID: `pause-${id}` });
      running.push(s);
      return s;
    };
    const a = await start('a');
    await start('b');
    const c = await start('c');

    const sender = await registerUser(a.url);
    const recipients = await Promise.all(Array.from({ length: RECIPIENTS }, () => registerUser(a.url)));
    // Every socket on A, which stays up: what is measured is the store's stall (a partition
    // whose history owner is rebalancing or dead is not stored, so not pushed anywhere).
    const inboxes = recipients.map((r) => new Inbox(a.url, r));
    await Promise.all(inboxes.map((i) => i.connect()));
    const arrivedAt = new Map<string, number>();
    for (const inbox of inboxes) {
      inbox.socket?.on('message:new', ({ message }) => arrivedAt.has(message.id) || arrivedAt.set(message.id, performance.now()));
    }

    const sent: Sent[] = [];
    let stopped = false;
    let n = 0;
    const pacer = setInterval(() => {
      if (stopped || n >= MAX_MESSAGES) return;
      const to = recipients[n % RECIPIENTS]!.username;
      const at = performance.now();
      n += 1;
      void sendMessage(a.url, sender.token, to, `m${n}`).then((r) => {
        if (r.status === 202) sent.push({ id: r.body.id, partition: r.body.partition, at });
      });
    }, 1000 / RATE_PER_SECOND);

    // Until SETTLE more deliveries came, and every message accepted so far has arrived (a dead
    // instance's partitions come back only after its session expires, while the others flow).
    const settle = async (what: string) => {
      const target = arrivedAt.size + SETTLE;
      await waitUntil(() => arrivedAt.size >= target, 90_000, `deliveries to resume after ${what}`, 20);
      const accepted = [...sent];
      await waitUntil(() => accepted.every((m) => arrivedAt.has(m.id)), 90_000, `every message accepted before ${what} settled`, 20);
    };
    const report = (what: string, from: number, to: number) => {
      const window = sent.filter((s) => s.at >= from && s.at <= to && arrivedAt.has(s.id));
      const byPartition = new Map<number, number>();
      for (const s of window) byPartition.set(s.partition, Math.max(byPartition.get(s.partition) ?? 0, (arrivedAt.get(s.id) ?? 0) - s.at));
      const arrivals = window.map((s) => arrivedAt.get(s.id) ?? 0).sort((x, y) => x - y);
      let longestGap = 0;
      for (let i = 1; i < arrivals.length; i++) longestGap = Math.max(longestGap, (arrivals[i] ?? 0) - (arrivals[i - 1] ?? 0));
      const perPartition = [...byPartition].sort(([x], [y]) => x - y).map(([p, ms]) => `p${p} ${Math.round(ms)}`);
      console.log(
        `${what}: longest gap between deliveries ${Math.round(longestGap)} ms; max send→screen latency per partition (ms): ${perPartition.join(', ')} (${window.length} messages)`,
      );
    };

    try {
      await settle('start');
      let from = performance.now();
      const d = await start('d');
      await settle('an instance joined');
      report('join', from, performance.now());

      from = performance.now();
      await d.stop('SIGTERM');
      await settle('an instance left');
      report('leave', from, performance.now());

      from = performance.now();
      c.child.kill('SIGKILL');
      await c.exited;
      // Its partitions wait for its session (10 s) to expire, then for a rebalance.
      await settle('an instance died');
      report('die', from, performance.now());
    } finally {
      stopped = true;
      clearInterval(pacer);
    }
    // Every accepted message reaches its recipient's screen, exactly once on the wire.
    await waitUntil(() => sent.every((s) => arrivedAt.has(s.id)), 60_000, 'every accepted message', 50);
    for (const inbox of inboxes) {
      expect(inbox.repeats).toEqual([]);
      inbox.close();
    }
    expect(sent.length).toBeGreaterThan(SETTLE * 4);
  });
});
