// The history consumer's life as readiness sees it: `joining` until it holds its group
// assignment, `consuming` after, `joining` again after a crash. It guards the join two ways: a
// watchdog (no assignment within joinTimeoutMs is fatal, never a silent non-consuming server),
// and the eviction of member ids we held before (a previous process's, or ours before a crash),
// which the broker would otherwise wait on until their sessions expire. No kafkajs here:
// history-consumer.ts feeds it the consumer's events, which keeps this testable on its own.

export type ConsumerState = 'stopped' | 'joining' | 'consuming';

export interface JoinTrackerOptions {
  groupId: string;
  joinTimeoutMs: number;
  /** Pause between eviction attempts while the coordinator is unreachable or still loading. */
  evictRetryMs: number;
  /** LeaveGroup for a member id of ours; resolves true once it is out of the group (evicted, or gone). */
  evict: (memberId: string, attempt: number) => Promise<boolean>;
  onStateChange?: ((state: ConsumerState) => void) | undefined;
  onJoined?: ((memberId: string) => void) | undefined;
  /**
   * Asked when joinTimeoutMs passes without an assignment. A Kafka outage is not a join failure:
   * readiness already says Kafka is down, and exiting would only stop a server that cannot
   * start again until Kafka is back. So the watchdog fires only against a reachable broker.
   */
  brokerReachable: () => Promise<boolean>;
  /** No assignment for joinTimeoutMs of a broker that answers. */
  onJoinTimeout: (error: Error) => void;
  /** The watchdog expired during a Kafka outage; it waits until a joinTimeoutMs after Kafka is back. */
  onOutage?: (() => void) | undefined;
}

export function createJoinTracker(options: JoinTrackerOptions) {
  let state: ConsumerState = 'stopped';
  let stopped = false;
  let watchdog: NodeJS.Timeout | undefined;
  let watchdogRound = 0;
  let lastMemberId: string | undefined;
  const evicting = new Set<string>();
  // The loop below ends when we join or stop; the watchdog ends the process long before this.
  const maxAttempts = Math.ceil(options.joinTimeoutMs / options.evictRetryMs) + 1;

  const setState = (next: ConsumerState) => {
    if (state === next) return;
    state = next;
    options.onStateChange?.(next);
  };

  const stillJoining = () => state === 'joining' && !stopped;

  // After an outage the join gets a whole period more: the broker answering a ping the moment
  // it is back says nothing yet about the group (found by restart.test.ts: a server that exited
  // a second after its broker returned).
  const armWatchdog = (afterOutage = false) => {
    // A join (or stop) while the ping below is in flight makes this round stale.
    const round = ++watchdogRound;
    const current = () => round === watchdogRound && stillJoining();
    watchdog = setTimeout(() => {
      void (async () => {
        if (!current()) return;
        const reachable = await options.brokerReachable();
        if (!current()) return;
        if (!reachable) options.onOutage?.();
        if (!reachable || afterOutage) return armWatchdog(!reachable);
        watchdog = undefined;
        options.onJoinTimeout(new Error(`the history consumer did not join group ${options.groupId} within ${options.joinTimeoutMs} ms`));
      })();
    }, options.joinTimeoutMs);
    watchdog.unref();
  };

  const joining = () => {
    if (stopped) return;
    setState('joining');
    if (!watchdog) armWatchdog();
  };

  /**
   * Resolves after the first attempt; retries in the background for as long as we are joining.
   * By hand, not p-retry: the first answer is awaited and the rest is not, and the loop ends on
   * "no longer joining" as well as on its count.
   */
  async function evictWhileJoining(memberId: string): Promise<void> {
    if (evicting.has(memberId)) return;
    evicting.add(memberId);
    if (await options.evict(memberId, 0)) {
      evicting.delete(memberId);
      return;
    }
    void (async () => {
      try {
        for (let attempt = 1; attempt < maxAttempts && stillJoining(); attempt++) {
          await new Promise((resolve) => setTimeout(resolve, options.evictRetryMs).unref());
          if (!stillJoining() || (await options.evict(memberId, attempt))) return;
        }
      } finally {
        evicting.delete(memberId);
      }
    })();
  }

  return {
    get state(): ConsumerState {
      return state;
    },

    /** The consumer is about to join; first out goes the member our previous process held. */
    async starting(previousMemberId: string | undefined): Promise<void> {
      joining();
      if (previousMemberId) await evictWhileJoining(previousMemberId);
    },

    joined(memberId: string): void {
      clearTimeout(watchdog);
      watchdog = undefined;
      watchdogRound += 1;
      lastMemberId = memberId;
      setState('consuming');
      options.onJoined?.(memberId);
    },

    /** Not consuming until it rejoins, as a new member: the one it was is dead weight until evicted. */
    crashed(): void {
      joining();
      if (lastMemberId && stillJoining()) void evictWhileJoining(lastMemberId);
    },

    stop(): void {
      stopped = true;
      clearTimeout(watchdog);
      watchdog = undefined;
      watchdogRound += 1;
      state = 'stopped';
    },
  };
}

export type JoinTracker = ReturnType<typeof createJoinTracker>;
