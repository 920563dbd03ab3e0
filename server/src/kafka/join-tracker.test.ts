import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJoinTracker, type ConsumerState, type JoinTrackerOptions } from './join-tracker.js';

function tracker(overrides: Partial<JoinTrackerOptions> = {}) {
  const states: ConsumerState[] = [];
  const evictions: { memberId: string; attempt: number }[] = [];
  const timeouts: Error[] = [];
  let evictAnswers: boolean[] = [];
  const t = createJoinTracker({
    groupId: 'g.history',
    joinTimeoutMs: 60_000,
    evictRetryMs: 1_000,
    evict: async (memberId, attempt) => {
      evictions.push({ memberId, attempt });
      return evictAnswers.shift() ?? true;
    },
    onStateChange: (state) => states.push(state),
    brokerReachable: async () => true,
    onJoinTimeout: (error) => timeouts.push(error),
    ...overrides,
  });
  return { t, states, evictions, timeouts, answer: (...a: boolean[]) => (evictAnswers = a) };
}

describe('join tracker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("evicts the previous process's member before the join, then reports consuming", async () => {
    const { t, states, evictions } = tracker();
    await t.starting('old-member');
    expect(evictions).toEqual([{ memberId: 'old-member', attempt: 0 }]);
    expect(t.state).toBe('joining');
    t.joined('new-member');
    expect(t.state).toBe('consuming');
    expect(states).toEqual(['joining', 'consuming']);
  });

  it('keeps trying to evict while the coordinator cannot answer, and stops once joined', async () => {
    const { t, evictions, answer } = tracker();
    answer(false, false, false, false, false);
    await t.starting('old-member');
    await vi.advanceTimersByTimeAsync(2_500);
    expect(evictions.map((e) => e.attempt)).toEqual([0, 1, 2]);
    t.joined('new-member');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(evictions).toHaveLength(3);
  });

  it('after a crash, evicts the member it held, since the consumer rejoins as a new one', async () => {
    const { t, states, evictions } = tracker();
    await t.starting(undefined);
    t.joined('m1');
    t.crashed();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.state).toBe('joining');
    expect(evictions).toEqual([{ memberId: 'm1', attempt: 0 }]);
    t.joined('m2');
    expect(states).toEqual(['joining', 'consuming', 'joining', 'consuming']);
  });

  it('calls onJoinTimeout once when no assignment comes within joinTimeoutMs, and never after a join', async () => {
    const { t, timeouts } = tracker({ joinTimeoutMs: 5_000 });
    await t.starting(undefined);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(timeouts).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(timeouts.map((e) => e.message)).toEqual(['the history consumer did not join group g.history within 5000 ms']);

    const second = tracker({ joinTimeoutMs: 5_000 });
    await second.t.starting(undefined);
    second.t.joined('m');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(second.timeouts).toHaveLength(0);
  });

  it('does not give up on the join during a Kafka outage, only once the broker answers', async () => {
    let reachable = false;
    let outages = 0;
    const { t, timeouts } = tracker({ joinTimeoutMs: 5_000, brokerReachable: async () => reachable, onOutage: () => (outages += 1) });
    await t.starting(undefined);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(outages).toBe(3);
    expect(timeouts).toHaveLength(0);
    reachable = true;
    // A whole period more after Kafka is back: a ping that answers says nothing yet of the group.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(timeouts).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(timeouts).toHaveLength(1);
  });

  it("a join during the watchdog's ping, then a crash, starts a fresh period instead of failing", async () => {
    let answerPing: ((reachable: boolean) => void) | undefined;
    const { t, timeouts } = tracker({ joinTimeoutMs: 5_000, brokerReachable: () => new Promise((resolve) => (answerPing = resolve)) });
    await t.starting(undefined);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(answerPing).toBeDefined();
    t.joined('m1');
    t.crashed();
    answerPing?.(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(timeouts).toHaveLength(0);
  });

  it('does nothing more once stopped', async () => {
    const { t, evictions, timeouts, answer } = tracker({ joinTimeoutMs: 5_000 });
    answer(false, false, false);
    await t.starting('old');
    t.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(evictions).toHaveLength(1);
    expect(timeouts).toHaveLength(0);
    expect(t.state).toBe('stopped');
  });
});
