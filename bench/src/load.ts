// Drives the load worker processes: connect sockets, run open-loop /send load, gather results.
import { fork, type ChildProcess } from 'node:child_process';
import { siblingEntry, type BenchUser } from './env.js';
import { judgeGroupRun, type GroupJudgement } from './group-tally.js';
import type { FromWorker, RunGroup, ToWorker, WorkerResult } from './protocol.js';
import { histogram, round, summarize, type Histogram, type LatencySummary } from './stats.js';

const WORKER_ENTRY = siblingEntry('load-worker.js');

export interface GeneratorStats {
  workerId: number;
  cpuPercent: number;
  eventLoopUtilization: number;
  capped: number;
  maxSlipMs: number;
  disconnects: number;
}

/**
 * One run. In a group run `delivered`, `lost`, `duplicates` and `deliveredRate` count copies (one
 * per member of the message's group, the sender included), `latency` is send → the last member's
 * copy, and `group` has the details.
 */
export interface LoadRunResult {
  targetRate: number;
  durationS: number;
  issued: number;
  accepted: number;
  delivered: number;
  lost: number;
  duplicates: number;
  deliveredNotAccepted: number;
  stray: number;
  /** WebSocket frames the generators' sockets received in the run, by event (catch-up included) */
  frames: Record<string, number>;
  sendErrors: Record<string, number>;
  acknowledged: number;
  ackErrors: number;
  achievedRate: number;
  deliveredRate: number;
  latency: LatencySummary;
  /** POST /send start → 202 received by the generator */
  answerLatency: LatencySummary;
  histogram: Histogram;
  sentPerSecond: number[];
  deliveredPerSecond: number[];
  drainMs: number;
  generator: GeneratorStats[];
  generatorSaturated: boolean;
  /** the server answered too slowly: requests outstanding hit the cap, so sends fell behind schedule */
  backpressured: boolean;
  group?: Omit<GroupJudgement, 'lastMember' | 'histogram'>;
}

class Worker {
  private waiters: { type: FromWorker['type']; resolve: (m: FromWorker) => void; reject: (e: Error) => void }[] = [];
  constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromWorker) => {
      if (m.type === 'error') {
        for (const w of this.waiters.splice(0)) w.reject(new Error(`load worker failed: ${m.message}`));
        return;
      }
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve(m);
    });
    child.on('exit', (code) => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`load worker exited (${code})`));
    });
  }
  request<T extends FromWorker['type']>(msg: ToWorker, type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load worker: no ${type} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<FromWorker, { type: T }>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send(msg);
    });
  }
}

export class LoadCluster {
  private constructor(
    private readonly workers: Worker[],
    readonly socketCount: number,
  ) {}

