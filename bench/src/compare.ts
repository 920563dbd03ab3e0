// `--compare <rev>`: this checkout (A) and another revision (B) side by side in one run, on the same
// broker and the same machine at the same time of day, so that a change is judged by a ratio and
// not against a number from another day. One server per build (each its own topic prefix and
// data dir), the steady load offered to A, B, A, B… for N rounds; per round CPU per message and
// latency, then the ratios B/A per round and their median.
import { rmSync } from 'node:fs';
import { REPO_ROOT, scrapeMetrics, startServer, type ServerHandle } from './env.js';
import { framesPerMessage, LoadCluster } from './load.js';
import { describeCheckout, prepareRevision } from './revision.js';
import { ensureUsers, lagAfter, measure, stageMeans, type Context, type Settings } from './scenarios.js';
import type { StageRow } from './stages.js';
import { round } from './stats.js';

export const MAX_COMPARE_ROUNDS = 10;

export type BuildLabel = 'A' | 'B';

export interface CompareBuild {
  label: BuildLabel;
  /** what was named: "working tree" for A, the revision for B */
  rev: string;
  sha: string;
  subject: string;
  /** A only: the working tree has changes beyond its HEAD commit */
  dirty: boolean;
  /** B only: how long its server took to build */
  buildMs?: number;
  /** B only: the server.js it ran (in a temporary directory, removed after the run) */
  entry?: string;
  /** B only: its package-lock.json differs from A's, yet it ran on A's packages */
  lockDiffers?: boolean;
}

export interface CompareRound extends StageRow {
  round: number;
  build: BuildLabel;
  cpuMsPerMessage: number;
  cpuPercent: number;
  /** WebSocket frames the generators received per accepted message, all events */
  framesPerMessage: number;
  /** the same by event, e.g. "2.00 (message:new 1.00, receipt:update 1.00)" */
  frames: string;
  /** the server's socket writes (system calls) per message: Kafka, WebSocket and HTTP together */
  writesPerMessage: number;
  p50: number;
  p99: number;
  /** POST /send start → 202 at the generator */
  answerP99: number;
  achievedRate: number;
  accepted: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** the whole machine during the round, every process on it, % of all cores */
  machineBusyPercent: number;
  generatorSaturated: boolean;
  backpressured: boolean;
  /** messages_undelivered (inbox backlog) after the round drained */
  undelivered: number | null;
}

export interface RatioSummary {
  /** B/A of round i, for each round both builds completed */
  perRound: number[];
  median: number;
  min: number;
  max: number;
}

export interface CompareResult {
  scenario: 'steady';
  rounds: number;
  users: number;
  rate: number;
  durationS: number;
  a: CompareBuild;
  b: CompareBuild;
  runs: CompareRound[];
  ratios: { cpuMsPerMessage: RatioSummary; p50: RatioSummary; p99: RatioSummary };
  lost: number;
  duplicates: number;
}

function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? (v[mid] ?? NaN) : ((v[mid - 1] ?? NaN) + (v[mid] ?? NaN)) / 2;
}

/**
 * B/A per round, paired by round number (A and B of one round ran back to back, so they saw
 * the most similar machine), and the median over rounds: one disturbed round moves it little.
 */
export function ratioSummary(runs: CompareRound[], pick: (r: CompareRound) => number): RatioSummary {
  const perRound: number[] = [];
  for (const a of runs.filter((r) => r.build === 'A')) {
    const b = runs.find((r) => r.build === 'B' && r.round === a.round);
    if (!b) continue;
    const x = pick(a);
    const y = pick(b);
    perRound.push(x > 0 && Number.isFinite(x) && Number.isFinite(y) ? round(y / x, 3) : NaN);
  }
  const finite = perRound.filter(Number.isFinite);
  return {
    perRound,
    median: round(median(finite), 3),
    min: finite.length ? Math.min(...finite) : NaN,
    max: finite.length ? Math.max(...finite) : NaN,
  };
}

export function summarizeCompare(runs: CompareRound[]): Pick<CompareResult, 'ratios' | 'lost' | 'duplicates'> {
  return {
    ratios: {
      cpuMsPerMessage: ratioSummary(runs, (r) => r.cpuMsPerMessage),
      p50: ratioSummary(runs, (r) => r.p50),
      p99: ratioSummary(runs, (r) => r.p99),
    },
    lost: runs.reduce((n, r) => n + r.lost, 0),
    duplicates: runs.reduce((n, r) => n + r.duplicates, 0),
  };
}

