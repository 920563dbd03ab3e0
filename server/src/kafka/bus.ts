// The one module that imports kafkajs. Everything else sees KafkaBus: produce a chat record,
// consume the messages topic in order, dead-letter poison, and commit per-recipient groups.
import { createRequire } from 'node:module';
import {
  Kafka,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type IHeaders,
  type LogEntry,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';
import type { Secret } from '../secret.js';
import { createJoinTracker, type ConsumerState, type JoinTracker } from './join-tracker.js';
import { withTimeout } from './timeout.js';

export type { ConsumerState } from './join-tracker.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  messagesTopic: string;
  dlqTopic: string;
  partitions: number;
  replicationFactor: number;
  historyGroup: string;
  inboxGroupPrefix: string;
  sendTimeoutMs: number;
  connectTimeoutMs: number;
  inboxCommitIntervalMs: number;
  /** TLS to the brokers (system CAs unless `ca` is given); undefined: plaintext. */
  ssl?: { ca?: string[] } | undefined;
  sasl?: { mechanism: 'scram-sha-512' | 'scram-sha-256'; username: string; password: Secret<string> } | undefined;
  logger: Logger;
}

/** A record as read from the topic, before any validation. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

export interface ProduceResult {
  partition: number;
  offset: number;
}

export type BatchHandler = (records: RawRecord[]) => Promise<void>;

export interface ConsumerOptions {
  handler: BatchHandler;
  /** Delivery has stopped for good (repeated crashes, or no join within joinTimeoutMs). */
  onFatal: (error: unknown) => void;
  /** The member id this store's previous process held in the history group, if known. */
  previousMemberId?: string | undefined;
  /** Called on every join with our member id, to be remembered for the next start. */
  onJoined?: (memberId: string) => void;
  onStateChange?: (state: ConsumerState) => void;
  joinTimeoutMs: number;
}

export class KafkaUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaUnavailableError';
  }
}

/** The brokers refused our credentials or our ACLs: retrying will not help, an operator must. */
export class KafkaAccessDeniedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaAccessDeniedError';
  }
}

interface QueuedSend {
  key: string;
  value: string;
  headers: IHeaders;
  partition: number;
  settled: boolean;
  resolve: (r: ProduceResult) => void;
  reject: (e: unknown) => void;
}

// kafkajs' group coordinator lookup and raw OffsetCommit are not public API. We need them to
// commit a per-recipient group's offsets without that group ever joining (a "simple" commit with
// generation -1, the same request Kafka's own admin tools send). kafkajs 2.2.4 is final, so
// these internals are stable; the inbox-lag checks in test/delivery.test.ts guard them.
interface InternalBroker {
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime?: number;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<{ responses: { partitions: { partition: number; errorCode: number }[] }[] }>;
}
interface InternalCoordinator extends InternalBroker {
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<InternalCoordinator>;
}

const TRANSIENT_KAFKA_ERRORS =
  /Topic creation errors|coordinator is loading|coordinator is not available|not the correct coordinator|no leader for this topic-partition|leader is not available|not the leader for this partition|rebalance in progress/i;
// We bound the producer's retries on purpose so /send can answer 503 within KAFKA_SEND_TIMEOUT_MS;
// duplicates from a client's retry are stopped by Idempotency-Key and by message-id dedupe.
const QUIET_KAFKA_WARNINGS = /^Limiting retries for the idempotent producer/;
const MAX_SEND_BATCH = 1000;
const COMMIT_CONCURRENCY = 16;
const MAX_CONCURRENT_PARTITIONS = 64;
// How long the broker keeps a silent member in the group. Kafka's floor is 6 s
// (group.min.session.timeout.ms); a batch that blocks longer than this costs a rebalance.
const HISTORY_SESSION_TIMEOUT_MS = 10_000;
const REBUILD_DELAY_MS = 1_000;
const CONSUMER_CLOSE_TIMEOUT_MS = 5_000;
const EVICT_RETRY_MS = 1_000;
const require = createRequire(import.meta.url);

