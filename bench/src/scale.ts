// The scale scenario: one rate, offered in turn to 1, 2, 3… server instances that share one Kafka
// topic prefix, one Postgres database and one record-signing key, as a cluster behind a load
// balancer would (the generators play the balancer: sockets and POSTs go to the instances
// round-robin). The question it answers: does the server CPU per message, summed over every
// instance, stay flat as instances are added, with no message lost?
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { ensureDatabase, startPostgres, type LocalPostgres } from '../../scripts/lib/postgres-local.mjs';
import { metric, registerUsers, scrapeMetrics, startServer, type ServerHandle } from './env.js';
import { LoadCluster, type LoadRunResult } from './load.js';
import { machineCpu, sampleProc } from './proc.js';
import { round } from './stats.js';

export interface ScaleSettings {
  /** instance counts, run in this order; the first is the baseline of the CPU ratio */
  instances: number[];
  /** offered messages per second, the same at every instance count */
  rate: number;
  durationS: number;
  warmupS: number;
  /** users online (one socket each) and sending */
  users: number;
  /** how long after the last send an accepted message may take to arrive before it counts as lost */
  drainTimeoutS: number;
}

/** Total CPU per message at the largest instance count over that at the first: at most this. */
export const SCALE_MAX_RATIO = 1.3;
export const MAX_INSTANCES = 8;

export interface ScaleInstance {
  instanceId: string;
  cpuSeconds: number;
  /** POST /send this instance answered 202 during the run */
  sendsAccepted: number;
  /** records this instance's history consumer took in during the run (each one stored and routed) */
  consumed: number;
  socketsOnline: number;
  /** warnings and errors it logged during the run */
  logLines: number;
}

export interface ScalePoint {
  instances: number;
  rate: number;
  durationS: number;
  issued: number;
  accepted: number;
  delivered: number;
  /** accepted, and not delivered to its (connected) recipient by the end of the drain window */
  lost: number;
  duplicates: number;
  sendErrors: Record<string, number>;
  disconnects: number;
  achievedRate: number;
  /** POST /send start → the recipient's socket has it, ms */
  p50: number;
  p99: number;
  /** POST /send start → its 202, ms: the part of the latency before Kafka holds the message */
  answerP50: number;
  answerP99: number;
  /** user + system CPU of every instance process over the run, summed */
  serverCpuSeconds: number;
  cpuMsPerMessage: number;
  /** cpuMsPerMessage over that of the first instance count */
  cpuRatio: number;
  /**
   * Records consumed by all instances together per accepted message: N while every instance has
   * a history group of its own (each stores and routes every message), 1 with one shared group.
   */
  consumedPerMessage: number;
  /** the whole machine, every process on it (other people's too), % of all cores */
  machineBusyPercent: number;
  generatorSaturated: boolean;
  backpressured: boolean;
  perInstance: ScaleInstance[];
}

export interface ScaleResult {
  settings: ScaleSettings;
  partitions: number;
  postgres: string;
  points: ScalePoint[];
  goal: { instances: number; ratio: number; maxRatio: number; lost: number; met: boolean | null };
}

export interface ScaleOptions {
  kafka: string;
  settings: ScaleSettings;
  partitions: number;
  textBytes: number;
  workers: number;
  log: (line: string) => void;
}

// What is running right now, so that a signal to the bench (main.ts) can stop it: instances
// first, then the Postgres they use.
const liveServers = new Set<ServerHandle>();
let livePostgres: LocalPostgres | undefined;

/** Stops whatever a scale run has started and not yet stopped (for signal handlers). */
export async function stopScaleProcesses(): Promise<void> {
  await Promise.all([...liveServers].map((x) => x.stop().catch(() => undefined)));
  liveServers.clear();
  await livePostgres?.stop().catch(() => undefined);
  livePostgres = undefined;
}

