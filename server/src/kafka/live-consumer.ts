// The live consumer: each process reads the whole messages topic in a consumer group of its own
// and hands every record to the live pipeline, which pushes to this process's sockets. Its group
// has one member, so no other instance starting, stopping or dying ever rebalances it, and its
// name is new on every start, so a killed predecessor's seat never delays the join. It commits
// nothing: where to read is given at start (how far the store is filled) and then kept in memory
// across rejoins; an empty group without offsets is dropped by the broker.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { withTimeout } from './timeout.js';
import { CONSUMER_DEFAULTS } from './client.js';
import { rawRecords } from './raw-records.js';
import { createRebuilder } from './rebuild.js';
import type { KafkaBusOptions, RawRecord } from './types.js';

const MAX_CONCURRENT_PARTITIONS = 64;
const CONSUMER_CLOSE_TIMEOUT_MS = 5_000;
// Between attempts to read where to start. A loop by hand, not p-retry: a fixed pause and a stop
// flag checked each round, where p-retry would need an AbortController wired to stop() as well.
const START_RETRY_MS = 1_000;
const START_ATTEMPTS = 30;
// How long a batch may wait inline (holding up the fetch loop) before its partition is paused.
const INLINE_WAIT_MS = 100;
const BACKGROUND_WAIT_MS = 1_000;

export type LiveState = 'stopped' | 'joining' | 'consuming';

export interface LiveConsumerOptions {
  /** Per partition, where to start: everything below is stored, and pushed by whoever did it then. */
  startAt: () => Promise<ReadonlyMap<number, number>>;
  /**
   * One partition's records in offset order. Waits at most `waitMs` for whatever it waits on, and
   * stops when `running()` turns false; returns the offset after the last record it handled.
   */
  handler: (records: RawRecord[], control: { running: () => boolean; waitMs: number }) => Promise<number>;
  onStateChange?: (state: LiveState) => void;
  onFatal: (error: unknown) => void;
}

export function createLiveConsumer(deps: {
  kafka: Kafka;
  options: Pick<KafkaBusOptions, 'messagesTopic' | 'liveGroupPrefix'>;
  log: Logger;
  partitionCount: () => number;
}) {
  const { kafka, options, log } = deps;
  const groupId = `${options.liveGroupPrefix}.${randomUUID().slice(0, 8)}`;
  let consumer: Consumer | undefined;
  let state: LiveState = 'stopped';
  let stopping = false;
  // Per partition, the next offset to hand over; seeded once, then moved by every batch.
  const next = new Map<number, number>();
  // Per partition, bumped by each (re)join: work begun before it stops.
  const generations = new Map<number, number>();

  return {
    groupId,

    start(live: LiveConsumerOptions): void {
      const setState = (s: LiveState) => {
        if (s === state) return;
        state = s;
        live.onStateChange?.(s);
      };
      const rebuild = createRebuilder({ stopping: () => stopping, onRebuild: () => setState('joining'), onFatal: live.onFatal, run: () => run() });
      const run = async (): Promise<void> => {
        const c = kafka.consumer({
          groupId,
          sessionTimeout: 10_000,
          ...CONSUMER_DEFAULTS,
        });
        consumer = c;
        c.on(c.events.GROUP_JOIN, (event) => {
          // Each (re)join: read on from where we were, never from a group offset (there is none).
          // kafkajs drops any fetch answer for a partition with a seek pending.
          for (const partition of event.payload.memberAssignment[options.messagesTopic] ?? []) {
            generations.set(partition, (generations.get(partition) ?? 0) + 1);
            const offset = next.get(partition);
            if (offset !== undefined) c.seek({ topic: options.messagesTopic, partition, offset: String(offset) });
          }
          setState('consuming');
        });
        c.on(c.events.CRASH, (event) => {
          const { error, restart } = event.payload;
          log.error({ err: error, restart, groupId }, 'Kafka live consumer crashed');
          if (stopping) return;
          if (restart) setState('joining');
          else rebuild(c, error);
        });
        try {
          setState('joining');
          await c.connect();
          // Partitions the store has no position for are read from their beginning.
          await c.subscribe({ topic: options.messagesTopic, fromBeginning: true });
          await c.run({
            partitionsConsumedConcurrently: Math.min(deps.partitionCount(), MAX_CONCURRENT_PARTITIONS),
            autoCommit: false,
            eachBatchAutoResolve: true,
            eachBatch: async ({ batch, pause, isRunning }) => {
              if (batch.messages.length === 0) return;
              const { partition } = batch;
              const generation = generations.get(partition) ?? 0;
              const running = () => !stopping && isRunning() && generation === (generations.get(partition) ?? 0);
              const records = rawRecords(batch);
              // After the last record, not batch.lastOffset(): a transaction's commit marker ends
              // a batch without being a record, so the handler never reaches past it, and waiting
              // for it to do so spun this loop forever (group fan-outs are transactions).
              const end = (records.at(-1)?.offset ?? Number(batch.lastOffset())) + 1;
              const moved = (reached: number) => {
                if (generation !== (generations.get(partition) ?? 0) || reached <= (next.get(partition) ?? -1)) return;
                next.set(partition, reached);
              };
              let reached = await live.handler(records, { running, waitMs: INLINE_WAIT_MS });
              moved(reached);
              if (reached >= end || !running()) return;
              // The handler waits on something slow for this partition (the store, while the
              // partition's history owner rebalances or is dead). kafkajs fetches again only once
              // every batch of a fetch is handled, so waiting here would stop every partition:
              // pause this one and go on with it off the fetch loop.
              const resume = pause();
              void (async () => {
                while (reached < end && running()) {
                  const rest = records.filter((r) => r.offset >= reached);
                  // Nothing left to hand over would return at once: never spin on the event loop.
                  if (rest.length === 0) break;
                  reached = await live.handler(rest, { running, waitMs: BACKGROUND_WAIT_MS });
                  moved(reached);
                }
              })()
                .catch((error: unknown) => log.error({ err: error, partition }, 'the live consumer failed on a paused partition'))
                .finally(() => {
                  // Stopped early (a rejoin): the rejoin seeks back to `next`. Resume either way,
                  // or the partition would stay paused across the rejoin.
                  if (!stopping) resume();
                });
            },
          });
        } catch (error) {
          log.error({ err: error, groupId }, 'Kafka live consumer failed to start');
          rebuild(c, error);
        }
      };
      void (async () => {
        // Without a start the consumer would read every partition from its beginning: correct
        // (a record is pushed only once stored) but slow, so wait for one (the store may be
        // restarting too), and give up loudly rather than idle.
        for (let attempt = 1; !stopping; attempt++) {
          try {
            for (const [partition, offset] of await live.startAt()) if (!next.has(partition)) next.set(partition, offset);
            break;
          } catch (error) {
            if (attempt >= START_ATTEMPTS) return live.onFatal(error);
            log.warn({ err: error, attempt }, 'cannot read where the store stands yet; the live consumer waits');
            await new Promise((resolve) => setTimeout(resolve, START_RETRY_MS).unref());
          }
        }
        if (!stopping) await run();
      })();
    },

    state(): LiveState {
      return state;
    },

    stop(): void {
      stopping = true;
    },

    disconnect(): Promise<void> | undefined {
      return consumer ? withTimeout(consumer.disconnect(), CONSUMER_CLOSE_TIMEOUT_MS, 'Kafka live consumer disconnect') : undefined;
    },
  };
}
