// The system under test: a local Kafka, the messenger server (or running ones), the direct
// relay, and the users the load needs.
import { createClient, isRetryable } from '@messenger/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort, startServerProcess, tempDataDir } from '../../scripts/lib/server-process.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export { SERVER_ENTRY } from '../../scripts/lib/server-process.mjs';

/**
 * A compiled sibling script (for fork/spawn). Under vitest this module runs from src/*.ts, so the
 * scripts come from dist/ (npm run build first).
 */
export function siblingEntry(name: string): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? path.join(path.dirname(here), '../dist', name) : path.join(path.dirname(here), name);
}
export const RELAY_ENTRY = siblingEntry('relay.js');

export interface KafkaHandle {
  bootstrap: string;
  stop(): Promise<void>;
  owned: boolean;
}

/** Uses KAFKA_BROKERS when set, else starts a fresh single-node Kafka (scripts/lib/kafka-local.mjs). */
export async function startKafka(log: (line: string) => void): Promise<KafkaHandle> {
  const existing = process.env.KAFKA_BROKERS;
  if (existing) {
    for (const b of existing.split(',')) assertLoopback(`kafka://${b}`);
    return { bootstrap: existing, stop: async () => undefined, owned: false };
  }
  const url = pathToFileURL(path.join(REPO_ROOT, 'scripts/lib/kafka-local.mjs')).href;
  const mod = (await import(url)) as {
    startKafka(o: { port: number; brokers?: number; log?: (l: string) => void }): Promise<{ bootstrap: string; stop(): Promise<void> }>;
  };
  log('starting a local Kafka (scripts/lib/kafka-local.mjs)…');
  const k = await mod.startKafka({ port: 0, brokers: 1 });
  return { bootstrap: k.bootstrap, stop: () => k.stop(), owned: true };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Refuses anything but loopback: this harness must never load someone else's machine. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!LOOPBACK.has(host) && !host.startsWith('127.')) {
    throw new Error(`refusing non-loopback target ${url}: the bench only runs against this machine`);
  }
}

export interface ServerHandle {
  url: string;
  pid: number | undefined;
  child: ChildProcess | undefined;
  env: Record<string, string>;
  /** The bearer token its /metrics answers (METRICS_TOKEN); none for the relay. */
  metricsToken?: string;
  /** Lines an owned server has logged so far (at LOG_LEVEL=warn: warnings and errors). */
  loggedLines?: () => number;
  stop(): Promise<void>;
}

