// What a rebalance costs, read from consumption alone: per partition, the longest time nothing of
// it was consumed around an event, split between partitions whose consumer stayed the same and
// partitions that changed hands; and whether every acknowledged record arrived.

export interface Consumed {
  partition: number;
  seq: number;
  /** produce call, ms since the epoch */
  sentAt: number;
  /** consumed (handed to the application), same clock */
  at: number;
  /** the member process that consumed it */
  member: string;
}

export interface WindowStats {
  /** Longest silence on a partition that the same member held before and after the event. */
  stayedPauseMs: number | undefined;
  /** Longest silence on a partition that changed hands (or had no consumer at the end). */
  movedPauseMs: number | undefined;
  /** Longest time nothing at all was consumed: the stop-the-world part of the rebalance. */
  allStopMs: number;
  /** Produce → first consumption, the worst record consumed in the window. */
  maxLatencyMs: number;
  stayed: number[];
  moved: number[];
  /** Consumptions of records already consumed before (redelivered after a rebalance). */
  repeats: number;
}

/**
 * `consumed` is everything recorded so far (any order). A partition's silence runs from its last
 * consumption before `from` to its first after, and, if nothing comes, to `to`: a partition that
 * never resumes is paused for the whole window, not missing from it.
 */
export function analyzeWindow(consumed: readonly Consumed[], window: { from: number; to: number; partitions: number }): WindowStats {
  const { from, to } = window;
  const sorted = [...consumed].sort((a, b) => a.at - b.at);
  const seen = new Set<number>();
  let repeats = 0;
  let maxLatencyMs = 0;
  const before = new Map<number, Consumed>();
  const inWindow = new Map<number, Consumed[]>();
  for (const c of sorted) {
    const repeat = seen.has(c.seq);
    seen.add(c.seq);
    if (c.at < from) {
      before.set(c.partition, c);
      continue;
    }
    if (c.at > to) break;
    if (repeat) {
      repeats += 1;
      continue;
    }
    maxLatencyMs = Math.max(maxLatencyMs, c.at - c.sentAt);
    const list = inWindow.get(c.partition) ?? [];
    list.push(c);
    inWindow.set(c.partition, list);
  }

  const stayed: number[] = [];
  const moved: number[] = [];
  let stayedPauseMs: number | undefined;
  let movedPauseMs: number | undefined;
  const allTimes: number[] = [to];
  let lastBefore = -Infinity;
  for (let p = 0; p < window.partitions; p++) {
    const rows = inWindow.get(p) ?? [];
    const prior = before.get(p);
    const times = [...(prior ? [prior.at] : [from]), ...rows.map((r) => r.at), to];
    const gap = maxGap(times);
    const ownerAfter = rows.at(-1)?.member;
    const kept = prior !== undefined && ownerAfter !== undefined && prior.member === ownerAfter;
    if (kept) {
      stayed.push(p);
      stayedPauseMs = Math.max(stayedPauseMs ?? 0, gap);
    } else {
      moved.push(p);
      movedPauseMs = Math.max(movedPauseMs ?? 0, gap);
    }
    if (prior) lastBefore = Math.max(lastBefore, prior.at);
    for (const r of rows) allTimes.push(r.at);
  }
  allTimes.push(Number.isFinite(lastBefore) ? lastBefore : from);
  return {
    stayedPauseMs,
    movedPauseMs,
    allStopMs: maxGap(allTimes.sort((a, b) => a - b)),
    maxLatencyMs,
    stayed,
    moved,
    repeats,
  };
}

function maxGap(sortedTimes: readonly number[]): number {
  let gap = 0;
  for (let i = 1; i < sortedTimes.length; i++) gap = Math.max(gap, sortedTimes[i]! - sortedTimes[i - 1]!);
  return gap;
}

/** Acknowledged records never consumed, and consumptions beyond the first. */
export function countLoss(acked: ReadonlySet<number>, consumed: readonly Consumed[]): { acked: number; lost: number; duplicates: number } {
  const seen = new Set<number>();
  let duplicates = 0;
  for (const c of consumed) {
    if (seen.has(c.seq)) duplicates += 1;
    else seen.add(c.seq);
  }
  let lost = 0;
  for (const seq of acked) if (!seen.has(seq)) lost += 1;
  return { acked: acked.size, lost, duplicates };
}
