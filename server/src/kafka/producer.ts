// Producing: the chat records (one request in flight, everything arriving meanwhile batched into
// the next), the producer replaced after any failure, partition choice, and dead-lettering.
import { Partitioners, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import { queuedWithDeadline, type Settlement } from './queued-send.js';
import { KafkaUnavailableError, type KafkaBusOptions, type ProduceResult, type RawRecord } from './types.js';

const MAX_SEND_BATCH = 1000;

interface QueuedSend extends Settlement<ProduceResult> {
  key: string;
  value: string;
  headers: IHeaders;
  partition: number;
}

type ProducerOptions = Pick<KafkaBusOptions, 'messagesTopic' | 'dlqTopic' | 'sendTimeoutMs'>;

/** `partitionCount` is read on every send: the topic's real count is known only after connect. */
export function createChatProducer(kafka: Kafka, options: ProducerOptions, partitionCount: () => number) {
  const newProducer = (): Producer =>
    kafka.producer({
      // We pick partitions ourselves (murmur2 of the key, as Java clients do); naming the
      // partitioner also silences kafkajs' "switched default partitioner" warning on every start.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  let producer: Producer = newProducer();
  // kafkajs advances an idempotent producer's sequence numbers only on success. When a produce
  // fails after the broker wrote it (a timeout, a connection cut, a leader change), the next
  // batch reuses those sequence numbers, the broker takes it for a retry of the written batch
  // and answers "success" with that batch's offsets: the new records are dropped but we would
  // answer 202. Found by test/reliability/cluster.test.ts (an accepted message missing from the
  // topic after a leader kill). So after any failed produce the producer is replaced: a new
  // producer id starts fresh sequences that cannot collide with what the old one wrote.
  let producerSuspect = false;
  async function healthyProducer(): Promise<Producer> {
    if (!producerSuspect) return producer;
    const old = producer;
    producer = newProducer();
    producerSuspect = false;
    await old.disconnect().catch(() => undefined);
    try {
      await producer.connect();
    } catch (error) {
      producerSuspect = true;
      throw error;
    }
    return producer;
  }
  const partitioner = Partitioners.DefaultPartitioner();
  let stopping = false;

  // One request in flight; everything that arrives meanwhile rides the next one. kafkajs has no
  // linger, so this is how concurrent /send requests share a round trip.
  const queue: QueuedSend[] = [];
  let inFlight = false;
  let flushScheduled = false;

  function scheduleFlush() {
    if (flushScheduled || inFlight) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      void flush();
    });
  }

  async function flush() {
    if (inFlight) return;
    const batch = queue.splice(0, MAX_SEND_BATCH).filter((q) => !q.settled);
    if (batch.length === 0) return;
    inFlight = true;
    try {
      const results = await (await healthyProducer()).send({
        topic: options.messagesTopic,
        acks: -1,
        timeout: options.sendTimeoutMs,
        messages: batch.map((q) => ({ key: q.key, value: q.value, headers: q.headers, partition: q.partition })),
      });
      const base = new Map(results.map((r) => [r.partition, Number(r.baseOffset)]));
      const seen = new Map<number, number>();
      for (const q of batch) {
        const index = seen.get(q.partition) ?? 0;
        seen.set(q.partition, index + 1);
        const baseOffset = base.get(q.partition);
        if (baseOffset === undefined) {
          producerSuspect = true;
          q.reject(new KafkaUnavailableError('Kafka did not acknowledge the partition'));
        } else q.resolve({ partition: q.partition, offset: baseOffset + index });
      }
    } catch (error) {
      producerSuspect = true;
      for (const q of batch) q.reject(new KafkaUnavailableError('Kafka produce failed', { cause: error }));
    } finally {
      inFlight = false;
      if (queue.length > 0) scheduleFlush();
    }
  }

  function partitionFor(key: string): number {
    const metadata = Array.from({ length: partitionCount() }, (_, i) => ({ partitionId: i, leader: 0, replicas: [], isr: [], offlineReplicas: [], partitionErrorCode: 0 }));
    return partitioner({ topic: options.messagesTopic, partitionMetadata: metadata, message: { key, value: null } });
  }

  return {
    partitionFor,

    connect: () => producer.connect(),

    /** Resolves once Kafka (acks=all) holds the record; rejects within sendTimeoutMs otherwise. */
    produce(key: string, value: string, headers: Record<string, string>): Promise<ProduceResult> {
      if (stopping) return Promise.reject(new KafkaUnavailableError('The server is shutting down'));
      // A send still queued when its time runs out is dropped, never written late.
      return queuedWithDeadline<ProduceResult, Omit<QueuedSend, keyof Settlement<ProduceResult>>>(
        { key, value, headers, partition: partitionFor(key) },
        options.sendTimeoutMs,
        () => new KafkaUnavailableError(`Kafka did not acknowledge within ${options.sendTimeoutMs} ms`),
        (entry) => {
          queue.push(entry);
          scheduleFlush();
        },
      );
    },

    /** Copies a record that failed validation to `<topic>.dlq`, with why and where it came from. */
    async deadLetter(record: RawRecord, reason: string, error: string): Promise<void> {
      await (await healthyProducer()).send({
        topic: options.dlqTopic,
        acks: -1,
        messages: [
          {
            key: record.key,
            value: record.value,
            headers: {
              ...record.headers,
              'dlq-reason': reason,
              'dlq-error': error.slice(0, 1000),
              'dlq-original-topic': record.topic,
              'dlq-original-partition': String(record.partition),
              'dlq-original-offset': String(record.offset),
              'dlq-failed-at': new Date().toISOString(),
            },
          },
        ],
      }).catch((error: unknown) => {
        producerSuspect = true;
        throw error;
      });
    },

    /** New sends are refused from now on; the ones already queued still go until close(). */
    stop(): void {
      stopping = true;
    },

    /** Fails whatever is still queued and disconnects. */
    close(): Promise<void> {
      for (const q of queue.splice(0)) q.reject(new KafkaUnavailableError('The server is shutting down'));
      return producer.disconnect();
    },
  };
}
