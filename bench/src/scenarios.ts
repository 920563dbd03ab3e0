// The scenarios: steady (with the Kafka floor and the direct relay side by side), ramp,
// connections, fan-in and catch-up (groups.ts and scale.ts have their own files), and the
// settings and probes they share. Every loop is bounded in count and time.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChatSocket } from '@messenger/client';
import { ApiPaths, MAX_ACK_IDS, SOCKET_PATH, SendResponse, parse, type ChatMessage, type SendBody } from '@messenger/protocol';
import { io } from 'socket.io-client';
import { Pool } from 'undici';
import {
  metric,
  registerUsers,
  scrapeMetrics,
  startRelay,
  startServer,
  type BenchUser,
  type ServerHandle,
} from './env.js';
import { FLOOR_CLIENTS, type FloorClientName } from './floor-clients.js';
import { runFloor, type FloorResult } from './floor.js';
import { LoadCluster, type LoadRunResult } from './load.js';
import { ioSyscalls, machineCpu, sampleProc, watchProc, type ProcSample } from './proc.js';
import type { ScaleSettings } from './scale.js';
import { round } from './stats.js';

export interface Settings {
  quick: boolean;
  workers: number;
  textBytes: number;
  partitions: number;
  /** the Kafka clients steady's floor runs on, one after the other (--floor-client) */
  floorClients: FloorClientName[];
  steady: { users: number; rate: number; durationS: number; warmupS: number };
  ramp: { users: number; rates: number[]; stepS: number; maxP99Ms: number };
  connections: { sockets: number; users: number };
  fanIn: { users: number[]; rate: number; durationS: number };
  catchUp: { messages: number };
  groups: GroupsSettings;
  scale: ScaleSettings;
}

export interface GroupsSettings {
  /** users online, one socket each, split into groups of every size */
  users: number;
  /** members per group; each size is a phase of its own */
  sizes: number[];
  /**
   * Copies per second offered at every size (R = this ÷ members), and the 1:1 baseline's
   * messages/s. Below what one server sustains on this machine (~1,000/s, docs/performance.md):
   * a saturated server batches more and its CPU per message falls, which would compare load, not cost.
   */
  copiesPerSecond: number;
  /** per phase, warm-up included */
  durationS: number;
  warmupS: number;
  /** how long after the last send a copy may take to arrive before it counts as lost */
  drainTimeoutS: number;
}

export function settingsFor(quick: boolean): Settings {
  return quick
    ? {
        quick,
        workers: 2,
        textBytes: 100,
        partitions: 12,
        floorClients: [...FLOOR_CLIENTS],
        steady: { users: 200, rate: 2000, durationS: 10, warmupS: 1 },
        ramp: { users: 200, rates: [250, 500, 1000, 1500, 2000, 3000, 4000, 5000, 6000], stepS: 4, maxP99Ms: 50 },
        connections: { sockets: 2000, users: 500 },
        fanIn: { users: [100, 250, 500], rate: 500, durationS: 5 },
        catchUp: { messages: 2000 },
        groups: { users: 300, sizes: [10, 100, 300], copiesPerSecond: 500, durationS: 10, warmupS: 2, drainTimeoutS: 30 },
        scale: { instances: [1, 2, 3], rate: 500, durationS: 10, warmupS: 2, users: 100, drainTimeoutS: 30 },
      }
    : {
        quick,
        workers: 2,
        textBytes: 100,
        partitions: 12,
        floorClients: [...FLOOR_CLIENTS],
        steady: { users: 1000, rate: 2000, durationS: 60, warmupS: 3 },
        ramp: { users: 1000, rates: [250, 500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, 10000], stepS: 10, maxP99Ms: 50 },
        connections: { sockets: 10000, users: 10000 },
        fanIn: { users: [100, 1000, 10000], rate: 1000, durationS: 20 },
        catchUp: { messages: 10000 },
        groups: { users: 1000, sizes: [10, 100, 1000], copiesPerSecond: 1000, durationS: 30, warmupS: 3, drainTimeoutS: 30 },
        scale: { instances: [1, 2, 3], rate: 1000, durationS: 33, warmupS: 3, users: 300, drainTimeoutS: 30 },
      };
}

