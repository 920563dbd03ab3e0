// The per-recipient delivery record on the wire: the offsets of the groups
// `<prefix><user>` as Kafka holds them. Acknowledgements are coalesced and committed at most once
// per interval; what to commit is decided in delivery/inbox.ts, never here.
import type { Logger } from 'pino';
import type { KafkaAdmin } from './admin.js';
import type { GroupInternals } from './internals.js';
import type { KafkaBusOptions } from './types.js';

const COMMIT_CONCURRENCY = 16;

type InboxOptions = Pick<KafkaBusOptions, 'messagesTopic' | 'inboxGroupPrefix' | 'inboxCommitIntervalMs'>;

export function createInboxCommits(deps: { options: InboxOptions; log: Logger; internals: GroupInternals; admin: KafkaAdmin }) {
  const { options, log, internals } = deps;
  const inboxGroup = (username: string) => `${options.inboxGroupPrefix}${username}`;
  const pendingCommits = new Map<string, Map<number, number>>();
  let commitTimer: NodeJS.Timeout | undefined;

  async function commitPending(): Promise<void> {
    if (pendingCommits.size === 0) return;
    const work = [...pendingCommits];
    pendingCommits.clear();
    for (let i = 0; i < work.length; i += COMMIT_CONCURRENCY) {
      await Promise.all(
        work.slice(i, i + COMMIT_CONCURRENCY).map(async ([groupId, offsets]) => {
          try {
            await internals.commitOffsets(groupId, options.messagesTopic, offsets);
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
  function flush(): Promise<void> {
    flushesWaiting += 1;
    const next = flushes.then(commitPending).finally(() => {
      flushesWaiting -= 1;
    });
    flushes = next.catch(() => undefined);
    return next;
  }

  return {
    inboxGroup,

    /** Starts the periodic flush; call once the internal cluster is connected. */
    start(): void {
      // A tick while a flush still waits adds nothing: that flush takes whatever is queued.
      commitTimer = setInterval(() => {
        if (flushesWaiting === 0) void flush();
      }, options.inboxCommitIntervalMs);
      commitTimer.unref();
    },

    stop(): void {
      if (commitTimer) clearInterval(commitTimer);
    },

    /** Records that `username` has everything below `nextOffset` on `partition`. */
    commitInbox(username: string, partition: number, nextOffset: number): void {
      const groupId = inboxGroup(username);
      const offsets = pendingCommits.get(groupId) ?? new Map<number, number>();
      if ((offsets.get(partition) ?? -1) < nextOffset) offsets.set(partition, nextOffset);
      pendingCommits.set(groupId, offsets);
    },

    flush,

    /** The recipient group's committed offsets (partition → next offset); empty if none. */
    fetchInboxOffsets(username: string): Promise<Map<number, number>> {
      return deps.admin.committedOffsets(inboxGroup(username));
    },
  };
}

export type InboxCommits = ReturnType<typeof createInboxCommits>;
