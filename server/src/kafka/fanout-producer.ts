// Producing a group's records, one per member, in one Kafka transaction: a message's copies, or a
// change's (an edit, a delete, a reaction). Either every member's record is on the topic or none
// is (our consumers read committed), so a server dying halfway through a fan-out never leaves
// some members with the message, or the edit, and others without.
// Fan-outs arriving while one transaction runs ride the next one together: a transaction costs
// a few round trips (AddPartitionsToTxn, Produce, EndTxn), paid once per round, not per message.
import { Partitioners, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import { queuedWithDeadline, type Settlement } from './queued-send.js';
import { KafkaUnavailableError, type KafkaBusOptions, type ProduceResult } from './types.js';

/** Most copies one transaction carries; a fan-out is never split across two. */
const MAX_TRANSACTION_RECORDS = 5000;

export interface FanOutRecord {
  key: string;
  value: string;
  headers: IHeaders;
}

interface QueuedFanOut extends Settlement<ProduceResult[]> {
  records: FanOutRecord[];
  partitions: number[];
}

type Options = Pick<KafkaBusOptions, 'messagesTopic' | 'sendTimeoutMs' | 'transactionalId'>;

export function createFanOutProducer(kafka: Kafka, options: Options, partitionFor: (key: string) => number) {
  const newProducer = (): Producer =>
    kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      // A stable id per instance: a restarted instance fences its dead predecessor and aborts
      // the transaction it left open, instead of read-committed consumers waiting for it to time
      // out (the last stable offset holds every partition it touched).
      transactionalId: options.transactionalId,
      transactionTimeout: Math.max(10_000, options.sendTimeoutMs * 2),
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The common retry here is CONCURRENT_TRANSACTIONS: the next transaction asks before the
      // broker finished the last one's markers, a few milliseconds. Java's producer backs off
      // 20 ms for it; a 100 ms first wait doubled the group 202's p99 in the bench. The send
      // deadline still bounds every wait.
      retry: { retries: 8, initialRetryTime: 10, maxRetryTime: 250 },
    });
  // Created on the first group fan-out: a server without groups never opens a transaction.
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  let stopping = false;

  async function ready(): Promise<Producer> {
    if (producer) return producer;
    connecting ??= (async () => {
      const p = newProducer();
      try {
        await p.connect();
      } catch (error) {
        await p.disconnect().catch(() => undefined);
        throw error;
      }
      producer = p;
      return p;
    })().finally(() => (connecting = undefined));
    return connecting;
  }

  /** After any failure: a fresh producer (same transactional id) aborts whatever was left open. */
  async function discard(): Promise<void> {
    const old = producer;
    producer = undefined;
    await old?.disconnect().catch(() => undefined);
  }

  const queue: QueuedFanOut[] = [];
  let inFlight = false;

  async function flush(): Promise<void> {
    if (inFlight) return;
    const round: QueuedFanOut[] = [];
    let size = 0;
    while (queue.length > 0) {
      const next = queue[0];
      if (!next) break;
      if (next.settled) {
        queue.shift();
        continue;
      }
      if (round.length > 0 && size + next.records.length > MAX_TRANSACTION_RECORDS) break;
      queue.shift();
      round.push(next);
      size += next.records.length;
    }
    if (round.length === 0) return;
    inFlight = true;
    try {
      const p = await ready();
      const tx = await p.transaction();
      let results;
      try {
        results = await tx.send({
          topic: options.messagesTopic,
          acks: -1,
          timeout: options.sendTimeoutMs,
          messages: round.flatMap((f) => f.records.map((r, i) => ({ ...r, partition: f.partitions[i] }))),
        });
        await tx.commit();
      } catch (error) {
        await tx.abort().catch(() => undefined);
        throw error;
      }
      // Offsets as in producer.ts: the records of a partition follow its base offset in order.
      const base = new Map(results.map((r) => [r.partition, Number(r.baseOffset)]));
      const seen = new Map<number, number>();
      for (const f of round) {
        const at: ProduceResult[] = [];
        for (const partition of f.partitions) {
          const index = seen.get(partition) ?? 0;
          seen.set(partition, index + 1);
          const baseOffset = base.get(partition);
          // Committed, so held; an unknown offset is only a missing detail for the answer.
          at.push({ partition, offset: baseOffset === undefined ? -1 : baseOffset + index });
        }
        f.resolve(at);
      }
    } catch (error) {
      await discard();
      for (const f of round) f.reject(new KafkaUnavailableError('Kafka did not take the group fan-out', { cause: error }));
    } finally {
      inFlight = false;
      if (queue.length > 0) setImmediate(() => void flush());
    }
  }

  return {
    /**
     * Resolves once every record is committed on the topic (acks=all), with each one's position
     * in `records` order; rejects within sendTimeoutMs otherwise, and then none of them is visible.
     */
    produceAll(records: FanOutRecord[]): Promise<ProduceResult[]> {
      if (stopping) return Promise.reject(new KafkaUnavailableError('The server is shutting down'));
      // Timed out while queued: dropped, never written late. Timed out inside a running
      // transaction: the caller answers 503 and that transaction may still commit; the retry
      // (same Idempotency-Key, same record id) is then a duplicate the store and clients drop.
      return queuedWithDeadline<ProduceResult[], Omit<QueuedFanOut, keyof Settlement<ProduceResult[]>>>(
        { records, partitions: records.map((r) => partitionFor(r.key)) },
        options.sendTimeoutMs,
        () => new KafkaUnavailableError(`Kafka did not take the group fan-out within ${options.sendTimeoutMs} ms`),
        (entry) => {
          queue.push(entry);
          if (!inFlight) setImmediate(() => void flush());
        },
      );
    },

    stop(): void {
      stopping = true;
    },

    async close(): Promise<void> {
      for (const f of queue.splice(0)) f.reject(new KafkaUnavailableError('The server is shutting down'));
      await discard();
    },
  };
}