/** One round of the steady load on one build: fresh sockets, the run, the server's figures. */
async function steadyRound(ctx: Context, build: BuildLabel, roundNo: number): Promise<CompareRound> {
  const s = ctx.settings.steady;
  const users = await ensureUsers(ctx, s.users);
  const cluster = await LoadCluster.start({ url: ctx.server.url, users, workers: ctx.settings.workers });
  try {
    const c = await cluster.connect();
    if (c.connected < users.length) throw new Error(`${build}: only ${c.connected} of ${users.length} sockets connected (${c.firstError ?? 'no error given'})`);
    const before = await scrapeMetrics(ctx.server);
    const { result: r, usage } = await measure(ctx.server, (x) => x.delivered, () =>
      cluster.run({ rate: s.rate, durationS: s.durationS, warmupS: s.warmupS, textBytes: ctx.settings.textBytes }),
    );
    const stages = stageMeans(before, await scrapeMetrics(ctx.server));
    const lag = await lagAfter(ctx.server);
    return {
      round: roundNo,
      build,
      cpuMsPerMessage: usage.cpuMsPerMessage,
      cpuPercent: usage.cpuPercent,
      framesPerMessage: r.accepted > 0 ? Object.values(r.frames).reduce((a, b) => a + b, 0) / r.accepted : NaN,
      frames: framesPerMessage(r.frames, r.accepted),
      writesPerMessage: usage.writesPerMessage,
      p50: r.latency.p50,
      p99: r.latency.p99,
      answerP99: r.answerLatency.p99,
      answerMeanMs: r.answerLatency.mean,
      endToEndMeanMs: r.latency.mean,
      achievedRate: r.achievedRate,
      accepted: r.accepted,
      delivered: r.delivered,
      lost: r.lost,
      duplicates: r.duplicates,
      machineBusyPercent: usage.machineBusyPercent,
      generatorSaturated: r.generatorSaturated,
      backpressured: r.backpressured,
      undelivered: lag.undeliveredMessages,
      stages,
    };
  } finally {
    await cluster.close();
  }
}

export interface CompareOptions {
  kafka: string;
  rev: string;
  rounds: number;
  settings: Settings;
  log: (line: string) => void;
  /** receives each process it starts, so the caller's cleanup can reach them on a signal */
  track?: (stop: () => Promise<void>) => void;
}

/**
 * Builds `rev`, starts one server of each build, registers the users on each, then runs the
 * rounds alternating A, B, A, B. Both servers stay up for the whole run, so each round's idle
 * partner costs the machine the same on both sides.
 */
export async function compare(opts: CompareOptions): Promise<CompareResult> {
  if (!(opts.rounds >= 1 && opts.rounds <= MAX_COMPARE_ROUNDS)) throw new Error(`--rounds must be 1 to ${MAX_COMPARE_ROUNDS}`);
  const s = opts.settings.steady;
  const checkout = await describeCheckout(REPO_ROOT);
  const a: CompareBuild = { label: 'A', rev: 'working tree', sha: checkout.sha, subject: checkout.subject, dirty: checkout.dirty };
  let removeTree: (() => Promise<void>) | undefined;
  const servers: ServerHandle[] = [];
  const stopAll = async () => {
    for (const server of servers.splice(0)) {
      await server.stop().catch(() => undefined);
      if (server.env.DATA_DIR) rmSync(server.env.DATA_DIR, { recursive: true, force: true });
    }
    await removeTree?.();
  };
  opts.track?.(stopAll);
  try {
    const revision = await prepareRevision(REPO_ROOT, opts.rev, opts.log, (remove) => (removeTree = remove));
    const b: CompareBuild = {
      label: 'B',
      rev: opts.rev,
      sha: revision.sha,
      subject: revision.subject,
      dirty: false,
      buildMs: revision.buildMs,
      entry: revision.entry,
      lockDiffers: revision.lockDiffers,
    };
    opts.log(`compare: built B in ${(revision.buildMs / 1000).toFixed(1)} s`);
    const contexts = new Map<BuildLabel, Context>();
    for (const [label, entry] of [['A', undefined], ['B', revision.entry]] as const) {
      const server = await startServer({
        kafka: opts.kafka,
        env: { TOPIC_PARTITIONS: String(opts.settings.partitions) },
        log: opts.log,
        name: `server ${label}`,
        ...(entry ? { entry } : {}),
      });
      servers.push(server);
      opts.log(`compare: ${label} at ${server.url} (pid ${server.pid}, topics ${server.env.KAFKA_TOPIC_PREFIX})`);
      contexts.set(label, { server, kafka: opts.kafka, settings: opts.settings, log: opts.log, users: [], registration: { users: 0, ms: 0 } });
    }
    for (const ctx of contexts.values()) await ensureUsers(ctx, s.users);
    const runs: CompareRound[] = [];
    for (let i = 1; i <= opts.rounds; i++) {
      for (const label of ['A', 'B'] as const) {
        const ctx = contexts.get(label);
        if (!ctx) continue;
        // The previous round's garbage and coalesced commits should not land in this one.
        await new Promise((r) => setTimeout(r, 2000));
        const r = await steadyRound(ctx, label, i);
        runs.push(r);
        opts.log(`compare: round ${i} ${label}: ${r.cpuMsPerMessage} ms CPU/message, frames/message ${r.frames}, p50 ${r.p50} ms, p99 ${r.p99} ms, lost ${r.lost}, dup ${r.duplicates}`);
      }
    }
    return { scenario: 'steady', rounds: opts.rounds, users: s.users, rate: s.rate, durationS: s.durationS, a, b, runs, ...summarizeCompare(runs) };
  } finally {
    await stopAll();
  }
}
