import { describe, expect, it } from 'vitest';
import { analyzeWindow, countLoss, type Consumed } from '../src/rebalance-stats.js';

// Two partitions consumed every 100 ms; member a keeps p0, p1 moves from b to c after a stop.
function stream(partition: number, from: number, to: number, member: string, every = 100): Consumed[] {
  const out: Consumed[] = [];
  for (let at = from; at <= to; at += every) out.push({ partition, seq: partition * 1e6 + at, sentAt: at - 20, at, member });
  return out;
}

describe('analyzeWindow', () => {
  it('splits the longest gap between partitions that stayed and partitions that moved', () => {
    const consumed = [
      ...stream(0, 0, 1000, 'a'),
      ...stream(0, 1400, 3000, 'a'), // a stops 400 ms but keeps p0
      ...stream(1, 0, 1000, 'b'),
      ...stream(1, 2500, 3000, 'c'), // p1 is silent 1.5 s, then c has it
    ];
    const w = analyzeWindow(consumed, { from: 1050, to: 3000, partitions: 2 });
    expect(w.stayedPauseMs).toBe(400);
    expect(w.movedPauseMs).toBe(1500);
    expect(w.moved).toEqual([1]);
    // Nothing was consumed on any partition between 1000 and 1400.
    expect(w.allStopMs).toBe(400);
    expect(w.maxLatencyMs).toBe(20);
  });

  it('counts a partition that is still silent at the end of the window as paused until then', () => {
    const consumed = [...stream(0, 0, 3000, 'a'), ...stream(1, 0, 1000, 'b')];
    const w = analyzeWindow(consumed, { from: 1050, to: 3000, partitions: 2 });
    expect(w.movedPauseMs).toBe(2000);
    expect(w.stayedPauseMs).toBe(100);
  });

  it('measures the latency of records produced before the pause and consumed after it', () => {
    const consumed = [...stream(0, 0, 1000, 'a'), { partition: 0, seq: 7, sentAt: 1100, at: 2900, member: 'a' }];
    expect(analyzeWindow(consumed, { from: 1050, to: 3000, partitions: 1 }).maxLatencyMs).toBe(1800);
  });
});

describe('countLoss', () => {
  it('reports acknowledged records never consumed, and repeats', () => {
    const consumed = [...stream(0, 0, 200, 'a'), ...stream(0, 200, 300, 'b')];
    const acked = new Set([0, 100, 200, 300, 400].map((t) => t));
    expect(countLoss(acked, consumed)).toEqual({ acked: 5, lost: 1, duplicates: 1 });
  });
});