export function createKafkaBus(options: KafkaBusOptions) {
  const log = options.logger;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // The certificate is always verified (rejectUnauthorized stays on); a private CA is trusted
    // by naming it, never by turning checks off. The internal cluster below inherits both.
    ssl: options.ssl ? { ...(options.ssl.ca ? { ca: options.ssl.ca } : {}), rejectUnauthorized: true } : undefined,
    sasl: options.sasl ? saslOptions(options.sasl) : undefined,
    connectionTimeout: options.connectTimeoutMs,
    requestTimeout: Math.max(options.sendTimeoutMs, 5000),
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      const fields = { kafka: entry.namespace, ...extra };
      // kafkajs logs errors it is about to retry (a coordinator still loading after a broker
      // start, a leader moving) at ERROR; they are normal, and a newcomer should not see red on
      // every start; nor is "Topic creation errors", the topic-already-exists answer our
      // create-if-missing gets on every later start. Real failures still reject the calls.
      if (TRANSIENT_KAFKA_ERRORS.test(String(extra.error ?? '')) || QUIET_KAFKA_WARNINGS.test(message)) log.debug(fields, message);
      else if (entry.level <= KafkaLogLevel.ERROR) log.error(fields, message);
      else log.warn(fields, message);
    },
  });

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
  const admin: Admin = kafka.admin();
  const cluster = createInternalCluster(kafka);
  const partitioner = Partitioners.DefaultPartitioner();
  let partitionCount = options.partitions;
  let consumer: Consumer | undefined;
  let joinTracker: JoinTracker | undefined;
  let stopping = false;
  const positions = new Map<number, number>();

  // --- produce: one request in flight; everything that arrives meanwhile rides the next one.
  // kafkajs has no linger, so this is how concurrent /send requests share a round trip.
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
    const metadata = Array.from({ length: partitionCount }, (_, i) => ({ partitionId: i, leader: 0, replicas: [], isr: [], offlineReplicas: [], partitionErrorCode: 0 }));
    return partitioner({ topic: options.messagesTopic, partitionMetadata: metadata, message: { key, value: null } });
  }

  // --- per-recipient groups: coalesce acknowledgements, commit at most once per interval.
  const pendingCommits = new Map<string, Map<number, number>>();
  const coordinators = new Map<string, InternalBroker>();
  let commitTimer: NodeJS.Timeout | undefined;

  async function commitGroup(groupId: string, offsets: Map<number, number>) {
    const request = {
      groupId,
      groupGenerationId: -1,
      memberId: '',
      retentionTime: -1,
      topics: [
        {
          topic: options.messagesTopic,
          partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: String(offset) })),
        },
      ],
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        let coordinator = coordinators.get(groupId);
        if (!coordinator) {
          coordinator = await cluster.findGroupCoordinator({ groupId });
          coordinators.set(groupId, coordinator);
        }
        await coordinator.offsetCommit(request);
        return;
      } catch (error) {
        coordinators.delete(groupId);
        if (attempt === 1) throw error;
      }
    }
  }

  async function commitPending(): Promise<void> {
    if (pendingCommits.size === 0) return;
    const work = [...pendingCommits];
    pendingCommits.clear();
    for (let i = 0; i < work.length; i += COMMIT_CONCURRENCY) {
      await Promise.all(
        work.slice(i, i + COMMIT_CONCURRENCY).map(async ([groupId, offsets]) => {
          try {
            await commitGroup(groupId, offsets);
          } catch (error) {
            // Put it back unless something newer is queued: the next flush retries it. The
            // history store already holds the delivery marks, so nothing is lost meanwhile.
            const queued = pendingCommits.get(groupId) ?? new Map<number, number>();
            for (const [p, o] of offsets) if ((queued.get(p) ?? -1) < o) queued.set(p, o);
            pendingCommits.set(groupId, queued);
            log.warn({ err: error, groupId }, 'inbox offset commit failed; will retry');
          }
        }),
      );
    }
  }

  // Flushes run one after another, each after the ones before it: a flush resolves only once
  // everything queued before it is committed or, on failure, queued again (a caller waiting
  // behind a running flush used to return while another flush was still committing; found by
  // test/delivery-record.test.ts), and a failed commit put back in the queue can never land
  // after a newer one for the same group.
  let flushes: Promise<void> = Promise.resolve();
  let flushesWaiting = 0;
  function flushInboxCommits(): Promise<void> {
    flushesWaiting += 1;
    const flush = flushes.then(commitPending).finally(() => {
      flushesWaiting -= 1;
    });
    flushes = flush.catch(() => undefined);
    return flush;
  }

  // A process killed without leaving (SIGKILL, OOM, power) keeps its seat in the history group
  // until its session times out, and the broker makes a new member's join wait for it (measured:
  // a restarted server consumed ~10 s late, and Fastify's onReady gave up). So does a consumer of
  // ours that kafkajs restarts after a crash: it rejoins as a new member. kafkajs 2.2.4 has no
  // static membership (group.instance.id) and no way to rejoin under a remembered member id, but
  // any client may send LeaveGroup for a member id: we remember ours (in the history store, per
  // INSTANCE_ID, across restarts) and evict it before (and while) we join. Only our own seat's
  // ids are evicted, so this stays right when several servers share one group, as long as each
  // has its own INSTANCE_ID (what Kafka asks of group.instance.id too); a live member evicted by
  // mistake would just rejoin (one rebalance). Best effort: failing that, the join waits for the
  // old session to expire, as before.
  async function evictMember(memberId: string, attempt: number): Promise<boolean> {
    const groupId = options.historyGroup;
    try {
      const coordinator = await withTimeout(cluster.findGroupCoordinator({ groupId }), options.connectTimeoutMs * 2, 'group coordinator lookup');
      await withTimeout(coordinator.leaveGroup({ groupId, memberId }), options.connectTimeoutMs * 2, 'LeaveGroup');
      log.info({ groupId, memberId }, 'evicted a dead member of ours from the history group');
      return true;
    } catch (error) {
      // UNKNOWN_MEMBER_ID: it already left (a clean shutdown) or its session expired. Normal.
      if ((error as { type?: string }).type === 'UNKNOWN_MEMBER_ID') return true;
      const fields = { err: error, groupId, memberId, attempt };
      const message = `could not evict a dead member of ours from the history group yet; the join waits up to ${HISTORY_SESSION_TIMEOUT_MS} ms for its session to expire`;
      if (attempt === 0) log.warn(fields, message);
      else log.debug(fields, message);
      return false;
    }
  }

  /**
   * Everything below the history group's committed offset is stored (the group commits only
   * after the handler stored a batch), so those offsets are positions too, until the consumer
   * hands over batches of its own.
   */
  async function seedPositions(): Promise<void> {
    try {
      const committed = await withTimeout(
        admin.fetchOffsets({ groupId: options.historyGroup, topics: [options.messagesTopic] }),
        options.connectTimeoutMs * 2,
        'history offsets',
      );
      for (const topic of committed) {
        for (const p of topic.partitions) {
          const offset = Number(p.offset);
          if (offset >= 0 && offset > (positions.get(p.partition) ?? -1)) positions.set(p.partition, offset);
        }
      }
    } catch (error) {
      // Without them an ack commits just past itself: safe, only the lag reads higher.
      log.debug({ err: error }, 'could not read the history offsets to seed the positions');
    }
  }

  async function ping(timeoutMs = 2000): Promise<boolean> {
    try {
      await withTimeout(admin.describeCluster(), timeoutMs, 'Kafka describeCluster');
      return true;
    } catch {
      return false;
    }
  }

  return {
    inboxGroup: (username: string) => `${options.inboxGroupPrefix}${username}`,
    partitionFor,

    /**
     * Connects the producer and admin client and creates the topics if they are missing. Rejects
     * with KafkaAccessDeniedError when the brokers refuse our credentials or ACLs.
     */
    async connect(): Promise<void> {
      try {
        await withTimeout(admin.connect(), options.connectTimeoutMs * 3, 'Kafka admin connect');
        await admin.createTopics({
          waitForLeaders: true,
          topics: [
            { topic: options.messagesTopic, numPartitions: options.partitions, replicationFactor: options.replicationFactor },
            { topic: options.dlqTopic, numPartitions: 1, replicationFactor: options.replicationFactor },
          ],
        });
        const metadata = await admin.fetchTopicMetadata({ topics: [options.messagesTopic] });
        partitionCount = metadata.topics[0]?.partitions.length ?? options.partitions;
      } catch (error) {
        const denied = accessDenial(error);
        if (denied) throw new KafkaAccessDeniedError(denied, { cause: error });
        throw error;
      }
      await producer.connect();
      await cluster.connect();
      // A tick while a flush still waits adds nothing: that flush takes whatever is queued.
      commitTimer = setInterval(() => {
        if (flushesWaiting === 0) void flushInboxCommits();
      }, options.inboxCommitIntervalMs);
      commitTimer.unref();
    },

    /** Resolves once Kafka (acks=all) holds the record; rejects within sendTimeoutMs otherwise. */
    produce(key: string, value: string, headers: Record<string, string>): Promise<ProduceResult> {
      if (stopping) return Promise.reject(new KafkaUnavailableError('The server is shutting down'));
      return new Promise<ProduceResult>((resolve, reject) => {
        const entry: QueuedSend = {
          key,
          value,
          headers,
          partition: partitionFor(key),
          settled: false,
          resolve: (r) => {
            if (entry.settled) return;
            entry.settled = true;
            clearTimeout(timer);
            resolve(r);
          },
          reject: (e) => {
            if (entry.settled) return;
            entry.settled = true;
            clearTimeout(timer);
            reject(e);
          },
        };
        // A send still queued when its time runs out is dropped, never written late.
        const timer = setTimeout(
          () => entry.reject(new KafkaUnavailableError(`Kafka did not acknowledge within ${options.sendTimeoutMs} ms`)),
          options.sendTimeoutMs,
        );
        queue.push(entry);
        scheduleFlush();
      });
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

    /**
     * Consumes the messages topic in the history group, in partition order, batch by batch.
     * Returns at once: the group join runs in the background, because it can take as long as a
     * dead predecessor's session (see evictMember) and startup must never hang on it.
     * consumerState() says when we consume. A handler that throws is retried by kafkajs; a
     * consumer that crashes for good is rebuilt; repeated crashes, or no join within
     * joinTimeoutMs, call onFatal rather than leave a server that silently delivers nothing.
     */
    startConsumer(consumerOptions: ConsumerOptions): void {
      const { handler, onFatal } = consumerOptions;
      const crashes: number[] = [];
      const tracker = createJoinTracker({
        groupId: options.historyGroup,
        joinTimeoutMs: consumerOptions.joinTimeoutMs,
        evictRetryMs: EVICT_RETRY_MS,
        evict: evictMember,
        onStateChange: consumerOptions.onStateChange,
        onJoined: consumerOptions.onJoined,
        brokerReachable: () => ping(2000),
        onJoinTimeout: onFatal,
        onOutage: () => log.warn({ groupId: options.historyGroup }, 'Kafka is unreachable; the history consumer waits to rejoin its group'),
      });
      joinTracker = tracker;
      // A consumer that cannot start or crashed for good: rebuild it, a bounded number of times.
      const rebuild = (c: Consumer, error: unknown) => {
        if (stopping) return;
        const now = Date.now();
        crashes.push(now);
        while (crashes.length > 0 && (crashes[0] ?? now) < now - 60_000) crashes.shift();
        if (crashes.length > 5) {
          onFatal(error);
          return;
        }
        tracker.crashed();
        void c
          .disconnect()
          .catch(() => undefined)
          .then(() => new Promise((resolve) => setTimeout(resolve, REBUILD_DELAY_MS).unref()))
          .then(() => (stopping ? undefined : start()));
      };
      const start = async (): Promise<void> => {
        const c = kafka.consumer({
          groupId: options.historyGroup,
          sessionTimeout: HISTORY_SESSION_TIMEOUT_MS,
          heartbeatInterval: 1_000,
          rebalanceTimeout: 10_000,
          maxWaitTimeInMs: 250,
          allowAutoTopicCreation: false,
          retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
        });
        consumer = c;
        c.on(c.events.GROUP_JOIN, (event) => {
          const { memberId, duration } = event.payload;
          if (tracker.state !== 'consuming') log.info({ groupId: options.historyGroup, memberId, durationMs: duration }, 'history consumer joined its group');
          // Consuming only once the positions say what is stored: an ack round right after a
          // restart otherwise knew no position, committed just past its own highest ack, and a
          // recipient with nothing left showed other users' records as lag (found by the
          // delivery-record model test).
          void seedPositions().finally(() => tracker.joined(memberId));
        });
        c.on(c.events.CRASH, (event) => {
          const { error, restart } = event.payload;
          log.error({ err: error, restart }, 'Kafka consumer crashed');
          if (stopping) return;
          // kafkajs restarts it itself when `restart`; either way it is not consuming until it rejoins.
          if (restart) tracker.crashed();
          else rebuild(c, error);
        });
        try {
          await c.connect();
          await c.subscribe({ topic: options.messagesTopic, fromBeginning: true });
          await c.run({
            // Every partition of a fetch at once: the handler stores them in one transaction. Order
            // within a partition holds (kafkajs hands over its next batch only after this one).
            partitionsConsumedConcurrently: Math.min(partitionCount, MAX_CONCURRENT_PARTITIONS),
            eachBatchAutoResolve: true,
            autoCommitInterval: 1000,
            eachBatch: async ({ batch, heartbeat }) => {
              if (batch.messages.length === 0) return;
              const records: RawRecord[] = batch.messages.map((m) => ({
                topic: batch.topic,
                partition: batch.partition,
                offset: Number(m.offset),
                key: m.key ? m.key.toString('utf8') : null,
                value: m.value,
                headers: decodeHeaders(m.headers),
                timestamp: m.timestamp,
              }));
              await handler(records);
              positions.set(batch.partition, Number(batch.lastOffset()) + 1);
              await heartbeat();
            },
          });
        } catch (error) {
          log.error({ err: error }, 'Kafka consumer failed to start');
          rebuild(c, error);
        }
      };
      void (async () => {
        await tracker.starting(consumerOptions.previousMemberId);
        if (!stopping) await start();
      })();
    },

    consumerState(): ConsumerState {
      return joinTracker?.state ?? 'stopped';
    },

    /** Per partition, the next offset the consumer will hand over (everything below is stored). */
    consumedPositions(): ReadonlyMap<number, number> {
      return new Map(positions);
    },

    /** Records that `username` has everything below `nextOffset` on `partition`. */
    commitInbox(username: string, partition: number, nextOffset: number): void {
      const groupId = `${options.inboxGroupPrefix}${username}`;
      const offsets = pendingCommits.get(groupId) ?? new Map<number, number>();
      if ((offsets.get(partition) ?? -1) < nextOffset) offsets.set(partition, nextOffset);
      pendingCommits.set(groupId, offsets);
    },

    flushInboxCommits,

    /** The recipient group's committed offsets (partition → next offset); empty if none. */
    async fetchInboxOffsets(username: string): Promise<Map<number, number>> {
      const groupId = `${options.inboxGroupPrefix}${username}`;
      const result = await admin.fetchOffsets({ groupId, topics: [options.messagesTopic] });
      const offsets = new Map<number, number>();
      for (const topic of result) {
        for (const p of topic.partitions) {
          const offset = Number(p.offset);
          if (offset >= 0) offsets.set(p.partition, offset);
        }
      }
      return offsets;
    },

    /** Lag of the history group: records on the topic not yet stored. */
    async historyLag(): Promise<number> {
      const [committed, ends] = await Promise.all([
        admin.fetchOffsets({ groupId: options.historyGroup, topics: [options.messagesTopic] }),
        admin.fetchTopicOffsets(options.messagesTopic),
      ]);
      const done = new Map<number, number>();
      for (const t of committed) for (const p of t.partitions) done.set(p.partition, Math.max(0, Number(p.offset)));
      let lag = 0;
      for (const p of ends) lag += Math.max(0, Number(p.high) - (done.get(p.partition) ?? 0));
      return lag;
    },

    ping,

    async close(): Promise<void> {
      stopping = true;
      joinTracker?.stop();
      if (commitTimer) clearInterval(commitTimer);
      await flushInboxCommits().catch((error: unknown) => log.warn({ err: error }, 'final inbox commit failed'));
      for (const q of queue.splice(0)) q.reject(new KafkaUnavailableError('The server is shutting down'));
      // A consumer still waiting in JoinGroup cannot leave before the broker answers, which can
      // take a dead member's whole session (test/reliability/restart.test.ts, "stopped while
      // its consumer still waits to join"); shutdown must not wait for that.
      const consumerClosed = consumer ? withTimeout(consumer.disconnect(), CONSUMER_CLOSE_TIMEOUT_MS, 'Kafka consumer disconnect') : undefined;
      const results = await Promise.allSettled([consumerClosed, producer.disconnect(), admin.disconnect(), cluster.disconnect()]);
      for (const r of results) if (r.status === 'rejected') log.warn({ err: r.reason }, 'Kafka client did not close cleanly');
    },
  };
}

