// The messenger against a broker that trusts nobody by default (`npm run kafka -- --secure`):
// SASL/SCRAM-SHA-512 over TLS only, ACLs enforced. The server's principal runs the whole send →
// deliver → ack → inbox-commit path; a second, authenticated principal cannot write the messages
// topic, read it, or move an inbox group's offsets (which would hide a victim's unread messages).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type KafkaCluster } from '../../scripts/lib/kafka-local.mjs';
import { grantAcls, kafkajsSecurity, serverAcls } from '../../scripts/lib/kafka-secure.mjs';
import { waitUntil } from './helpers/wait.js';
import { autoAck, collectMessages, connect, register, removeDir, send, startApp, type TestApp } from './helpers/app.js';

const SERVER_USER = 'messenger-server';
const FOREIGN_USER = 'mallory';
const prefix = `sec${randomBytes(4).toString('hex')}`;
const messagesTopic = `${prefix}.messages`;
// The foreign principal is a legitimate user of the same cluster, just not of our topics.
const foreignTopic = `${FOREIGN_USER}.own`;

let kafka: KafkaCluster;
let t: TestApp;
const METRICS_TOKEN = 'kafka-security-test-metrics-token';
let admin: Admin;
let foreign: Kafka;

beforeAll(async () => {
  kafka = await startKafka({ port: 0, secure: { users: [SERVER_USER, FOREIGN_USER] } });
  const security = kafka.security!;
  await grantAcls(kafka.bootstrap, security, [
    ...serverAcls(SERVER_USER, prefix),
    ...(['CREATE', 'DESCRIBE', 'WRITE', 'READ'] as const).map((operation) => ({
      resourceType: 'TOPIC' as const,
      resourceName: `${FOREIGN_USER}.`,
      resourcePatternType: 'PREFIXED' as const,
      principal: `User:${FOREIGN_USER}`,
      operation,
    })),
  ]);
  const serverUser = security.users[SERVER_USER]!;
  t = await startApp({
    KAFKA_BROKERS: kafka.bootstrap,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: security.caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: serverUser.username,
    KAFKA_SASL_PASSWORD_FILE: serverUser.passwordFile,
    METRICS_TOKEN,
  });
  admin = new Kafka({ brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING, ...kafkajsSecurity(security) }).admin();
  await admin.connect();
  foreign = new Kafka({
    clientId: 'foreign',
    brokers: [kafka.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 100 },
    ...kafkajsSecurity(security, security.users[FOREIGN_USER]),
  });
});

afterAll(async () => {
  await admin?.disconnect();
  await t?.close();
  if (t) removeDir(t.dataDir);
  await kafka?.stop();
});

/** The inbox group's committed offsets, as the cluster admin sees them. */
async function inboxOffsets(username: string): Promise<Map<number, number>> {
  const [topic] = await admin.fetchOffsets({ groupId: `${prefix}.inbox.${username}`, topics: [messagesTopic] });
  return new Map((topic?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, Number(p.offset)]));
}


interface RawBroker {
  findGroupCoordinator(request: { groupId: string }): Promise<unknown>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime: number;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}

/** kafkajs' broker-level client, as server/src/kafka/internals.ts reaches it for inbox commits. */
function rawCluster(client: Kafka): {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  findControllerBroker(): Promise<RawBroker>;
} {
  const symbol = Object.getOwnPropertySymbols(client).find((s) => s.description === 'private:Kafka:createCluster');
  const create = symbol && (client as unknown as Record<symbol, (options: object) => ReturnType<typeof rawCluster>>)[symbol];
  if (!create) throw new Error('kafkajs internals changed: private:Kafka:createCluster not found');
  const Emitter = createRequire(import.meta.url)('kafkajs/src/instrumentation/emitter') as new () => object;
  return create({ allowAutoTopicCreation: false, instrumentationEmitter: new Emitter() });
}

/** The rejection's kafkajs error type (e.g. TOPIC_AUTHORIZATION_FAILED), searched through wrappers. */
async function refusal(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
  } catch (error) {
    const types: string[] = [];
    const walk = (e: unknown, depth: number) => {
      if (!e || typeof e !== 'object' || depth > 4) return;
      const x = e as { type?: unknown; originalError?: unknown; cause?: unknown; errors?: unknown };
      if (typeof x.type === 'string') types.push(x.type);
      for (const inner of [x.originalError, x.cause, ...(Array.isArray(x.errors) ? (x.errors as unknown[]) : [])]) walk(inner, depth + 1);
    };
    walk(error, 0);
    return types.find((type) => type.endsWith('_AUTHORIZATION_FAILED')) ?? `other: ${String(error)}`;
  }
  return 'accepted';
}

