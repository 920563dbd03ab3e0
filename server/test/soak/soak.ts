// Soak: a bounded, steady load against the real server process (server/dist/server.js) with its
// own single-broker Kafka, restarting the broker every few minutes. Samples the server's RSS and
// open fds (/proc/<pid>/status, /proc/<pid>/fd) and the inbox lag (messages_undelivered from
// /metrics, plus what the test's clients have not received yet). Asserts zero loss, lag back to
// ~0 after every restart, and flat RSS / fd counts (prints the slopes); exits 1 otherwise.
//
//   npm run test:soak                         # 30 minutes, 40 msg/s, a broker restart every 5 min
//   SOAK_MINUTES=5 npm run test:soak          # or: npm run test:soak -- --minutes 5
//   SOAK_RATE=40 SOAK_RESTART_EVERY_MINUTES=5 # knobs; runs shorter than 2 intervals restart at thirds
//
// Not part of `npm test` (the vitest glob is *.test.ts). Needs `npx tsc -b server` first.
import type { SendResponse, SessionResponse } from '@messenger/protocol';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as ioClient, type Socket } from 'socket.io-client';
import { freePort, startKafka, type KafkaCluster } from '../../../scripts/lib/kafka-local.mjs';

const argMinutes = process.argv.indexOf('--minutes');
const MINUTES = Number(argMinutes > 0 ? process.argv[argMinutes + 1] : (process.env.SOAK_MINUTES ?? 30));
const RATE = Number(process.env.SOAK_RATE ?? 40);
const EVERY = Number(process.env.SOAK_RESTART_EVERY_MINUTES ?? 5);
const SAMPLE_MS = 5_000;
const RECIPIENTS = 4;
const LAG_OK = Math.max(5, RATE); // "~0": at most about a second of traffic in flight
if (!(MINUTES > 0 && MINUTES <= 24 * 60 && RATE > 0 && RATE <= 1000)) throw new Error('SOAK_MINUTES in (0, 1440], SOAK_RATE in (0, 1000]');

const SERVER_ENTRY = fileURLToPath(new URL('../../dist/server.js', import.meta.url));
const sleepUntil = (condition: () => boolean | Promise<boolean>, ms: number, every = 200) =>
  (async () => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await condition()) return true;
      await new Promise((r) => setTimeout(r, every));
    }
    return false;
  })();

async function post<T>(url: string, body: unknown, token?: string) {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: (await res.json()) as T };
  } catch {
    return { status: 0, body: undefined as T };
  }
}

function procStats(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

function slopePerMinute(points: { t: number; v: number }[]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mv = points.reduce((a, p) => a + p.v, 0) / n;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.v - mv), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60_000;
}

class Recipient {
  readonly seen = new Map<string, number>();
  socket: Socket | undefined;
  drops = 0;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  constructor(
    readonly url: string,
    readonly username: string,
    readonly token: string,
  ) {}
  connect(): Promise<void> {
    const socket = ioClient(this.url, { auth: { token: this.token }, transports: ['websocket'], reconnection: false, forceNew: true });
    this.socket = socket;
    const take = (ms: { id: string; to: string }[]) => {
      for (const m of ms) {
        if (m.to !== this.username) continue;
        this.seen.set(m.id, (this.seen.get(m.id) ?? 0) + 1);
        this.pending.push(m.id);
      }
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        const ids = this.pending.splice(0);
        for (let i = 0; i < ids.length; i += 500) socket.emit('message:ack', { ids: ids.slice(i, i + 500) });
      }, 100);
    };
    socket.on('message:new', ({ message }: { message: { id: string; to: string } }) => take([message]));
    socket.on('message:batch', ({ messages }: { messages: { id: string; to: string }[] }) => take(messages));
    socket.on('disconnect', () => {
      if (this.closing || this.socket !== socket) return;
      this.drops += 1;
      const retry = () => void this.connect().catch(() => setTimeout(retry, 1000));
      setTimeout(retry, 500);
    });
    return new Promise((resolve, reject) => {
      socket.once('sync:done', () => resolve());
      socket.once('connect_error', reject);
    });
  }
  close() {
    this.closing = true;
    this.socket?.close();
  }
}

