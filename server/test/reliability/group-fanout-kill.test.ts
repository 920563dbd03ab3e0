// A server is SIGKILLed while group messages fan out, then restarted with the same INSTANCE_ID.
// Each message's copies are written in one Kafka transaction: read committed, a message has
// either a copy for every member or none, never some; every 202 has all of them; a client's
// retry with the same Idempotency-Key completes what the kill interrupted; and every member's
// history holds every accepted message once.
import { GroupApiPaths, type Group, type MessagesPage, type SendResponse } from '@messenger/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { startServerProcess } from '../helpers/process.js';
import { pool, post, registerUser, waitUntil } from './fault-helpers.js';

const MEMBERS = 12;
const SENDS = 120;
const CONCURRENCY = 8;

async function get<T>(baseUrl: string, path: string, token: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: (await res.json()) as T };
}

/** Every committed record of the topic, as (message id, key) pairs, read from the beginning. */
async function committedCopies(topic: string, expected: number): Promise<Map<string, string[]>> {
  const kafka = new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `check-${topic}-${Date.now()}`, readUncommitted: false });
  const copies = new Map<string, string[]>();
  let seen = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const id = message.headers?.['message-id']?.toString() ?? '';
        copies.set(id, [...(copies.get(id) ?? []), message.key?.toString() ?? '']);
        seen += 1;
      },
    });
    await waitUntil(() => seen >= expected, 60_000, `${expected} committed copies on the topic`);
  } finally {
    await consumer.disconnect();
  }
  return copies;
}

describe('a server killed mid fan-out', () => {
  it('leaves every group message with all of its copies or none, and retries complete it', async () => {
    let server = await startServerProcess({ INSTANCE_ID: 'fanout-kill' });
    const owner = await registerUser(server.url);
    const members = await Promise.all(Array.from({ length: MEMBERS - 1 }, () => registerUser(server.url)));
    const created = await post<Group>(server.url, GroupApiPaths.groups, { name: 'Kill test', members: members.map((m) => m.username) }, { token: owner.token });
    expect(created.status).toBe(201);
    const group = created.body.id;

    const key = (i: number) => `fanout-kill-${i}`;
    const first = await pool(SENDS, CONCURRENCY, async (i) => {
      if (i === 30) server.child.kill('SIGKILL');
      return post<SendResponse>(server.url, GroupApiPaths.messages(group), { text: `g${i}` }, { token: owner.token, headers: { 'idempotency-key': key(i) }, hangGuardMs: 30_000 });
    });
    await server.exited;
    const acceptedBefore = new Map<number, string>();
    first.forEach((r, i) => {
      if (r.status === 202) acceptedBefore.set(i, r.body.id);
    });
    expect(acceptedBefore.size).toBeGreaterThan(0);
    expect(acceptedBefore.size).toBeLessThan(SENDS);

    // Restarted with the same INSTANCE_ID (so the same transactional id: any transaction the
    // dead process left open is aborted at once), and every request is retried with its key.
    server = await startServerProcess(server.env);
    try {
      const retried = await pool(SENDS, CONCURRENCY, (i) =>
        post<SendResponse>(server.url, GroupApiPaths.messages(group), { text: `g${i}` }, { token: owner.token, headers: { 'idempotency-key': key(i) } }),
      );
      expect(retried.map((r) => r.status)).toEqual(new Array(SENDS).fill(202));
      // A 202 before the kill is the same message after it.
      for (const [i, id] of acceptedBefore) expect(retried[i]?.body.id).toBe(id);
      const ids = new Set(retried.map((r) => r.body.id));
      expect(ids.size).toBe(SENDS);

      // On the topic, read committed: every message has a copy for every member, and any
      // repeat (a retry of a fan-out whose 202 was lost) is a whole second set, never a part.
      const everyone = [owner.username, ...members.map((m) => m.username)].sort();
      const copies = await committedCopies(`${server.env.KAFKA_TOPIC_PREFIX}.messages`, SENDS * MEMBERS);
      for (const id of ids) {
        const keys = copies.get(id) ?? [];
        expect(new Set(keys).size === MEMBERS && keys.length % MEMBERS === 0 ? 'whole' : `${keys.length} copies`).toBe('whole');
        expect([...new Set(keys)].sort()).toEqual(everyone);
      }

      // Every member's history holds every message exactly once, in the same order.
      const orders: string[][] = [];
      for (const m of [owner, ...members.slice(0, 3)]) {
        await waitUntil(
          async () => {
            const page = await get<MessagesPage>(server.url, `${GroupApiPaths.messages(group)}?limit=200`, m.token);
            orders.push(page.body.messages.map((x) => x.id));
            return page.body.messages.length >= SENDS;
          },
          60_000,
          `${m.username}'s history to hold ${SENDS} messages`,
          200,
        );
        const order = orders.at(-1) ?? [];
        expect(order.length).toBe(SENDS);
        expect(new Set(order)).toEqual(ids);
        expect(order).toEqual(orders.find((o) => o.length === SENDS));
      }
    } finally {
      await server.stop();
    }
  }, 240_000);
});
