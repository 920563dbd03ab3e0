// Three local brokers (replication factor 3, min.insync.replicas 2) under a steady load:
//  1. SIGKILL the leader of the busiest partition: no acknowledged message is lost and the
//     service continues (later sends get 202 once a new leader is elected).
//  2. SIGKILL a second broker (one of three left): POST /send answers 503, never 202.
//  3. Restart both: sends are accepted again and everything ever accepted is delivered.
import type { SendResponse } from '@messenger/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaCluster } from '../../../scripts/lib/kafka-local.mjs';
import { startServerProcess, type ServerProcess } from '../helpers/process.js';
import { adminFor, Inbox, whereAre, ownKafka, registerUser, sendMessage, waitUntil, type HttpResult } from './fault-helpers.js';

const CONCURRENCY = 6;

let kafka: KafkaCluster;
let server: ServerProcess;

beforeAll(async () => {
  kafka = await ownKafka(3);
  server = await startServerProcess({
    KAFKA_BROKERS: kafka.bootstrap,
    TOPIC_REPLICATION_FACTOR: '3',
    TOPIC_PARTITIONS: '3',
    KAFKA_SEND_TIMEOUT_MS: '3000',
  });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await kafka?.stop();
}, 90_000);

interface Sent extends HttpResult<SendResponse> {
  startedAt: number;
  to: string;
  text: string;
}

describe('a three-broker cluster loses brokers under load', () => {
  it('keeps every acknowledged message through a leader kill, refuses writes without a quorum, recovers', async () => {
    const alice = await registerUser(server.url);
    const recipients = [await registerUser(server.url), await registerUser(server.url), await registerUser(server.url)];
    const inboxes = new Map(recipients.map((r) => [r.username, new Inbox(server.url, r)]));
    for (const inbox of inboxes.values()) await inbox.connect();

    // Steady load until told to stop; recipient 0 gets half of it, so its partition is busiest.
    const sent: Sent[] = [];
    let stop = false;
    let n = 0;
    const load = Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (!stop) {
          const i = n++;
          const to = recipients[i % 2 === 0 ? 0 : 1 + ((i >> 1) % 2)]!.username;
          const startedAt = performance.now();
          const r = await sendMessage(server.url, alice.token, to, `c${i}`);
          sent.push({ ...r, startedAt, to, text: `c${i}` });
        }
      }),
    );
    const acceptedSince = (t: number, to?: string) => sent.filter((s) => s.startedAt > t && s.status === 202 && (!to || s.to === to)).length;
    const topic = `${server.env.KAFKA_TOPIC_PREFIX}.messages`;
    const admin = adminFor(kafka.bootstrap);
    let phase = 'start';
    try {
      phase = 'warm-up';
      await waitUntil(() => acceptedSince(0) >= 300, 60_000, '300 accepted sends');

      // 1. Kill the leader of the busiest partition.
      phase = 'leader kill';
      await admin.connect();
      const ends = await admin.fetchTopicOffsets(topic);
      const busiest = ends.reduce((a, b) => (Number(b.high) > Number(a.high) ? b : a));
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const leader = metadata.topics[0]!.partitions.find((p) => p.partitionId === busiest.partition)!.leader;
      await admin.disconnect();
      const killed1 = performance.now();
      await kafka.killNode(leader);
      // Service continues: every recipient (every partition in use) gets new sends accepted.
      await waitUntil(() => recipients.every((r) => acceptedSince(killed1, r.username) >= 20), 90_000, 'sends accepted after the leader kill');
      const during1 = sent.filter((s) => s.startedAt > killed1);

      // 2. Kill a second broker: one of three left, below min.insync.replicas and the quorum.
      phase = 'quorum loss';
      const second = kafka.nodes.find((node) => node.id !== leader)!.id;
      await kafka.killNode(second);
      const killed2 = performance.now();
      await waitUntil(() => sent.filter((s) => s.startedAt > killed2).length >= 3 * CONCURRENCY, 90_000, 'sends answered without a quorum');
      const during2 = sent.filter((s) => s.startedAt > killed2);
      expect(during2.filter((s) => s.status === 202)).toEqual([]);
      for (const s of during2) {
        expect(s.status).toBe(503);
        expect(s.retryAfter).toMatch(/^\d+$/);
      }

      // 3. Restart both: accepted again.
      phase = 'recovery';
      await kafka.startNode(leader);
      await kafka.startNode(second);
      await kafka.waitReady(90_000);
      const restarted = performance.now();
      await waitUntil(() => recipients.every((r) => acceptedSince(restarted, r.username) >= 20), 90_000, 'sends accepted after the restart');
      stop = true;
      await load;

      // Zero acknowledged messages lost, none shown twice.
      const accepted = sent.filter((s) => s.status === 202);
      for (const [username, inbox] of inboxes) {
        const ids = accepted.filter((s) => s.to === username).map((s) => s.body.id);
        await inbox.waitFor(ids, 120_000).catch(async (error: unknown) => {
          throw new Error(`${(error as Error).message}\n${await whereAre(inbox.missing(ids), server.env, kafka.bootstrap)} drops ${inbox.drops}`);
        });
        const idsPerText = new Map<string, number>();
        for (const text of inbox.texts.values()) idsPerText.set(text, (idsPerText.get(text) ?? 0) + 1);
        expect([...idsPerText].filter(([, count]) => count > 1)).toEqual([]);
      }
      for (const s of accepted) expect(inboxes.get(s.to)?.texts.get(s.body.id)).toBe(s.text);
      const statuses = new Set(sent.map((s) => s.status));
      expect([...statuses].filter((s) => s !== 202 && s !== 503)).toEqual([]);

      expect(server.child.exitCode).toBeNull();
      expect(server.child.signalCode).toBeNull();
      expect(server.output.join('')).not.toContain('unhandled rejection');
      console.log(
        JSON.stringify({
          sends: sent.length,
          accepted: accepted.length,
          killedLeader: leader,
          busiestPartition: busiest.partition,
          afterLeaderKill: { sends: during1.length, rejected503: during1.filter((s) => s.status === 503).length },
          withoutQuorum: { sends: during2.length, accepted: 0, maxMs: Math.round(Math.max(...during2.map((s) => s.ms))) },
          max503Ms: Math.round(Math.max(0, ...sent.filter((s) => s.status === 503).map((s) => s.ms))),
          socketDrops: [...inboxes.values()].flatMap((i) => i.drops),
        }),
      );
    } catch (error) {
      console.log(`failed during ${phase}; sends ${sent.length}; statuses ${JSON.stringify([...new Set(sent.map((s) => s.status))])}`);
      console.log(server.output.join('').split('\n').filter((l) => (/"level":(50|60)/.test(l) && !l.includes('Connection error') && !l.includes('Restarting the consumer')) || l.includes('crashed')).slice(-25).map((l) => l.slice(0, 300)).join('\n'));
      for (const node of kafka.nodes) console.log(`--- node ${node.id}\n${kafka.logTail(node.id, 8)}`);
      throw error;
    } finally {
      stop = true;
      await load;
      await admin.disconnect().catch(() => undefined);
      for (const inbox of inboxes.values()) inbox.close();
    }
  }, 480_000);
});