describe('Kafka with SASL/SCRAM over TLS and ACLs', () => {
  it('carries the whole path: POST /send, delivery on a socket, ack, inbox group commit', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const socket = await connect(t, bob.token);
    const inbox = collectMessages(socket);
    const acks = autoAck(socket, bob.username);

    const res = await send(t, alice.token, bob.username, 'over TLS, as messenger-server');
    expect(res.statusCode).toBe(202);
    const { partition, offset } = res.json<{ partition: number; offset: string }>();
    await inbox.until(1);
    expect(inbox.texts).toEqual(['over TLS, as messenger-server']);
    await acks.settled();
    await waitUntil(async () => (await inboxOffsets(bob.username)).get(partition) === Number(offset) + 1, 15_000, 'the inbox commit');
    socket.close();

    // The operational calls need no more rights than the grants: readiness and consumer lag.
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain(`kafka_consumer_lag{group="${prefix}.history"}`);
  });

  it('a server with a wrong password or without ACLs stops at start, naming the refusal', async () => {
    const security = kafka.security!;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'messenger-sec-'));
    const common = {
      KAFKA_BROKERS: kafka.bootstrap,
      KAFKA_TOPIC_PREFIX: prefix,
      DATA_DIR: dataDir,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: security.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
    };
    try {
      const wrongPassword = `wrong-${randomBytes(6).toString('hex')}`;
      const bad = startApp({ ...common, KAFKA_SASL_USERNAME: SERVER_USER, KAFKA_SASL_PASSWORD: wrongPassword });
      await expect(bad).rejects.toThrow(/refused the server: .*authentication failed/i);
      await expect(bad).rejects.not.toThrow(wrongPassword);
      // An authenticated principal without grants on the prefix: the topic creation is refused.
      const foreignUser = security.users[FOREIGN_USER]!;
      await expect(startApp({ ...common, KAFKA_SASL_USERNAME: foreignUser.username, KAFKA_SASL_PASSWORD_FILE: foreignUser.passwordFile })).rejects.toThrow(
        /refused the server: .*not authorized/i,
      );
    } finally {
      removeDir(dataDir);
    }
  });

  it('refuses another principal: no produce to, no read of the messages topic, no inbox commit', async () => {
    // Control: the foreign principal is authenticated and may work on its own topics.
    const producer = foreign.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const foreignAdmin = foreign.admin();
    await foreignAdmin.connect();
    try {
      await foreignAdmin.createTopics({ topics: [{ topic: foreignTopic, numPartitions: 1 }], waitForLeaders: true });
      await producer.send({ topic: foreignTopic, messages: [{ value: 'mine' }] });

      const alice = await register(t);
      const bob = await register(t);
      const forged = JSON.stringify({ v: 1, id: '0192f5a4-7c1e-7a3b-9c4d-0000000000aa', from: 'ghost', to: bob.username, text: 'forged', sentAt: new Date().toISOString() });
      expect(await refusal(producer.send({ topic: messagesTopic, messages: [{ key: bob.username, value: forged }] }))).toBe('TOPIC_AUTHORIZATION_FAILED');

      // bob has one unread message; moving his inbox group past it would hide it from catch-up.
      const res = await send(t, alice.token, bob.username, 'unread');
      const { partition, offset } = res.json<{ partition: number; offset: string }>();
      const before = await inboxOffsets(bob.username);
      const skip = [{ partition, offset: String(Number(offset) + 1) }];
      const inboxGroup = `${prefix}.inbox.${bob.username}`;
      expect(await refusal(foreignAdmin.setOffsets({ groupId: inboxGroup, topic: messagesTopic, partitions: skip }))).toMatch(/^(GROUP|TOPIC)_AUTHORIZATION_FAILED$/);
      // The exact requests the server sends for an inbox commit (coordinator lookup, then a
      // simple OffsetCommit), sent by the foreign principal straight to the broker: kafkajs'
      // admin reports a refused lookup only as "coordinator not found", this shows the reason.
      const cluster = rawCluster(foreign);
      await cluster.connect();
      try {
        await cluster.refreshMetadata();
        const broker = await cluster.findControllerBroker();
        expect(await refusal(broker.findGroupCoordinator({ groupId: inboxGroup }))).toBe('GROUP_AUTHORIZATION_FAILED');
        const commit = (topic: string, partitions: { partition: number; offset: string }[]) =>
          broker.offsetCommit({ groupId: inboxGroup, groupGenerationId: -1, memberId: '', retentionTime: -1, topics: [{ topic, partitions }] });
        expect(await refusal(commit(messagesTopic, skip))).toMatch(/^(GROUP|TOPIC)_AUTHORIZATION_FAILED$/);
        // The group ACL alone stops it, even for a topic the foreign principal may read.
        expect(await refusal(commit(foreignTopic, [{ partition: 0, offset: '1' }]))).toBe('GROUP_AUTHORIZATION_FAILED');
      } finally {
        await cluster.disconnect();
      }
      expect(await inboxOffsets(bob.username)).toEqual(before);

      // Reading: the topic's records are not served to it.
      const consumer = foreign.consumer({ groupId: `${FOREIGN_USER}.reader` });
      await consumer.connect();
      try {
        expect(await refusal(consumer.subscribe({ topic: messagesTopic, fromBeginning: true }))).toBe('TOPIC_AUTHORIZATION_FAILED');
        expect(await refusal(foreignAdmin.fetchTopicOffsets(messagesTopic))).toBe('TOPIC_AUTHORIZATION_FAILED');
      } finally {
        await consumer.disconnect();
      }

      // And bob still gets the unread message on his next connection.
      const socket = await connect(t, bob.token);
      const inbox = collectMessages(socket);
      await inbox.until(1);
      expect(inbox.texts).toEqual(['unread']);
      socket.close();
    } finally {
      await producer.disconnect();
      await foreignAdmin.disconnect();
    }
  });
});