export type KafkaBus = ReturnType<typeof createKafkaBus>;

/** The broker's refusal (bad SCRAM credentials, a missing ACL) inside a kafkajs error, if any. */
function accessDenial(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const e = error as { name?: unknown; type?: unknown; message?: unknown; originalError?: unknown; cause?: unknown; errors?: unknown };
  if (e.name === 'KafkaJSSASLAuthenticationError' || /AUTHORIZATION_FAILED|SASL_AUTHENTICATION_FAILED/.test(String(e.type))) return String(e.message);
  for (const inner of [e.originalError, e.cause, ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])]) {
    const found = accessDenial(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function saslOptions(sasl: NonNullable<KafkaBusOptions['sasl']>): SASLOptions {
  const credentials = { username: sasl.username, password: sasl.password.reveal() };
  return sasl.mechanism === 'scram-sha-512' ? { mechanism: 'scram-sha-512', ...credentials } : { mechanism: 'scram-sha-256', ...credentials };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

function createInternalCluster(kafka: Kafka): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!symbol) throw new Error('kafkajs internals changed: private:Kafka:createCluster not found');
  const create = (kafka as unknown as Record<symbol, (o: object) => InternalCluster>)[symbol];
  if (!create) throw new Error('kafkajs internals changed');
  // The same emitter class kafkajs gives its admin client; without one, request events throw.
  const Emitter = require('kafkajs/src/instrumentation/emitter') as new () => object;
  return create({ allowAutoTopicCreation: false, instrumentationEmitter: new Emitter() });
}
