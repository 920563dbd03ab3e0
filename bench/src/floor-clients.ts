// The Kafka clients the floor can run on, behind one small interface: a topic of its own, an
// idempotent acks=all producer that sends what it is given as one request, and a consumer group
// reading the topic from the start. Both are set up like the server's history consumer (maxWait
// 250 ms, heartbeat 1 s, session 10 s, read committed, offsets committed once a second, every
// partition consumed concurrently), so the floor differs only in the client library.
// Each library is imported only when chosen: a floor process loads (and garbage-collects) one.

export const FLOOR_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type FloorClientName = (typeof FLOOR_CLIENTS)[number];

export interface FloorRecord {
  key: string;
  value: string;
  partition: number;
}

export interface FloorClient {
  /** One produce request (acks=all); resolves once Kafka holds every record of it. */
  send(records: FloorRecord[]): Promise<void>;
  /** Leaves the group, disconnects and deletes the topic; never throws. */
  close(): Promise<void>;
}

export interface FloorClientOptions {
  brokers: string[];
  topic: string;
  partitions: number;
  /** Called for every record consumed, with the time its fetch answer was handed over. */
  onValue: (value: string, at: number) => void;
}

const MAX_WAIT_MS = 250;
const SESSION_TIMEOUT_MS = 10_000;
const HEARTBEAT_MS = 1_000;
// The server's history consumer commits on an interval, not after each batch: a commit per batch
// costs a round trip per partition answered and, awaited in the fetch loop, adds it to the latency.
const COMMIT_INTERVAL_MS = 1_000;
// Setup only (the measured window starts after it): joining a fresh group takes a few seconds.
const JOIN_TIMEOUT_MS = 30_000;

export function openFloorClient(name: FloorClientName, options: FloorClientOptions, now: () => number): Promise<FloorClient> {
  return name === 'kafkajs' ? openKafkajs(options, now) : openPlatformatic(options, now);
}

async function openKafkajs(o: FloorClientOptions, now: () => number): Promise<FloorClient> {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'bench-floor', brokers: o.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: o.topic, numPartitions: o.partitions, replicationFactor: 1 }] });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `${o.topic}.g`, maxWaitTimeInMs: MAX_WAIT_MS, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_MS });
  await consumer.connect();
  await consumer.subscribe({ topic: o.topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    partitionsConsumedConcurrently: o.partitions,
    autoCommitInterval: COMMIT_INTERVAL_MS,
    eachBatch: async ({ batch }) => {
      const at = now();
      for (const m of batch.messages) o.onValue(m.value?.toString('utf8') ?? '', at);
    },
  });
  await within(joined, JOIN_TIMEOUT_MS, 'kafkajs consumer did not join its group');
  return {
    async send(records) {
      await producer.send({
        topic: o.topic,
        acks: -1,
        messages: records.map((r) => ({ key: r.key, value: r.value, partition: r.partition, headers: { 'content-type': 'application/json' } })),
      });
    },
    async close() {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.deleteTopics({ topics: [o.topic] }).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}

async function openPlatformatic(o: FloorClientOptions, now: () => number): Promise<FloorClient> {
  const { Admin, Consumer, Producer, ProduceAcks, stringDeserializers, stringSerializers } = await import('@platformatic/kafka');
  const base = { clientId: 'bench-floor', bootstrapBrokers: o.brokers };
  const admin = new Admin(base);
  await admin.createTopics({ topics: [o.topic], partitions: o.partitions, replicas: 1 });
  const producer = new Producer({ ...base, idempotent: true, acks: ProduceAcks.ALL, autocreateTopics: false, serializers: stringSerializers });
  // Produces need the new topic's leaders in the producer's metadata; fetch it once, outside the window.
  await producer.metadata({ topics: [o.topic], forceUpdate: true });
  const consumer = new Consumer({
    ...base,
    groupId: `${o.topic}.g`,
    deserializers: stringDeserializers,
    maxWaitTime: MAX_WAIT_MS,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: HEARTBEAT_MS,
  });
  const joined = new Promise<void>((resolve) => consumer.once('consumer:group:join', () => resolve()));
  // A number is an interval: the offsets of the fetch answers handed over so far, once a second.
  // (@platformatic/kafka consumes every partition of a fetch answer at once; there is no knob.)
  const stream = await consumer.consume({ topics: [o.topic], mode: 'earliest', autocommit: COMMIT_INTERVAL_MS });
  stream.on('data', (m: { value: string | undefined }) => o.onValue(m.value ?? '', now()));
  let streamError: unknown;
  stream.on('error', (error: unknown) => (streamError ??= error));
  await within(joined, JOIN_TIMEOUT_MS, '@platformatic/kafka consumer did not join its group');
  const headers = new Map([['content-type', 'application/json']]);
  return {
    async send(records) {
      if (streamError) throw new Error('the consumer stream failed', { cause: streamError });
      await producer.send({ messages: records.map((r) => ({ topic: o.topic, key: r.key, value: r.value, partition: r.partition, headers })) });
    },
    async close() {
      await stream.close().catch(() => undefined);
      await consumer.close().catch(() => undefined);
      await producer.close().catch(() => undefined);
      await admin.deleteTopics({ topics: [o.topic] }).catch(() => undefined);
      await admin.close().catch(() => undefined);
    },
  };
}

function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