async function main() {
  const started = Date.now();
  const log = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${msg}`);
  const restartEvery = MINUTES < 2 * EVERY ? MINUTES / 3 : EVERY;
  const restarts: number[] = [];
  for (let t = restartEvery; t < MINUTES - 1e-9; t += restartEvery) restarts.push(t * 60_000);
  log(`soak: ${MINUTES} min at ${RATE} msg/s, broker restart at ${restarts.map((r) => (r / 60_000).toFixed(1)).join(', ')} min`);

  const kafka: KafkaCluster = await startKafka({ brokers: 1, port: 0 });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'messenger-soak-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const metricsToken = randomBytes(24).toString('hex');
  const server = spawn(process.execPath, [SERVER_ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      KAFKA_BROKERS: kafka.bootstrap,
      KAFKA_TOPIC_PREFIX: `soak${Date.now()}`,
      TOPIC_PARTITIONS: '3',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      WEB_DIST: path.join(dataDir, 'no-web'),
      LOG_LEVEL: 'warn',
      SEND_RATE_PER_MINUTE: '1000000',
      API_RATE_PER_MINUTE: '1000000',
      REGISTER_RATE_PER_MINUTE: '1000',
      KAFKA_SEND_TIMEOUT_MS: '3000',
      METRICS_TOKEN: metricsToken,
      SOCKET_HANDSHAKES_PER_MINUTE: '1000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let serverLog = '';
  server.stdout.on('data', (d: Buffer) => (serverLog = (serverLog + d.toString()).slice(-2_000_000)));
  server.stderr.on('data', (d: Buffer) => (serverLog = (serverLog + d.toString()).slice(-2_000_000)));
  let exited = false;
  server.once('exit', () => (exited = true));
  const failures: string[] = [];
  try {
    if (!(await sleepUntil(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true, 90_000))) {
      throw new Error(`server did not start:\n${serverLog}`);
    }
    const register = async (name: string) => {
      const r = await post<SessionResponse>(`${url}/api/auth/register`, { username: name, password: 'soak soak soak' });
      if (r.status !== 201) throw new Error(`register ${name}: ${r.status}`);
      return { username: name, token: r.body.token };
    };
    const tag = Date.now().toString(36);
    const sender = await register(`soaksender${tag}`);
    const recipients: Recipient[] = [];
    for (let i = 0; i < RECIPIENTS; i++) {
      const u = await register(`soakr${i}${tag}`);
      const r = new Recipient(url, u.username, u.token);
      await r.connect();
      recipients.push(r);
    }

    // --- steady load: RATE msg/s in 100 ms ticks, round-robin over the recipients.
    const accepted = new Map<string, Recipient>();
    let sent = 0;
    let rejected = 0;
    let inFlight = 0;
    let carry = 0;
    const stopAt = started + MINUTES * 60_000;
    const loadTimer = setInterval(() => {
      carry += RATE / 10;
      // Bounded: never more than 4 s of traffic waiting for answers (the outage backs off).
      while (carry >= 1 && inFlight < RATE * 4) {
        carry -= 1;
        const i = sent++;
        const to = recipients[i % RECIPIENTS]!;
        inFlight += 1;
        void post<SendResponse>(`${url}/send`, { to: to.username, text: `s${i}` }, sender.token).then((r) => {
          inFlight -= 1;
          if (r.status === 202) accepted.set(r.body.id, to);
          else rejected += 1;
        });
      }
      if (carry > RATE) carry = 0;
    }, 100);

    const missing = () => [...accepted].filter(([id, r]) => !r.seen.has(id)).length;
    const undelivered = async () => {
      const text = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
        .then((r) => r.text())
        .catch(() => '');
      return Number(/^messages_undelivered (\d+)/m.exec(text)?.[1] ?? NaN);
    };

    // --- sampling
    const samples: { t: number; rssMb: number; fds: number; undelivered: number; missing: number; phase: string }[] = [];
    let phase = 'steady';
    const sample = async () => {
      const s = procStats(server.pid!);
      samples.push({ t: Date.now() - started, ...s, undelivered: await undelivered(), missing: missing(), phase });
    };
    const sampleTimer = setInterval(() => void sample(), SAMPLE_MS);
    await sample();

    // --- broker restarts
    const recoveries: { atMin: number; outageS: number; recoveredS: number; lagAfter: number; missingAfter: number; ok: boolean }[] = [];
    for (const at of restarts) {
      await sleepUntil(() => Date.now() - started >= at, at + 60_000, 500);
      phase = 'restart';
      const t0 = Date.now();
      log('broker: stopping (SIGTERM, controlled shutdown)');
      await kafka.stopNode(1);
      const node = kafka.nodes[0]!;
      node.child = undefined;
      await kafka.startNode(1);
      await kafka.waitReady();
      const outageS = (Date.now() - t0) / 1000;
      log(`broker: back after ${outageS.toFixed(1)} s`);
      // Lag back to ~0: everything accepted so far has reached its client, and the server's
      // undelivered count is down to about a second of traffic.
      const acceptedSoFar = [...accepted];
      const ok = await sleepUntil(
        async () => acceptedSoFar.every(([id, r]) => r.seen.has(id)) && (await undelivered()) <= LAG_OK,
        120_000,
        250,
      );
      const lagAfter = await undelivered();
      const missingAfter = acceptedSoFar.filter(([id, r]) => !r.seen.has(id)).length;
      recoveries.push({ atMin: at / 60_000, outageS, recoveredS: (Date.now() - t0) / 1000, lagAfter, missingAfter, ok });
      log(`recovered: ${ok} in ${((Date.now() - t0) / 1000).toFixed(1)} s, undelivered ${lagAfter}, missing ${missingAfter}`);
      if (!ok) failures.push(`lag did not return to ~0 within 120 s after the restart at ${(at / 60_000).toFixed(1)} min`);
      phase = 'steady';
    }

    await sleepUntil(() => Date.now() >= stopAt, MINUTES * 60_000 + 60_000, 500);
    clearInterval(loadTimer);
    await sleepUntil(() => inFlight === 0, 60_000);
    const drained = await sleepUntil(async () => missing() === 0 && (await undelivered()) === 0, 120_000, 250);
    clearInterval(sampleTimer);
    await sample();

    // --- verdict
    const lost = missing();
    const repeats = recipients.reduce((a, r) => a + [...r.seen.values()].filter((n) => n > 1).length, 0);
    const warm = samples.filter((s) => s.t >= 60_000 || MINUTES < 3);
    const rssSlope = slopePerMinute(warm.map((s) => ({ t: s.t, v: s.rssMb })));
    // fds include the load generator's HTTP connections, which pile up while sends wait out an
    // outage and close afterwards: the slope is taken over each minute's minimum (the floor a
    // leak would raise), and the count after the load drained is compared with the start.
    const floors = new Map<number, { t: number; v: number }>();
    for (const s of samples) {
      const minute = Math.floor(s.t / 60_000);
      const f = floors.get(minute);
      if (!f || s.fds < f.v) floors.set(minute, { t: s.t, v: s.fds });
    }
    const fdSlope = slopePerMinute([...floors.values()]);
    const first = samples[0]!;
    const last = samples.at(-1)!;
    const maxRss = Math.max(...samples.map((s) => s.rssMb));
    if (!drained) failures.push('the inbox did not drain to 0 at the end');
    if (lost > 0) failures.push(`${lost} accepted messages never arrived`);
    if (exited) failures.push('the server process exited');
    if (/unhandled rejection|"level":60/.test(serverLog)) failures.push('unhandled rejection or fatal in the server log');
    // Flat: a leak of 5 MB/min is 150 MB per 30 min soak; fds must not climb with restarts.
    if (rssSlope > 5) failures.push(`RSS grows ${rssSlope.toFixed(2)} MB/min`);
    if (last.fds - first.fds > 20 || (floors.size >= 3 && fdSlope > 2)) failures.push(`fds grow: ${first.fds} → ${last.fds} (${fdSlope.toFixed(2)}/min)`);

    console.log('\nSamples (every ~30 s):');
    console.table(
      samples
        .filter((_, i) => i % 6 === 0 || i === samples.length - 1)
        .map((s) => ({ 't (s)': Math.round(s.t / 1000), 'RSS (MB)': s.rssMb.toFixed(1), fds: s.fds, undelivered: s.undelivered, 'not yet received': s.missing, phase: s.phase })),
    );
    console.log('Broker restarts:');
    console.table(recoveries.map((r) => ({ 'at (min)': r.atMin.toFixed(1), 'broker down→ready (s)': r.outageS.toFixed(1), 'lag ~0 after (s)': r.recoveredS.toFixed(1), 'undelivered then': r.lagAfter, 'missing then': r.missingAfter, ok: r.ok })));
    console.log('Summary:');
    console.table([
      {
        minutes: MINUTES,
        'rate (msg/s)': RATE,
        sent,
        accepted: accepted.size,
        '503/errors': rejected,
        lost,
        'repeats on the wire': repeats,
        'socket drops': recipients.reduce((a, r) => a + r.drops, 0),
        'RSS start→end (MB)': `${first.rssMb.toFixed(1)} → ${last.rssMb.toFixed(1)} (max ${maxRss.toFixed(1)})`,
        'RSS slope (MB/min)': rssSlope.toFixed(3),
        'fds start→end': `${first.fds} → ${last.fds}`,
        'fd floor slope (/min)': fdSlope.toFixed(3),
        'fds max': Math.max(...samples.map((s) => s.fds)),
      },
    ]);
    for (const r of recipients) r.close();
  } catch (error) {
    failures.push(String(error));
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => (exited ? r(undefined) : server.once('exit', r)));
    await kafka.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`SOAK FAILED:\n - ${failures.join('\n - ')}`);
    process.exit(1);
  }
  console.log('SOAK PASSED');
  process.exit(0);
}

void main();
