// The history consumer: the messages topic read in order in the history group, batch by batch,
// into the store. Its join (tracked, with dead members of ours evicted), its rebuild after a
// crash live here. How far the store is filled is the stored watermark's (delivery/).
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaAdmin } from './admin.js';
import type { GroupInternals } from './internals.js';
import { CONSUMER_DEFAULTS } from './client.js';
import { createJoinTracker, type ConsumerState, type JoinTracker } from './join-tracker.js';
import { withTimeout } from './timeout.js';
import { rawRecords } from './raw-records.js';
import { createRebuilder } from './rebuild.js';
import type { ConsumerOptions, KafkaBusOptions } from './types.js';

const MAX_CONCURRENT_PARTITIONS = 64;
const CONSUMER_CLOSE_TIMEOUT_MS = 5_000;
const EVICT_RETRY_MS = 1_000;
const HISTORY_COMMIT_INTERVAL_MS = 1_000;

type HistoryOptions = Pick<KafkaBusOptions, 'messagesTopic' | 'historyGroup' | 'connectTimeoutMs' | 'sessionTimeoutMs'>;

export function createHistoryConsumer(deps: {
  kafka: Kafka;
  options: HistoryOptions;
  log: Logger;
  admin: KafkaAdmin;
  internals: GroupInternals;
  /** The messages topic's partition count, known once the bus is connected. */
  partitionCount: () => number;
}) {
  const { kafka, options, log, admin } = deps;
  let consumer: Consumer | undefined;
  let joinTracker: JoinTracker | undefined;
  let stopping = false;
  // Per partition of the current assignment, the next offset after what the store holds: what a
  // clean stop commits, so the next owner does not read the last interval again.
  const stored = new Map<number, number>();

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
      await deps.internals.leaveGroup(groupId, memberId, options.connectTimeoutMs * 2);
      log.info({ groupId, memberId }, 'evicted a dead member of ours from the history group');
      return true;
    } catch (error) {
      // UNKNOWN_MEMBER_ID: it already left (a clean shutdown) or its session expired. Normal.
      if ((error as { type?: string }).type === 'UNKNOWN_MEMBER_ID') return true;
      const fields = { err: error, groupId, memberId, attempt };
      const message = `could not evict a dead member of ours from the history group yet; the join waits up to ${options.sessionTimeoutMs} ms for its session to expire`;
      if (attempt === 0) log.warn(fields, message);
      else log.debug(fields, message);
      return false;
    }
  }

  return {
    /**
     * Consumes the messages topic in the history group, in partition order, batch by batch.
     * Returns at once: the group join runs in the background, because it can take as long as a
     * dead predecessor's session (see evictMember) and startup must never hang on it.
     * state() says when we consume. A handler that throws is retried by kafkajs; a consumer
     * that crashes for good is rebuilt; repeated crashes, or no join within joinTimeoutMs, call
     * onFatal rather than leave a server that silently delivers nothing.
     */
    start(consumerOptions: ConsumerOptions): void {
      const { handler, onFatal } = consumerOptions;
      const tracker = createJoinTracker({
        groupId: options.historyGroup,
        joinTimeoutMs: consumerOptions.joinTimeoutMs,
        evictRetryMs: EVICT_RETRY_MS,
        evict: evictMember,
        onStateChange: consumerOptions.onStateChange,
        onJoined: consumerOptions.onJoined,
        brokerReachable: () => admin.ping(2000),
        onJoinTimeout: onFatal,
        onOutage: () => log.warn({ groupId: options.historyGroup }, 'Kafka is unreachable; the history consumer waits to rejoin its group'),
      });
      joinTracker = tracker;
      // A consumer that cannot start or crashed for good: rebuild it, a bounded number of times.
      const rebuild = createRebuilder({ stopping: () => stopping, onRebuild: () => tracker.crashed(), onFatal, run: () => run() });
      const run = async (): Promise<void> => {
        const c = kafka.consumer({
          groupId: options.historyGroup,
          // How long the broker keeps a silent member: a dead instance's partitions are neither
          // stored nor pushed this long. Kafka's floor is 6 s (group.min.session.timeout.ms).
          sessionTimeout: options.sessionTimeoutMs,
          rebalanceTimeout: 10_000,
          ...CONSUMER_DEFAULTS,
        });
        consumer = c;
        c.on(c.events.GROUP_JOIN, (event) => {
          const { memberId, duration } = event.payload;
          if (tracker.state !== 'consuming') log.info({ groupId: options.historyGroup, memberId, durationMs: duration }, 'history consumer joined its group');
          tracker.joined(memberId);
          // A partition owned before this join may have been stored further by another member since.
          stored.clear();
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
            partitionsConsumedConcurrently: Math.min(deps.partitionCount(), MAX_CONCURRENT_PARTITIONS),
            eachBatchAutoResolve: true,
            // With autoCommit on, kafkajs commits after every batch whatever the interval says
            // (runner.js: autoCommitOffsets after each eachBatch): one OffsetCommit per partition
            // per fetch, a third of all Kafka requests at 1,000/s. Committing at most once a
            // second instead costs only a replay of up to a second after a rebalance or a crash,
            // which the store absorbs (a message is stored once per recipient, by id).
            autoCommit: false,
            autoCommitInterval: HISTORY_COMMIT_INTERVAL_MS,
            eachBatch: async ({ batch, heartbeat, commitOffsetsIfNecessary }) => {
              if (batch.messages.length === 0) return;
              await handler(rawRecords(batch));
              stored.set(batch.partition, Number(batch.lastOffset()) + 1);
              // Commits what earlier batches resolved (this one resolves on return).
              await commitOffsetsIfNecessary();
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
        if (!stopping) await run();
      })();
    },

    state(): ConsumerState {
      return joinTracker?.state ?? 'stopped';
    },

    /** No rebuild, no rejoin from now on. */
    stop(): void {
      stopping = true;
      joinTracker?.stop();
    },

    /**
     * A consumer still waiting in JoinGroup cannot leave before the broker answers, which can
     * take a dead member's whole session (test/reliability/restart.test.ts, "stopped while its
     * consumer still waits to join"); shutdown must not wait for that.
     */
    disconnect(): Promise<void> | undefined {
      const c = consumer;
      if (!c) return undefined;
      return (async () => {
        const offsets = [...stored].map(([partition, offset]) => ({ topic: options.messagesTopic, partition, offset: String(offset) }));
        if (offsets.length > 0) {
          // Best effort: without it the next owner reads up to a second again, harmlessly.
          await withTimeout(c.commitOffsets(offsets), CONSUMER_CLOSE_TIMEOUT_MS, 'history commit on stop').catch((error: unknown) =>
            log.debug({ err: error }, 'could not commit the history group on stop; the next owner re-reads the last second'),
          );
        }
        await withTimeout(c.disconnect(), CONSUMER_CLOSE_TIMEOUT_MS, 'Kafka consumer disconnect');
      })();
    },
  };
}