export interface Context {
  server: ServerHandle;
  /** node flags of an owned server (kept on restart) */
  serverNodeArgs?: string[];
  kafka: string;
  settings: Settings;
  log: (line: string) => void;
  /** Users registered so far; ensureUsers grows the pool. */
  users: BenchUser[];
  registration: { users: number; ms: number };
}

// This run's mark in usernames: b<tag>u<n>x<i> stays within the 32 characters a name may have.
const RUN_TAG = randomBytes(3).toString('hex');

export async function ensureUsers(ctx: Context, count: number): Promise<BenchUser[]> {
  if (ctx.users.length < count) {
    const missing = count - ctx.users.length;
    ctx.log(`registering ${missing} users (argon2id at the server's minimum cost, ~10 ms of server CPU each)…`);
    const started = Date.now();
    const fresh = await registerUsers(ctx.server.url, `b${RUN_TAG}u${ctx.users.length}x`, missing);
    // registerUsers numbers from 0 under its own prefix; keep names unique across calls, and
    // across runs against one running server (--server: a second run's names were taken).
    ctx.users.push(...fresh);
    ctx.registration.users += missing;
    ctx.registration.ms += Date.now() - started;
  }
  return ctx.users.slice(0, count);
}

// --- server resource probes -------------------------------------------------------------

export interface ServerUsage {
  cpuSeconds: number;
  cpuPercent: number;
  cpuMsPerMessage: number;
  rssMaxMB: number;
  rssEndMB: number;
  /** the whole machine's CPU use during the run (every process, ours and other people's), % of all cores */
  machineBusyPercent: number;
  /**
   * The server's socket writes and reads (system calls, from /proc) per message: Kafka requests,
   * WebSocket frames and HTTP responses together. NaN for a server that is not our child.
   */
  writesPerMessage: number;
  readsPerMessage: number;
  timeline: { t: number; cpuPercent: number; rssMB: number }[];
}

async function cpuAndRss(server: ServerHandle): Promise<{ cpu: number; rss: number }> {
  if (server.pid) {
    const s = sampleProc(server.pid);
    if (s) return { cpu: s.cpuSeconds, rss: s.rssBytes };
  }
  const m = await scrapeMetrics(server);
  return { cpu: metric(m, 'process_cpu_seconds_total') ?? NaN, rss: metric(m, 'process_resident_memory_bytes') ?? NaN };
}

