// Counting a group run: every member's socket reports each copy it got; a message is complete
// once every member (the sender included) has its copy, and its latency is send → the LAST
// member's copy. Pure, so the load workers and the orchestrator share one definition
// (test/group-tally.test.ts pins it down).
import { histogram, summarize, type Histogram, type LatencySummary } from './stats.js';

/** What one worker saw of one message: how many of its members got a copy, and when the last did. */
export type Arrival = [key: string, sentAt: number, members: number, lastAt: number];

/** One worker's copies, each (message, member) counted once; a second one is a duplicate. */
export class CopyTally {
  private readonly seen = new Set<string>();
  private readonly byKey = new Map<string, { sentAt: number; members: number; lastAt: number }>();
  duplicates = 0;
  copies = 0;

  /** Records `member`'s copy of message `key`; false when that member already had it. */
  add(key: string, member: string, sentAt: number, at: number): boolean {
    const copy = `${key}>${member}`;
    if (this.seen.has(copy)) {
      this.duplicates++;
      return false;
    }
    this.seen.add(copy);
    this.copies++;
    const a = this.byKey.get(key);
    if (a) {
      a.members++;
      if (at > a.lastAt) a.lastAt = at;
    } else this.byKey.set(key, { sentAt, members: 1, lastAt: at });
    return true;
  }

  arrivals(): Arrival[] {
    return Array.from(this.byKey, ([key, a]) => [key, a.sentAt, a.members, a.lastAt]);
  }
}

export interface GroupJudgement {
  /** group messages the server accepted (202) */
  messages: number;
  /** accepted messages every member got */
  complete: number;
  /** copies owed: the members of each accepted message's group, summed */
  expectedCopies: number;
  /** distinct (message, member) copies of accepted messages that arrived */
  delivered: number;
  /** owed copies that never arrived */
  lost: number;
  /** copies beyond the members of the group: someone outside it got one */
  extra: number;
  duplicates: number;
  /** distinct copies of messages never accepted (a 503 whose transaction still committed, say) */
  deliveredNotAccepted: number;
  /** send → the last member's copy, ms, of complete messages sent after the warm-up */
  lastMember: LatencySummary;
  histogram: Histogram;
}

/**
 * Merges the workers' arrivals (a member's socket lives in one worker, so counts add up) and
 * judges them against what was accepted: `expected` holds each accepted message's key and the
 * number of members its group had when it was sent.
 */
export function judgeGroupRun(
  expected: Iterable<[key: string, members: number]>,
  perWorker: Arrival[][],
  duplicates: number,
  warmupEnd: number,
): GroupJudgement {
  const merged = new Map<string, { sentAt: number; members: number; lastAt: number }>();
  for (const arrivals of perWorker) {
    for (const [key, sentAt, members, lastAt] of arrivals) {
      const m = merged.get(key);
      if (m) {
        m.members += members;
        m.lastAt = Math.max(m.lastAt, lastAt);
      } else merged.set(key, { sentAt, members, lastAt });
    }
  }
  let messages = 0;
  let complete = 0;
  let expectedCopies = 0;
  let delivered = 0;
  let lost = 0;
  let extra = 0;
  const latencies: number[] = [];
  const acceptedKeys = new Set<string>();
  for (const [key, members] of expected) {
    if (acceptedKeys.has(key)) continue;
    acceptedKeys.add(key);
    messages++;
    expectedCopies += members;
    const got = merged.get(key);
    const n = got?.members ?? 0;
    delivered += n;
    lost += Math.max(0, members - n);
    extra += Math.max(0, n - members);
    if (got && n >= members) {
      complete++;
      if (got.sentAt >= warmupEnd) latencies.push(got.lastAt - got.sentAt);
    }
  }
  let deliveredNotAccepted = 0;
  for (const [key, m] of merged) if (!acceptedKeys.has(key)) deliveredNotAccepted += m.members;
  const samples = Float64Array.from(latencies);
  return {
    messages,
    complete,
    expectedCopies,
    delivered,
    lost,
    extra,
    duplicates,
    deliveredNotAccepted,
    lastMember: summarize(samples),
    histogram: histogram(samples),
  };
}
