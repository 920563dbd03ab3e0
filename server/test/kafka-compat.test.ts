// Proves the pinned Kafka (4.x dropped old protocol versions; KIP-896 kept the ones kafkajs uses)
// works with kafkajs for everything the server does, and that a client that is not ours (kcat,
// librdkafka) sees the broker, the topics and the records.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';

const brokers = inject('kafkaBrokers').split(',');
const kafka = new Kafka({ clientId: 'compat-test', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const topic = `compat.${randomBytes(4).toString('hex')}`;
const groupId = `${topic}.group`;

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
});

function kcat(args: string[], input?: string) {
  const result = spawnSync('kcat', ['-b', brokers.join(','), ...args], { encoding: 'utf8', input, timeout: 30_000 });
  if (result.error) throw new Error(`kcat could not run (${result.error.message}); install it: sudo apt-get install kcat`);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

describe('kafkajs against the pinned Kafka', () => {
  it('creates a topic, produces idempotently, consumes in a group, commits, and reads offsets back', async () => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(true);
    expect(await admin.listTopics()).toContain(topic);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = await producer.send({
      topic,
      acks: -1,
      messages: [1, 2, 3].map((n) => ({ key: 'bob', value: `hello ${n}`, headers: { 'message-id': `m${n}` } })),
    });
    await producer.disconnect();
    expect(sent).toHaveLength(1);
    const partition = sent[0]!.partition;

    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ message, partition: p }) => {
          received.push(`${message.value?.toString()}|${message.headers?.['message-id']?.toString()}`);
          await consumer.commitOffsets([{ topic, partition: p, offset: (BigInt(message.offset) + 1n).toString() }]);
          if (received.length === 3) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(received).toEqual(['hello 1|m1', 'hello 2|m2', 'hello 3|m3']);

    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets!.partitions.find((p) => p.partition === partition)?.offset).toBe('3');
    const groups = await admin.describeGroups([groupId]);
    expect(groups.groups[0]?.groupId).toBe(groupId);
    await admin.deleteGroups([groupId]);
  });

  it('is visible to kcat (librdkafka): metadata, the records kafkajs wrote, and records kcat writes', async () => {
    const metadata = JSON.parse(kcat(['-L', '-J'])) as { brokers: unknown[]; topics: { topic: string }[] };
    expect(metadata.brokers.length).toBeGreaterThanOrEqual(1);
    expect(metadata.topics.map((t) => t.topic)).toContain(topic);

    const read = kcat(['-C', '-t', topic, '-o', 'beginning', '-c', '3', '-e', '-f', '%k=%s\n']);
    expect(read.trim().split('\n')).toEqual(['bob=hello 1', 'bob=hello 2', 'bob=hello 3']);

    kcat(['-P', '-t', topic, '-K', ':', '-p', '0'], 'carol:from kcat\n');
    const consumer = kafka.consumer({ groupId: `${groupId}.kcat` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const fromKcat = await new Promise<string>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.key?.toString() === 'carol') resolve(message.value?.toString() ?? '');
        },
      });
    });
    await consumer.disconnect();
    expect(fromKcat).toBe('from kcat');
  });
});