export function checkScaleSettings(s: ScaleSettings): string[] {
  const problems: string[] = [];
  if (s.instances.length === 0 || s.instances.length > 6) problems.push('instances: 1 to 6 counts');
  for (const n of s.instances) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_INSTANCES) problems.push(`instances: ${n} is not a whole number from 1 to ${MAX_INSTANCES}`);
  }
  if (!(s.rate > 0 && s.rate <= 20_000)) problems.push(`rate: ${s.rate} is not in (0, 20000]`);
  if (!(s.durationS > 0 && s.durationS <= 600)) problems.push(`duration: ${s.durationS} s is not in (0, 600]`);
  if (!(s.warmupS >= 0 && s.warmupS < s.durationS)) problems.push(`warm-up: ${s.warmupS} s must be shorter than the run`);
  if (!(Number.isInteger(s.users) && s.users >= 2 && s.users <= 10_000)) problems.push(`users: ${s.users} is not a whole number from 2 to 10000`);
  return problems;
}

export async function scale(opts: ScaleOptions): Promise<ScaleResult> {
  const s = opts.settings;
  const problems = checkScaleSettings(s);
  if (problems.length) throw new Error(`scale settings: ${problems.join('; ')}`);
  opts.log('scale: starting a local Postgres (scripts/lib/postgres-local.mjs)…');
  // Each instance opens up to DATABASE_POOL_MAX (10) connections.
  const pg = await startPostgres({ maxConnections: 20 + MAX_INSTANCES * 15 });
  livePostgres = pg;
  const points: ScalePoint[] = [];
  try {
    for (const n of s.instances) {
      points.push(await runPoint(opts, pg, n));
      const p = points[points.length - 1];
      if (p) {
        opts.log(
          `scale: ${n} instance(s): ${p.cpuMsPerMessage} ms CPU/message (all instances), p50 ${p.p50} ms, p99 ${p.p99} ms, ` +
            `accepted ${p.accepted}, delivered ${p.delivered}, lost ${p.lost}, consumed/message ${p.consumedPerMessage}`,
        );
      }
    }
  } finally {
    livePostgres = undefined;
    await pg.stop();
  }
  const base = points[0]?.cpuMsPerMessage ?? NaN;
  for (const p of points) p.cpuRatio = base > 0 ? round(p.cpuMsPerMessage / base, 2) : NaN;
  const last = points.reduce<ScalePoint | undefined>((a, p) => (!a || p.instances > a.instances ? p : a), undefined);
  const lost = points.reduce((a, p) => a + p.lost, 0);
  const ratio = last?.cpuRatio ?? NaN;
  return {
    settings: s,
    partitions: opts.partitions,
    postgres: pg.version,
    points,
    goal: {
      instances: last?.instances ?? 0,
      ratio,
      maxRatio: SCALE_MAX_RATIO,
      lost,
      // One instance count compares nothing.
      met: points.length > 1 && Number.isFinite(ratio) ? ratio <= SCALE_MAX_RATIO && lost === 0 : null,
    },
  };
}