  /**
   * Forks `workerCount` processes and splits the users (and their sockets) between them. With
   * several URLs (server instances behind no balancer), sockets and POSTs go to them round-robin.
   */
  static async start(opts: { url: string | string[]; users: BenchUser[]; workers: number; socketsPerUser?: number }): Promise<LoadCluster> {
    const urls = typeof opts.url === 'string' ? [opts.url] : opts.url;
    if (urls.length === 0) throw new Error('LoadCluster: no server URL');
    const n = Math.max(1, Math.min(opts.workers, opts.users.length));
    const recipients = opts.users.map((u) => u.username);
    const workers: Worker[] = [];
    for (let w = 0; w < n; w++) {
      const child = fork(WORKER_ENTRY, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const worker = new Worker(child);
      workers.push(worker);
      const mine = opts.users.map((u, index) => ({ ...u, index })).filter((_, index) => index % n === w);
      await worker.request(
        { cmd: 'init', workerId: w, urls, users: mine, recipients, socketsPerUser: opts.socketsPerUser ?? 1 },
        'ready',
        30_000,
      );
    }
    return new LoadCluster(workers, opts.users.length * (opts.socketsPerUser ?? 1));
  }

  async connect(concurrencyPerWorker = 100, timeoutMs = 300_000) {
    const started = Date.now();
    const replies = await Promise.all(
      this.workers.map((w) => w.request({ cmd: 'connect', concurrency: concurrencyPerWorker, timeoutMs }, 'connected', timeoutMs + 30_000)),
    );
    return {
      ms: Date.now() - started,
      connected: replies.reduce((a, r) => a + r.connected, 0),
      failed: replies.reduce((a, r) => a + r.failed, 0),
      firstError: replies.find((r) => r.firstError)?.firstError,
    };
  }

  async run(opts: {
    rate: number;
    durationS: number;
    warmupS?: number;
    textBytes?: number;
    activeCount?: number;
    drainTimeoutS?: number;
    connectionsPerWorker?: number;
    /** group mode: send to these groups (members by index in the cluster's user list) */
    groups?: RunGroup[];
  }): Promise<LoadRunResult> {
    const tag = Math.random().toString(36).slice(2, 8);
    const n = this.workers.length;
    const startAt = Date.now() + 300;
    const durationMs = Math.round(opts.durationS * 1000);
    const sent = await Promise.all(
      this.workers.map((w) =>
        w.request(
          {
            cmd: 'run',
            tag,
            rate: opts.rate / n,
            durationMs,
            warmupMs: Math.round((opts.warmupS ?? 0) * 1000),
            startAt,
            textBytes: opts.textBytes ?? 100,
            activeCount: opts.activeCount ?? Number.MAX_SAFE_INTEGER,
            maxOutstanding: 5000,
            connections: opts.connectionsPerWorker ?? 128,
            ...(opts.groups ? { groups: opts.groups } : {}),
          },
          'sent',
          durationMs + 120_000,
        ),
      ),
    );
    const expected = sent.reduce((a, s) => a + s.expected, 0);
    // Wait (bounded) until every accepted message reached its recipient (each member, in a group).
    const drainStart = Date.now();
    const drainUntil = drainStart + (opts.drainTimeoutS ?? 15) * 1000;
    for (;;) {
      const counts = await Promise.all(this.workers.map((w) => w.request({ cmd: 'count' }, 'count', 10_000)));
      if (counts.reduce((a, c) => a + c.received, 0) >= expected || Date.now() > drainUntil) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const drainMs = Date.now() - drainStart;
    // Let the last acknowledgements go out before collecting.
    await new Promise((r) => setTimeout(r, 300));
    const results = (await Promise.all(this.workers.map((w) => w.request({ cmd: 'collect' }, 'result', 60_000)))).map((r) => r.result);
    const issued = sent.reduce((a, s) => a + s.issued, 0);
    const r = aggregate(results, opts.rate, opts.durationS, issued, drainMs);
    return opts.groups ? withGroups(r, results, startAt + Math.round((opts.warmupS ?? 0) * 1000)) : r;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null) return resolve();
            const t = setTimeout(() => {
              w.child.kill('SIGKILL');
              resolve();
            }, 10_000);
            w.child.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            w.child.send({ cmd: 'close' } satisfies ToWorker);
          }),
      ),
    );
  }
}

/** A group run's verdict in place of the 1:1 counts: copies, and latency to the last member. */
function withGroups(r: LoadRunResult, results: WorkerResult[], warmupEnd: number): LoadRunResult {
  const j = judgeGroupRun(
    results.flatMap((w) => w.group?.expected ?? []),
    results.map((w) => w.group?.arrivals ?? []),
    results.reduce((a, w) => a + (w.group?.duplicates ?? 0), 0),
    warmupEnd,
  );
  const { lastMember, histogram: h, ...group } = j;
  return {
    ...r,
    delivered: j.delivered,
    lost: j.lost,
    duplicates: j.duplicates,
    deliveredNotAccepted: j.deliveredNotAccepted,
    deliveredRate: round(j.delivered / r.durationS, 1),
    latency: lastMember,
    histogram: h,
    group,
  };
}

