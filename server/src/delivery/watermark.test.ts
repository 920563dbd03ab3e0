import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { StoppedError, Watermark } from './watermark.js';

const log = pino({ level: 'silent' });

describe('the stored watermark', () => {
  it('only moves forward, and wakes exactly the waiters it passed', async () => {
    const w = new Watermark(async () => new Map(), log);
    w.advance(new Map([[0, 5]]));
    w.advance(new Map([[0, 3]]));
    expect(w.positions().get(0)).toBe(5);
    expect(await w.until(0, 4, 1000)).toBe(5);
    const later = w.until(0, 7, 10_000);
    const other = w.until(1, 0, 10_000);
    w.advance(new Map([[0, 8]]));
    expect(await later).toBe(8);
    w.advance(new Map([[1, 1]]));
    expect(await other).toBe(1);
  });

  it('gives up a wait after its timeout, and rejects waits once stopped', async () => {
    const w = new Watermark(async () => new Map(), log);
    expect(await w.until(0, 0, 20)).toBeUndefined();
    const pending = w.until(0, 0, 10_000);
    w.stop();
    await expect(pending).rejects.toBeInstanceOf(StoppedError);
    await expect(w.until(0, 0, 10)).rejects.toBeInstanceOf(StoppedError);
  });

  it('polls the store while anyone waits, so a lost announcement only delays', async () => {
    let table = new Map<number, number>();
    let reads = 0;
    const w = new Watermark(async () => ((reads += 1), table), log);
    const waiting = w.until(2, 9, 10_000);
    table = new Map([[2, 10]]);
    expect(await waiting).toBe(10);
    expect(reads).toBeGreaterThan(0);
    w.stop();
  });
});