/** Polls `check` until it holds; throws after `timeoutMs`. */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`scale: ${what} not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ready = (server: ServerHandle) =>
  fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);

const SENDS_ACCEPTED = 'http_request_duration_seconds_count{method="POST",route="/send",status="202"}';

async function runPoint(opts: ScaleOptions, pg: LocalPostgres, n: number): Promise<ScalePoint> {
  const s = opts.settings;
  const id = randomBytes(4).toString('hex');
  // Every instance count starts from nothing (own topics, own database), so no point inherits
  // another's backlog, consumer groups or rows.
  const database = `bench_scale_${n}_${id}`;
  await ensureDatabase(pg.url('postgres'), database);
  const shared = {
    KAFKA_TOPIC_PREFIX: `bscale${n}x${id}`,
    TOPIC_PARTITIONS: String(opts.partitions),
    DATABASE_URL: pg.url(database),
    RECORD_SIGNING_KEYS: `bench:${randomBytes(32).toString('base64')}`,
  };
  const servers: ServerHandle[] = [];
  try {
    opts.log(`scale: starting ${n} instance(s) on ${pg.safeUrl(database)}…`);
    // One at a time: the first creates the topics and runs the migrations, the others find them.
    for (let i = 1; i <= n; i++) {
      const server = await startServer({ kafka: opts.kafka, env: { ...shared, INSTANCE_ID: `i${i}` }, log: opts.log });
      servers.push(server);
      liveServers.add(server);
    }
    // An instance that joins a group moves partitions away from the others (a rebalance), so
    // the load starts only once every instance holds its assignment again.
    await until('every instance ready', 120_000, async () => (await Promise.all(servers.map(ready))).every(Boolean));
    const users = await registerUsers(servers[0]?.url ?? '', `s${n}${id}u`, s.users);
    const cluster = await LoadCluster.start({ url: servers.map((x) => x.url), users, workers: opts.workers });
    try {
      const c = await cluster.connect(50, 120_000);
      if (c.connected < users.length) throw new Error(`scale: ${c.connected} of ${users.length} sockets connected (${c.failed} failed: ${c.firstError ?? '?'})`);
      // Every socket is registered on its instance (rooms joined) before the first send.
      const online = async () => (await Promise.all(servers.map(scrapeMetrics))).reduce((a, m) => a + (metric(m, 'sockets_online') ?? 0), 0);
      await until('every socket counted online', 30_000, async () => (await online()) >= users.length);

      const before = await Promise.all(servers.map(scrapeMetrics));
      const cpu0 = servers.map(cpuOf);
      const lines0 = servers.map((x) => x.loggedLines?.() ?? 0);
      const m0 = machineCpu();
      opts.log(`scale: ${n} instance(s), ${s.rate}/s for ${s.durationS} s, ${s.users} users…`);
      const r = await cluster.run({ rate: s.rate, durationS: s.durationS, warmupS: s.warmupS, textBytes: opts.textBytes, drainTimeoutS: s.drainTimeoutS });
      const cpu1 = servers.map(cpuOf);
      const m1 = machineCpu();
      const after = await Promise.all(servers.map(scrapeMetrics));
      const delta = (i: number, name: string) => (metric(after[i] ?? new Map(), name) ?? 0) - (metric(before[i] ?? new Map(), name) ?? 0);
      const perInstance = servers.map((x, i) => ({
        instanceId: x.env.INSTANCE_ID ?? '',
        cpuSeconds: round((cpu1[i] ?? NaN) - (cpu0[i] ?? NaN), 2),
        sendsAccepted: delta(i, SENDS_ACCEPTED),
        consumed: delta(i, 'messages_consumed_total'),
        socketsOnline: metric(after[i] ?? new Map(), 'sockets_online') ?? 0,
        logLines: (x.loggedLines?.() ?? 0) - (lines0[i] ?? 0),
      }));
      return point(n, s, r, perInstance, m0 && m1 ? ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100 : NaN);
    } finally {
      await cluster.close();
    }
  } finally {
    await Promise.all(servers.map((x) => x.stop().catch(() => undefined)));
    for (const x of servers) {
      liveServers.delete(x);
      if (x.env.DATA_DIR) rmSync(x.env.DATA_DIR, { recursive: true, force: true });
    }
  }
}

function cpuOf(server: ServerHandle): number {
  return (server.pid ? sampleProc(server.pid)?.cpuSeconds : undefined) ?? NaN;
}

function point(n: number, s: ScaleSettings, r: LoadRunResult, perInstance: ScaleInstance[], machineBusy: number): ScalePoint {
  const cpu = perInstance.reduce((a, x) => a + x.cpuSeconds, 0);
  const consumed = perInstance.reduce((a, x) => a + x.consumed, 0);
  return {
    instances: n,
    rate: s.rate,
    durationS: s.durationS,
    issued: r.issued,
    accepted: r.accepted,
    delivered: r.delivered,
    lost: r.lost,
    duplicates: r.duplicates,
    sendErrors: r.sendErrors,
    disconnects: r.generator.reduce((a, g) => a + g.disconnects, 0),
    achievedRate: r.achievedRate,
    p50: round(r.latency.p50, 2),
    p99: round(r.latency.p99, 2),
    answerP50: round(r.answerLatency.p50, 2),
    answerP99: round(r.answerLatency.p99, 2),
    serverCpuSeconds: round(cpu, 2),
    cpuMsPerMessage: r.delivered > 0 ? round((cpu * 1000) / r.delivered, 4) : NaN,
    cpuRatio: NaN,
    consumedPerMessage: r.accepted > 0 ? round(consumed / r.accepted, 2) : NaN,
    machineBusyPercent: round(machineBusy, 1),
    generatorSaturated: r.generatorSaturated,
    backpressured: r.backpressured,
    perInstance,
  };
}