function addSeries(into: number[], from: number[]) {
  from.forEach((v, i) => (into[i] = (into[i] ?? 0) + v));
}

function aggregate(results: WorkerResult[], rate: number, durationS: number, issued: number, drainMs: number): LoadRunResult {
  const received = new Map<string, number>();
  let stray = 0;
  let acknowledged = 0;
  let ackErrors = 0;
  const sendErrors: Record<string, number> = {};
  const frames: Record<string, number> = {};
  const sentPerSecond: number[] = [];
  const deliveredPerSecond: number[] = [];
  let latencyCount = 0;
  for (const r of results) {
    for (const [k, c] of r.received) received.set(k, (received.get(k) ?? 0) + c);
    stray += r.stray;
    acknowledged += r.acknowledged;
    ackErrors += r.ackErrors;
    for (const [k, v] of Object.entries(r.sendErrors)) sendErrors[k] = (sendErrors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.frames)) frames[k] = (frames[k] ?? 0) + v;
    addSeries(sentPerSecond, r.sentPerSecond);
    addSeries(deliveredPerSecond, r.deliveredPerSecond);
    latencyCount += r.latencies.length;
  }
  const latencies = new Float64Array(latencyCount);
  let o = 0;
  for (const r of results) {
    latencies.set(r.latencies, o);
    o += r.latencies.length;
  }
  const acceptedKeys = new Set<string>();
  for (const r of results) for (const k of r.accepted) acceptedKeys.add(k);
  let lost = 0;
  for (const k of acceptedKeys) if (!received.has(k)) lost++;
  let duplicates = 0;
  let deliveredNotAccepted = 0;
  for (const [k, c] of received) {
    duplicates += c - 1;
    if (!acceptedKeys.has(k)) deliveredNotAccepted++;
  }
  const generator = results.map((r) => ({
    workerId: r.workerId,
    cpuPercent: round(((r.cpuUserMs + r.cpuSystemMs) / Math.max(1, r.wallMs)) * 100, 1),
    eventLoopUtilization: round(r.eventLoopUtilization, 3),
    capped: r.capped,
    maxSlipMs: round(r.maxSlipMs, 1),
    disconnects: r.disconnects,
  }));
  return {
    targetRate: rate,
    durationS,
    issued,
    accepted: acceptedKeys.size,
    delivered: received.size,
    lost,
    duplicates,
    deliveredNotAccepted,
    stray,
    frames,
    sendErrors,
    acknowledged,
    ackErrors,
    achievedRate: round(acceptedKeys.size / durationS, 1),
    deliveredRate: round(received.size / durationS, 1),
    latency: summarize(latencies),
    answerLatency: summarize(Float64Array.from(results.flatMap((r) => Array.from(r.answerLatencies)))),
    histogram: histogram(latencies),
    sentPerSecond,
    deliveredPerSecond,
    drainMs,
    generator,
    // A generator that used most of its loop, or fell behind schedule while it still had requests
    // to spare, measures itself (or a starved CPU), not the server.
    generatorSaturated: generator.some((g) => g.eventLoopUtilization > 0.9 || (g.capped === 0 && g.maxSlipMs > 100)),
    backpressured: generator.some((g) => g.capped > 0),
  };
}

/** "2.00 (message:new 1.00, receipt:update 1.00)": what a message costs on the wire. */
export function framesPerMessage(frames: Record<string, number> | undefined, accepted: number): string {
  if (!frames || accepted === 0) return 'n/a';
  const per = (n: number) => (n / accepted).toFixed(2);
  const total = Object.values(frames).reduce((a, b) => a + b, 0);
  const parts = Object.entries(frames)
    .sort(([, a], [, b]) => b - a)
    .map(([event, n]) => `${event} ${per(n)}`);
  return `${per(total)} (${parts.join(', ')})`;
}
