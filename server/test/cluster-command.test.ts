// `npm run cluster` for real, from outside, as its user would: three Kafka brokers, Postgres,
// three instances and HAProxy, reached only through the URL it prints. Then SIGTERM: nothing it
// started may outlive it. Slow by nature (three JVMs, initdb, three servers): one start serves
// every check, and the file runs once (scripts/test.mjs keeps it out of the Postgres pass).
import type { ClientToServerEvents, ServerToClientEvents, SessionResponse } from '@messenger/protocol';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let cluster: ChildProcess;
let output = '';
let exit: Promise<number | string | null>;
let url = '';
const sockets: ClientSocket[] = [];

/** Start time of `pid` (field 22 of /proc/<pid>/stat), so a reused pid is not taken for ours. */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Every process below `root` (brokers, Postgres and its backends, instances, HAProxy). */
function descendants(root: number): Map<number, string | undefined> {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const found = new Map<number, string | undefined>();
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    found.set(pid, startTime(pid));
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

async function register(username: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery' }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as SessionResponse).token;
}

function connect(token: string, transports: ('websocket' | 'polling')[]): Promise<ClientSocket> {
  // withCredentials: in Node, socket.io-client then keeps a cookie jar, as a browser would, so
  // the balancer's stickiness cookie comes back on each long-polling request.
  // The Origin a browser sends from the app served through the balancer: the instances must allow it.
  const socket: ClientSocket = ioClient(url, {
    auth: { token, client: 'web' },
    transports,
    upgrade: false,
    reconnection: false,
    forceNew: true,
    withCredentials: true,
    extraHeaders: { origin: url },
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${transports.join('+')} socket: connect timed out`)), 15_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves with the text once `socket` receives a message whose text is `text`, live or in a batch. */
function received(socket: ClientSocket, text: string, ms = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message "${text}" within ${ms} ms`)), ms);
    const check = (texts: string[]) => {
      if (!texts.includes(text)) return;
      clearTimeout(timer);
      resolve(text);
    };
    socket.on('message:new', ({ message }) => check([message.text]));
    socket.on('message:batch', ({ messages }) => check(messages.map((m) => m.text)));
  });
}

beforeAll(async () => {
  // A clean environment, as on a newcomer's machine: not the test run's broker or database.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  for (const name of ['JAVA_HOME', 'KAFKA_CACHE_DIR', 'XDG_CACHE_HOME', 'POSTGRES_BIN', 'HAPROXY_BIN']) {
    if (process.env[name]) env[name] = process.env[name] as string;
  }
  cluster = spawn(process.execPath, ['scripts/cluster.mjs', '--fresh', '--port', '0', '--kafka-port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  cluster.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  cluster.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  exit = new Promise((resolve) => cluster.once('exit', (code, signal) => resolve(code ?? signal)));
  let exited = false;
  void exit.then(() => (exited = true));
  await waitUntil(() => exited || /\[cluster\] +Data: /.test(output), 240_000, 'the cluster to print its URL', 200).catch((error: Error) => {
    throw new Error(`${error.message}\n${output.slice(-4000)}`);
  });
  if (exited) throw new Error(`the cluster command exited before it was ready:\n${output.slice(-4000)}`);
  url = /The messenger is running at (http:\/\/\S+)/.exec(output)?.[1] ?? '';
}, 300_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  if (cluster && cluster.exitCode === null && cluster.signalCode === null) {
    cluster.kill('SIGTERM');
    await exit;
  }
}, 90_000);

describe('npm run cluster', () => {
  it('prints the balancer URL and each instance with its URL, pid and INSTANCE_ID', () => {
    expect(url).toMatch(/^http:\/\/localhost:\d+$/);
    const instances = [...output.matchAll(/instance ([a-c]): (http:\/\/127\.0\.0\.1:\d+) {2}pid (\d+) {2}INSTANCE_ID=([a-c])/g)];
    expect(instances.map((m) => m[1])).toEqual(['a', 'b', 'c']);
    expect(instances.every((m) => m[1] === m[4])).toBe(true);
    expect(new Set(instances.map((m) => m[2])).size).toBe(3);
    expect(output).toMatch(/Kafka: \S+,\S+,\S+ \(3 brokers, replication factor 3, min\.insync\.replicas 2\)/);
  });

  it('answers /readyz through the balancer, from every instance in turn', async () => {
    const seen = new Set<string>();
    // Bounded: 30 requests; without a stickiness cookie, least-connections spreads them.
    for (let i = 0; i < 30 && seen.size < 3; i += 1) {
      const response = await fetch(`${url}/readyz`);
      expect(response.status).toBe(200);
      seen.add(response.headers.get('x-messenger-instance') ?? '?');
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });

  it('serves the web app through the balancer', async () => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('delivers a POST /send through the balancer to sockets connected through it, over WebSocket and over long-polling', async () => {
    const alice = `a${randomBytes(5).toString('hex')}`;
    const bob = `b${randomBytes(5).toString('hex')}`;
    const aliceToken = await register(alice);
    const bobToken = await register(bob);
    // Long-polling sends each request of a session separately: only the stickiness cookie keeps
    // them on the one instance that knows the session.
    const [overWebSocket, overPolling] = await Promise.all([connect(bobToken, ['websocket']), connect(bobToken, ['polling'])]);
    const text = `hello through the balancer ${randomBytes(4).toString('hex')}`;
    const arrivals = Promise.all([received(overWebSocket, text), received(overPolling, text)]);
    const response = await fetch(`${url}/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json', 'idempotency-key': randomBytes(8).toString('hex') },
      body: JSON.stringify({ to: bob, text }),
    });
    expect(response.status).toBe(202);
    expect(await arrivals).toEqual([text, text]);
    // Still on one instance after the message: a few more polling round trips went through.
    expect(overPolling.connected).toBe(true);
  });

  it('stops everything it started on SIGTERM', async () => {
    const started = descendants(cluster.pid as number);
    // Three JVMs, a postmaster, three servers and HAProxy at least.
    expect(started.size).toBeGreaterThanOrEqual(8);
    const dataDir = /Data: (\S+) \(deleted on exit\)/.exec(output)?.[1] ?? '';
    expect(fs.existsSync(dataDir)).toBe(true);
    cluster.kill('SIGTERM');
    const code = await Promise.race([exit, new Promise((resolve) => setTimeout(() => resolve('still running after 60 s'), 60_000))]);
    expect(code).toBe(0);
    const survivors = [...started].filter(([pid, since]) => since !== undefined && startTime(pid) === since);
    expect(survivors.map(([pid]) => `${pid}: ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`)).toEqual([]);
    expect(fs.existsSync(dataDir)).toBe(false);
  }, 90_000);
});