export async function measure<T>(server: ServerHandle, messages: (r: T) => number, work: () => Promise<T>): Promise<{ result: T; usage: ServerUsage }> {
  const before = await cpuAndRss(server);
  const m0 = machineCpu();
  const io0 = server.pid ? ioSyscalls(server.pid) : undefined;
  const watcher = server.pid ? watchProc(server.pid) : undefined;
  const t0 = Date.now();
  const result = await work();
  const wall = (Date.now() - t0) / 1000;
  const samples: ProcSample[] = watcher?.stop() ?? [];
  const after = await cpuAndRss(server);
  const m1 = machineCpu();
  const io1 = server.pid ? ioSyscalls(server.pid) : undefined;
  const cpuSeconds = after.cpu - before.cpu;
  const timeline = samples.slice(1).map((s, i) => {
    const prev = samples[i] ?? s;
    const dt = Math.max(0.001, (s.at - prev.at) / 1000);
    return { t: round((s.at - t0) / 1000, 1), cpuPercent: round(((s.cpuSeconds - prev.cpuSeconds) / dt) * 100, 1), rssMB: round(s.rssBytes / 2 ** 20, 1) };
  });
  const rssMax = Math.max(after.rss, ...samples.map((s) => s.rssBytes));
  const n = messages(result);
  return {
    result,
    usage: {
      cpuSeconds: round(cpuSeconds, 2),
      cpuPercent: round((cpuSeconds / wall) * 100, 1),
      cpuMsPerMessage: n > 0 ? round((cpuSeconds * 1000) / n, 4) : NaN,
      rssMaxMB: round(rssMax / 2 ** 20, 1),
      rssEndMB: round(after.rss / 2 ** 20, 1),
      machineBusyPercent: m0 && m1 ? round(((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100, 1) : NaN,
      writesPerMessage: io0 && io1 && n > 0 ? round((io1.writes - io0.writes) / n, 2) : NaN,
      readsPerMessage: io0 && io1 && n > 0 ? round((io1.reads - io0.reads) / n, 2) : NaN,
      timeline,
    },
  };
}

export interface LagReport {
  historyGroupLag: number | null;
  undeliveredMessages: number | null;
}

/** Kafka lag after a run, from the server's own gauges (history group lag, inbox backlog). */
export async function lagAfter(server: ServerHandle): Promise<LagReport> {
  // Give the last acknowledgements and the coalesced inbox commits (200 ms) time to land.
  await new Promise((r) => setTimeout(r, 500));
  const m = await scrapeMetrics(server);
  return {
    historyGroupLag: metric(m, 'kafka_consumer_lag') ?? null,
    undeliveredMessages: metric(m, 'messages_undelivered') ?? null,
  };
}

// --- steady -------------------------------------------------------------------------------

export interface SteadyResult {
  users: number;
  rate: number;
  durationS: number;
  ours: LoadRunResult;
  server: ServerUsage;
  lag: LagReport;
  /** one per client in settings.floorClients, in that order */
  floors: FloorRun[];
  direct: (LoadRunResult & { relay: ServerUsage }) | { error: string };
  ratios: { oursOverFloorP50: number; oursOverFloorP99: number; oursOverDirectP50: number; oursOverDirectP99: number };
  /** where a message waited inside the server during the run: means from its own histograms */
  stages: StageMeans;
}

export type FloorRun = FloorResult | { client: FloorClientName; error: string };

/** The floor the ratios are taken against: the server's own client (kafkajs) when it ran. */
export function referenceFloor(floors: FloorRun[]): FloorRun | undefined {
  return floors.find((f) => f.client === 'kafkajs') ?? floors[0];
}

export interface StageMeans {
  /** POST /send answered 202: request in → response out (includes waiting for Kafka) */
  sendMs: number | null;
  /** inside that: the record handed to the producer → Kafka acknowledged it (acks=all) */
  produceMs: number | null;
  /** sentAt (202 decided) → pushed to the recipient's room (consume, store, emit) */
  consumeToEmitMs: number | null;
}

function histogramMean(before: Map<string, number>, after: Map<string, number>, name: string): number | null {
  const delta = (suffix: string) => {
    const key = name.replace(/^([a-z_]+)/, `$1_${suffix}`);
    return (after.get(key) ?? 0) - (before.get(key) ?? 0);
  };
  const count = delta('count');
  return count > 0 ? round((delta('sum') / count) * 1000, 2) : null;
}

export function stageMeans(before: Map<string, number>, after: Map<string, number>): StageMeans {
  return {
    sendMs: histogramMean(before, after, 'http_request_duration_seconds{method="POST",route="/send",status="202"}'),
    produceMs: histogramMean(before, after, 'kafka_produce_duration_seconds{outcome="ok"}'),
    consumeToEmitMs: histogramMean(before, after, 'message_delivery_latency_seconds'),
  };
}

export async function steady(ctx: Context): Promise<SteadyResult> {
  const s = ctx.settings.steady;
  const users = await ensureUsers(ctx, s.users);
  const cluster = await LoadCluster.start({ url: ctx.server.url, users, workers: ctx.settings.workers });
  let ours: LoadRunResult;
  let server: ServerUsage;
  let metricsBefore = new Map<string, number>();
  try {
    const c = await cluster.connect();
    ctx.log(`steady: ${c.connected} sockets connected in ${c.ms} ms (${c.failed} failed)`);
    ctx.log(`steady: ours, ${s.rate}/s for ${s.durationS} s, ${s.users} users…`);
    metricsBefore = await scrapeMetrics(ctx.server);
    ({ result: ours, usage: server } = await measure(ctx.server, (r) => r.delivered, () =>
      cluster.run({ rate: s.rate, durationS: s.durationS, warmupS: s.warmupS, textBytes: ctx.settings.textBytes }),
    ));
  } finally {
    await cluster.close();
  }
  const stages = stageMeans(metricsBefore, await scrapeMetrics(ctx.server));
  const lag = await lagAfter(ctx.server);
  ctx.log(`steady: ours p50 ${ours.latency.p50} ms, p99 ${ours.latency.p99} ms, lost ${ours.lost}, dup ${ours.duplicates}`);

  // One client after the other, never side by side: each floor has the machine's CPU to itself.
  const floors: FloorRun[] = [];
  for (const client of ctx.settings.floorClients) {
    ctx.log(`steady: Kafka floor on ${client} (bare producer → consumer group)…`);
    const floor = await runFloor({
      client,
      brokers: ctx.kafka,
      rate: s.rate,
      durationS: s.durationS,
      warmupS: s.warmupS,
      textBytes: ctx.settings.textBytes,
      partitions: ctx.settings.partitions,
    }).catch((e: unknown) => ({ client, error: String(e) }));
    if ('latency' in floor) {
      ctx.log(`steady: floor (${client}) p50 ${floor.latency.p50} ms, p99 ${floor.latency.p99} ms, ${floor.cpuMsPerMessage} ms CPU and ${floor.writesPerMessage} socket writes per message, lost ${floor.lost}, dup ${floor.duplicates}`);
    } else ctx.log(`steady: floor (${client}) failed: ${floor.error.split('\n')[0]}`);
    floors.push(floor);
  }
  const floor = referenceFloor(floors);

  ctx.log('steady: direct relay (HTTP → socket.io, no Kafka)…');
  let direct: SteadyResult['direct'];
  try {
    direct = await directRun(ctx, users.map((u) => u.username), s.rate, s.durationS, s.warmupS);
    ctx.log(`steady: direct p50 ${direct.latency.p50} ms, p99 ${direct.latency.p99} ms`);
  } catch (e) {
    direct = { error: String(e) };
  }
  const ratio = (a: number, b: number | undefined) => (b && b > 0 ? round(a / b, 2) : NaN);
  return {
    users: s.users,
    rate: s.rate,
    durationS: s.durationS,
    ours,
    server,
    lag,
    floors,
    direct,
    stages,
    ratios: {
      oursOverFloorP50: ratio(ours.latency.p50, floor && 'latency' in floor ? floor.latency.p50 : undefined),
      oursOverFloorP99: ratio(ours.latency.p99, floor && 'latency' in floor ? floor.latency.p99 : undefined),
      oursOverDirectP50: ratio(ours.latency.p50, 'latency' in direct ? direct.latency.p50 : undefined),
      oursOverDirectP99: ratio(ours.latency.p99, 'latency' in direct ? direct.latency.p99 : undefined),
    },
  };
}

async function directRun(ctx: Context, names: string[], rate: number, durationS: number, warmupS: number) {
  const relay = await startRelay();
  try {
    const users = names.map((username) => ({ username, token: `relay:${username}` }));
    const cluster = await LoadCluster.start({ url: relay.url, users, workers: ctx.settings.workers });
    try {
      await cluster.connect();
      const { result, usage } = await measure(relay, (r) => r.delivered, () =>
        cluster.run({ rate, durationS, warmupS, textBytes: ctx.settings.textBytes }),
      );
      return { ...result, relay: usage };
    } finally {
      await cluster.close();
    }
  } finally {
    await relay.stop();
  }
}

// --- ramp ---------------------------------------------------------------------------------

export interface RampStep {
  rate: number;
  attempt: number;
  achievedRate: number;
  p50: number;
  p99: number;
  lost: number;
  duplicates: number;
  sendErrors: number;
  serverCpuPercent: number;
  machineBusyPercent: number;
  generatorSaturated: boolean;
  passed: boolean;
}

export interface RampResult {
  users: number;
  stepS: number;
  maxP99Ms: number;
  steps: RampStep[];
  /** highest rate with p99 ≤ maxP99Ms, zero loss, and achieved ≥ 95 % of target */
  bestRate: number;
}

export async function ramp(ctx: Context): Promise<RampResult> {
  const s = ctx.settings.ramp;
  const users = await ensureUsers(ctx, s.users);
  const cluster = await LoadCluster.start({ url: ctx.server.url, users, workers: ctx.settings.workers });
  const steps: RampStep[] = [];
  let bestRate = 0;
  try {
    await cluster.connect();
    for (const rate of s.rates.slice(0, 20)) {
      // The machine is shared: a step that fails is tried once more before the ramp stops.
      let step: RampStep | undefined;
      for (let attempt = 1; attempt <= 2; attempt++) {
        const { result: r, usage } = await measure(ctx.server, (x) => x.delivered, () =>
          cluster.run({ rate, durationS: s.stepS, warmupS: 1, textBytes: ctx.settings.textBytes, drainTimeoutS: 10 }),
        );
        const sendErrors = Object.values(r.sendErrors).reduce((a, b) => a + b, 0);
        const passed = r.latency.p99 <= s.maxP99Ms && r.lost === 0 && sendErrors === 0 && r.achievedRate >= rate * 0.95;
        step = {
          rate,
          attempt,
          achievedRate: r.achievedRate,
          p50: r.latency.p50,
          p99: r.latency.p99,
          lost: r.lost,
          duplicates: r.duplicates,
          sendErrors,
          serverCpuPercent: usage.cpuPercent,
          machineBusyPercent: usage.machineBusyPercent,
          generatorSaturated: r.generatorSaturated,
          passed,
        };
        steps.push(step);
        ctx.log(`ramp: ${rate}/s (try ${attempt}) → achieved ${r.achievedRate}/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, lost ${r.lost} ${passed ? 'ok' : 'FAIL'}`);
        // Let the server settle between steps.
        await new Promise((res) => setTimeout(res, 1000));
        if (passed) break;
      }
      if (!step?.passed) break;
      bestRate = rate;
    }
  } finally {
    await cluster.close();
  }
  return { users: s.users, stepS: s.stepS, maxP99Ms: s.maxP99Ms, steps, bestRate };
}

// --- connections --------------------------------------------------------------------------

export interface ConnectionsResult {
  sockets: number;
  users: number;
  socketsPerUser: number;
  connected: number;
  failed: number;
  firstError?: string;
  connectMs: number;
  rssBeforeMB: number;
  rssAfterMB: number;
  rssPerConnectionKB: number;
  clientUlimitN: string;
  serverMaxOpenFiles: string;
  /** RSS measured on a freshly restarted server */
  freshServer: boolean;
}

export async function connections(ctx: Context): Promise<ConnectionsResult> {
  const s = ctx.settings.connections;
  const users = await ensureUsers(ctx, s.users);
  const socketsPerUser = Math.ceil(s.sockets / users.length);
  const chosen = users.slice(0, Math.ceil(s.sockets / socketsPerUser));
  const ulimit = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  let serverMaxOpenFiles = 'unknown';
  if (ctx.server.pid) {
    try {
      serverMaxOpenFiles = /Max open files\s+(\S+)/.exec(readFileSync(`/proc/${ctx.server.pid}/limits`, 'utf8'))?.[1] ?? 'unknown';
    } catch {
      // not Linux
    }
  }
  // Registering users (argon2id, 19 MiB each) leaves native memory the allocator hands back
  // later, which made "RSS after - RSS before" negative. Measure on a freshly restarted server
  // (same data, topics and port) instead, when the bench owns it.
  let restarted = false;
  if (ctx.server.child) {
    await ctx.server.stop();
    ctx.server = await startServer({ kafka: ctx.kafka, sameAs: ctx.server, nodeArgs: ctx.serverNodeArgs ?? [], log: ctx.log });
    restarted = true;
  }
  await new Promise((r) => setTimeout(r, 2000));
  const before = await cpuAndRss(ctx.server);
  const cluster = await LoadCluster.start({ url: ctx.server.url, users: chosen, workers: ctx.settings.workers, socketsPerUser });
  try {
    ctx.log(`connections: ${chosen.length * socketsPerUser} idle sockets (${socketsPerUser} per user), ulimit -n ${ulimit}…`);
    const c = await cluster.connect(200, 300_000);
    // Let handshakes' garbage settle before reading RSS.
    await new Promise((r) => setTimeout(r, 2000));
    const after = await cpuAndRss(ctx.server);
    ctx.log(`connections: ${c.connected} connected in ${c.ms} ms, RSS ${round(before.rss / 2 ** 20, 1)} → ${round(after.rss / 2 ** 20, 1)} MB`);
    return {
      sockets: chosen.length * socketsPerUser,
      users: chosen.length,
      socketsPerUser,
      connected: c.connected,
      failed: c.failed,
      ...(c.firstError ? { firstError: c.firstError } : {}),
      connectMs: c.ms,
      rssBeforeMB: round(before.rss / 2 ** 20, 1),
      rssAfterMB: round(after.rss / 2 ** 20, 1),
      rssPerConnectionKB: c.connected > 0 ? round((after.rss - before.rss) / 1024 / c.connected, 1) : NaN,
      clientUlimitN: ulimit,
      serverMaxOpenFiles,
      freshServer: restarted,
    };
  } finally {
    await cluster.close();
  }
}

// --- fan-in -------------------------------------------------------------------------------

export interface FanInPoint {
  online: number;
  rate: number;
  achievedRate: number;
  p50: number;
  p99: number;
  lost: number;
  duplicates: number;
  serverCpuPercent: number;
  cpuMsPerMessage: number;
  machineBusyPercent: number;
  connectMs: number;
}

export interface FanInResult {
  points: FanInPoint[];
  /** max/min of CPU per message across the points; 1.0 is perfectly flat */
  cpuPerMessageSpread: number;
}

export async function fanIn(ctx: Context): Promise<FanInResult> {
  const s = ctx.settings.fanIn;
  const points: FanInPoint[] = [];
  for (const online of s.users.slice(0, 6)) {
    const users = await ensureUsers(ctx, online);
    const cluster = await LoadCluster.start({ url: ctx.server.url, users, workers: ctx.settings.workers });
    try {
      const c = await cluster.connect(200);
      await new Promise((r) => setTimeout(r, 1000));
      const { result: r, usage } = await measure(ctx.server, (x) => x.delivered, () =>
        cluster.run({ rate: s.rate, durationS: s.durationS, warmupS: 1, textBytes: ctx.settings.textBytes }),
      );
      points.push({
        online,
        rate: s.rate,
        achievedRate: r.achievedRate,
        p50: r.latency.p50,
        p99: r.latency.p99,
        lost: r.lost,
        duplicates: r.duplicates,
        serverCpuPercent: usage.cpuPercent,
        cpuMsPerMessage: usage.cpuMsPerMessage,
        machineBusyPercent: usage.machineBusyPercent,
        connectMs: c.ms,
      });
      ctx.log(`fan-in: ${online} online → ${usage.cpuMsPerMessage} ms CPU/message, p99 ${r.latency.p99} ms`);
    } finally {
      await cluster.close();
    }
  }
  const per = points.map((p) => p.cpuMsPerMessage).filter((v) => Number.isFinite(v) && v > 0);
  return { points, cpuPerMessageSpread: per.length ? round(Math.max(...per) / Math.min(...per), 2) : NaN };
}

// --- catch-up -----------------------------------------------------------------------------

export interface CatchUpResult {
  messages: number;
  accepted: number;
  sendMs: number;
  storeWaitMs: number;
  /** connect() → every message received */
  catchUpMs: number;
  syncDoneMs: number;
  received: number;
  duplicates: number;
  inOrder: boolean;
  lost: number;
}

export async function catchUp(ctx: Context): Promise<CatchUpResult> {
  const n = ctx.settings.catchUp.messages;
  const senders = await ensureUsers(ctx, 20);
  const [bob] = await registerUsers(ctx.server.url, `bob${Date.now().toString(36)}`, 1);
  if (!bob) throw new Error('could not register bob');
  const before = await scrapeMetrics(ctx.server);
  const consumedBefore = metric(before, 'messages_consumed_total') ?? 0;

  // 1. bob is offline: send him n messages as fast as the server takes them (64 in flight).
  ctx.log(`catch-up: sending ${n} messages to an offline user…`);
  const pool = new Pool(ctx.server.url, { connections: 32 });
  const t0 = Date.now();
  let next = 0;
  let accepted = 0;
  // Where Kafka put each accepted message (POST /send's answer): pushed messages do not say.
  const offsetOf = new Map<string, number>();
  const deadline = t0 + 120_000;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < n && Date.now() < deadline) {
        const seq = next++;
        const sender = senders[seq % senders.length];
        if (!sender) break;
        const res = await pool.request({
          method: 'POST',
          path: ApiPaths.send,
          headers: { authorization: `Bearer ${sender.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ to: bob.username, text: `catch-up ${seq}` } satisfies SendBody),
        });
        if (res.statusCode !== 202) {
          await res.body.dump();
          continue;
        }
        const answer = parse(SendResponse, await res.body.json(), 'POST /send answer');
        offsetOf.set(answer.id, Number(answer.offset));
        accepted++;
      }
    }),
  );
  await pool.close();
  const sendMs = Date.now() - t0;

  // 2. Wait (bounded) until the server stored them all, so the backlog is complete.
  const t1 = Date.now();
  for (let i = 0; i < 600; i++) {
    const m = await scrapeMetrics(ctx.server);
    if ((metric(m, 'messages_consumed_total') ?? 0) - consumedBefore >= accepted) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const storeWaitMs = Date.now() - t1;

  // 3. bob connects: time until all n arrived, in Kafka order, each once.
  ctx.log('catch-up: bob connects…');
  const seen = new Set<string>();
  let duplicates = 0;
  let lastOffset = -1;
  let inOrder = true;
  let syncDoneMs = NaN;
  const start = performance.now();
  // A bare socket, not the shared client's subscribe(): that one deduplicates, and duplicates are
  // what this scenario counts.
  const socket: ChatSocket = io(ctx.server.url, { path: SOCKET_PATH, transports: ['websocket'], auth: { token: bob.token, client: 'bot' }, forceNew: true, reconnection: false });
  const catchUpMs = await new Promise<number>((resolve) => {
    const timer = setTimeout(() => resolve(NaN), 120_000);
    const onMessages = (messages: ChatMessage[]) => {
      const ids: string[] = [];
      for (const m of messages) {
        if (m.to !== bob.username) continue;
        ids.push(m.id);
        if (seen.has(m.id)) {
          duplicates++;
          continue;
        }
        seen.add(m.id);
        // All of bob's messages share his partition (key = recipient), so offsets give the order.
        const offset = offsetOf.get(m.id) ?? NaN;
        if (!(offset > lastOffset)) inOrder = false;
        lastOffset = offset;
      }
      for (let i = 0; i < ids.length; i += MAX_ACK_IDS) socket.emit('message:ack', { ids: ids.slice(i, i + MAX_ACK_IDS) }, () => undefined);
      if (seen.size >= accepted) {
        clearTimeout(timer);
        resolve(performance.now() - start);
      }
    };
    socket.on('message:batch', (p) => onMessages(p.messages));
    socket.on('message:new', (p) => onMessages([p.message]));
    socket.on('sync:done', () => {
      syncDoneMs = performance.now() - start;
      if (accepted === 0) resolve(syncDoneMs);
    });
  });
  await new Promise((r) => setTimeout(r, 300));
  socket.close();
  ctx.log(`catch-up: ${seen.size}/${accepted} in ${round(catchUpMs, 1)} ms, in order: ${inOrder}`);
  return {
    messages: n,
    accepted,
    sendMs,
    storeWaitMs,
    catchUpMs: round(catchUpMs, 1),
    syncDoneMs: round(syncDoneMs, 1),
    received: seen.size,
    duplicates,
    inOrder,
    lost: accepted - seen.size,
  };
}