/** The environment the bench gives the server: rate limits out of the way of the load. */
export function benchServerEnv(kafka: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: kafka,
    KAFKA_TOPIC_PREFIX: `bench${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // Lowest cost the server accepts (these are also its OWASP defaults); the server refuses lower.
    ARGON2_MEMORY_KIB: '19456',
    ARGON2_TIME_COST: '2',
    REGISTER_RATE_PER_MINUTE: '100000',
    LOGIN_RATE_PER_MINUTE: '100000',
    LOGIN_IP_RATE_PER_MINUTE: '100000',
    SEND_RATE_PER_MINUTE: '1000000',
    API_RATE_PER_MINUTE: '1000000',
    SOCKET_EVENTS_PER_SECOND: '200',
    // The connections scenario opens thousands of sockets from loopback.
    SOCKET_HANDSHAKES_PER_MINUTE: '1000000',
    ...extra,
  };
}

const MAX_SERVER_LINES_SHOWN = 50;

export async function startServer(opts: {
  kafka: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
  log: (line: string) => void;
  /** Restart: the exact environment of a previous server (same data, topics and port). */
  sameAs?: ServerHandle;
  /** Another build's server.js (--compare); default this checkout's server/dist. */
  entry?: string;
  /** How its log lines are prefixed (default "server", or "server <INSTANCE_ID>"). */
  name?: string;
}): Promise<ServerHandle> {
  const dataDir = opts.sameAs?.env.DATA_DIR ?? tempDataDir('messenger-bench-');
  const port = opts.sameAs?.env.PORT ?? String(await freePort());
  const env = opts.sameAs
    ? opts.sameAs.env
    : {
        // /metrics is off unless a token is set; the bench reads it, so it makes one per server.
        METRICS_TOKEN: randomBytes(24).toString('hex'),
        ...benchServerEnv(opts.kafka, opts.env),
        DATA_DIR: dataDir,
        WEB_DIST: path.join(dataDir, 'no-web'),
        PORT: port,
      };
  const server = await startServerProcess({
    env,
    nodeArgs: opts.nodeArgs ?? [],
    cwd: dataDir,
    keepOutput: 200,
    ...(opts.entry ? { entry: opts.entry } : {}),
  });
  // LOG_LEVEL=warn: what the server prints from here on is worth seeing in the bench log. Its
  // logger writes to stdout (the warnings of a run went unseen while only stderr was read);
  // a server that warns per message would flood the log, so only the first lines are shown.
  let logged = 0;
  const name = opts.name ?? (env.INSTANCE_ID ? `server ${env.INSTANCE_ID}` : 'server');
  const show = (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (!line.trim()) continue;
      logged++;
      if (logged <= MAX_SERVER_LINES_SHOWN) opts.log(`${name}: ${line.trim().slice(0, 300)}`);
      else if (logged === MAX_SERVER_LINES_SHOWN + 1) opts.log(`${name}: (further lines not shown)`);
    }
  };
  server.child.stdout?.on('data', show);
  server.child.stderr?.on('data', show);
  return {
    url: server.url,
    pid: server.child.pid,
    child: server.child,
    env,
    metricsToken: env.METRICS_TOKEN,
    loggedLines: () => logged,
    async stop() {
      await server.stop('SIGTERM', 20_000);
    },
  };
}

export function externalServer(url: string, metricsToken?: string): ServerHandle {
  assertLoopback(url);
  return { url: url.replace(/\/$/, ''), pid: undefined, child: undefined, env: {}, metricsToken, stop: async () => undefined };
}

/** The direct relay (HTTP → socket.io, no Kafka), as a child process like the server. */
export async function startRelay(): Promise<ServerHandle> {
  const port = await freePort();
  const child = spawn(process.execPath, [RELAY_ENTRY], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('relay did not start within 20 s')), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('relay listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error('relay exited early')));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    child,
    env: {},
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Parses the Prometheus text format into name{labels} → value. */
export async function scrapeMetrics(server: Pick<ServerHandle, 'url' | 'metricsToken'>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!server.metricsToken) return out;
  try {
    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${server.metricsToken}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) return out;
    for (const line of (await res.text()).split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const i = line.lastIndexOf(' ');
      out.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
  } catch {
    // unreachable: the caller sees no figures rather than a failed run
  }
  return out;
}

export function metric(m: Map<string, number>, prefix: string): number | undefined {
  for (const [k, v] of m) if (k === prefix || k.startsWith(`${prefix}{`)) return v;
  return undefined;
}

export interface BenchUser {
  username: string;
  token: string;
}

/**
 * Registers `count` users (bounded concurrency) through the shared client. Each costs one argon2id
 * hash on the server, ~25-30 ms of CPU at the server's minimum parameters; that is what bounds
 * this step.
 */
export async function registerUsers(url: string, prefix: string, count: number, concurrency = 8): Promise<BenchUser[]> {
  const users: BenchUser[] = new Array<BenchUser>(count);
  let next = 0;
  const deadline = Date.now() + 15 * 60_000;
  async function one(i: number) {
    const username = `${prefix}${i}`;
    let last: unknown;
    // A busy server may answer 503 or 429: try again a few times. Any other answer is final.
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const session = await createClient({ baseUrl: url, timeoutMs: 60_000 }).register(username, 'bench password');
        users[i] = { username, token: session.token };
        return;
      } catch (error) {
        last = error;
        if (!isRetryable(error)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new Error(`could not register ${username}: ${last instanceof Error ? `${last.name} ${last.message}` : String(last)}`);
  }
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count && Date.now() < deadline) await one(next++);
    }),
  );
  // Array.from: some() skips the holes of an array made with new Array(count).
  if (Array.from(users).some((u) => u === undefined)) throw new Error('user registration timed out');
  return users;
}
