// Latency statistics: exact percentiles from sorted samples, plus log buckets for the charts.

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface Histogram {
  /** Upper bound of each bucket in ms (log-spaced); the last bucket is open. */
  bounds: number[];
  counts: number[];
}

export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    p999: round(percentile(sorted, 0.999)),
    max: round(sorted.length ? (sorted[sorted.length - 1] ?? NaN) : NaN),
    mean: round(sorted.length ? sum / sorted.length : NaN),
  };
}

/** Log-spaced buckets from 0.1 ms to ~10 s, 8 per decade (HdrHistogram-like, coarser). */
export function histogram(samples: ArrayLike<number>): Histogram {
  const bounds: number[] = [];
  for (let e = -1; e < 4; e += 1 / 8) bounds.push(round(10 ** e));
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] ?? 0;
    const b = v <= 0.1 ? 0 : Math.min(bounds.length, Math.ceil((Math.log10(v) + 1) * 8 - 1e-9));
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return { bounds, counts };
}

export function round(v: number, digits = 3): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Epoch milliseconds with sub-millisecond resolution (comparable across processes). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
