// Boots the real app against the test run's Kafka broker and a fresh database (a SQLite file, or
// with TEST_DB=postgres a database of its own), on port 0.
import type { ClientToServerEvents, ReceiptUpdate, ServerToClientEvents, SessionResponse } from '@messenger/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import { waitUntil } from './wait.js';
// Brings the app's decorations (repos, bus, database…) into the test's types.
import type {} from '../../src/plugins/core.js';
import { loadConfig } from '../../src/config.js';
import { loggerOptions } from '../../src/logger.js';
import { databaseEnv } from './database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const history = new WeakMap<ClientSocket, [string, unknown][]>();

/** Every frame the socket heard so far, in order: [event, payload]. Counts frames per message. */
export function heard(socket: ClientSocket): readonly [string, unknown][] {
  return history.get(socket) ?? [];
}

/** Calls `handler` for every past and future `event` on the socket. */
function onEvery<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
  handler: (payload: Parameters<ServerToClientEvents[E]>[0]) => void,
) {
  // A receipt:update frame carries its round's other changes in `more`: each is heard on its
  // own, as a client applies them, so a match on one change's ids cannot miss it.
  const each = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
    if (event !== 'receipt:update') return handler(payload);
    const { more, ...first } = payload as ReceiptUpdate;
    for (const change of [first, ...(more ?? [])]) handler(change as Parameters<ServerToClientEvents[E]>[0]);
  };
  for (const [name, payload] of history.get(socket) ?? []) {
    if (name === event) each(payload as Parameters<ServerToClientEvents[E]>[0]);
  }
  socket.on(event, each as never);
  return () => socket.off(event, each as never);
}

export function randomName(prefix = 'u'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export interface TestApp {
  app: Awaited<ReturnType<typeof buildApp>>;
  url: string;
  prefix: string;
  dataDir: string;
  env: Record<string, string>;
  logs: string[];
  close(): Promise<void>;
}

/** Starts an app. Pass `env` from an earlier app to restart "the same server" (same topic, same DB). */
export async function startApp(env: Record<string, string> = {}): Promise<TestApp> {
  const prefix = env.KAFKA_TOPIC_PREFIX ?? randomName('t');
  const dataDir = env.DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'messenger-test-'));
  const fullEnv: Record<string, string> = {
    KAFKA_BROKERS: inject('kafkaBrokers'),
    KAFKA_TOPIC_PREFIX: prefix,
    DATA_DIR: dataDir,
    TOPIC_PARTITIONS: '3',
    WEB_DIST: path.join(dataDir, 'no-web'),
    LOG_LEVEL: 'info',
    INBOX_COMMIT_INTERVAL_MS: '50',
    LOGIN_RATE_PER_MINUTE: '1000',
    LOGIN_IP_RATE_PER_MINUTE: '1000',
    REGISTER_RATE_PER_MINUTE: '1000',
    // Suites open many sockets from one address; the throttle has its own test (privacy.test.ts).
    SOCKET_HANDSHAKES_PER_MINUTE: '1000000',
    ...(await databaseEnv(dataDir, env)),
    ...env,
  };
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = loadConfig(fullEnv);
  // The server's own logger options (redaction, serializers), so tests see what production logs.
  const app = await buildApp(config, { logger: { ...loggerOptions(config.logLevel), stream } });
  // Port 0 unless the test names one (to know the server's own origin before it starts).
  await app.listen({ port: env.PORT ? config.port : 0, host: '127.0.0.1' });
  // The consumers join their groups in the background (startup never waits on a group);
  // tests start from a consuming server, as they did when startup waited for the join.
  await waitUntil(
    () => app.bus.consumerState() === 'consuming' && app.bus.liveState() === 'consuming',
    60_000,
    'the history and live consumers to join their groups',
    20,
  );
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    prefix,
    dataDir,
    env: fullEnv,
    logs,
    close: () => app.close(),
  };
}

/**
 * One app for the whole test file: started in beforeAll, closed and its data removed in afterAll.
 * The returned object reads through to that app, so tests use it as they would the app itself.
 */
export function appPerFile(env: Record<string, string> = {}): TestApp {
  let started: TestApp | undefined;
  beforeAll(async () => {
    started = await startApp(env);
  });
  afterAll(async () => {
    await started?.close();
    if (started) removeDir(started.dataDir);
  });
  return new Proxy({} as TestApp, {
    get(_target, key) {
      if (!started) throw new Error('the app of this file starts in beforeAll; use it inside a test or a hook');
      return Reflect.get(started, key) as unknown;
    },
  });
}

export function removeDir(dir: string) {
  rmSync(dir, { recursive: true, force: true });
}

export async function register(t: TestApp, username = randomName(), password = 'correct horse battery') {
  const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username, password } });
  if (res.statusCode !== 201) throw new Error(`register ${username}: ${res.statusCode} ${res.body}`);
  const session = res.json<SessionResponse>();
  return { username, password, token: session.token };
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

export async function send(t: TestApp, token: string, to: string, text: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/send', headers: { ...bearer(token), ...headers }, payload: { to, text } });
}

/** A socket.io client as the browser or the agent would open it; resolves once connected. */
export function connect(
  t: Pick<TestApp, 'url'>,
  token: string,
  options: { origin?: string; headers?: Record<string, string>; before?: (socket: ClientSocket) => void } = {},
): Promise<ClientSocket> {
  const socket: ClientSocket = ioClient(t.url, {
    path: '/socket.io',
    auth: { token, client: 'web' },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { ...options.headers, ...(options.origin ? { origin: options.origin } : {}) },
    autoConnect: false,
  });
  // Everything the socket hears is recorded from the first packet, so helpers attached after
  // `await connect()` still see what the server sent along with the connect (catch-up).
  const heard: [string, unknown][] = [];
  history.set(socket, heard);
  socket.onAny((event: string, payload: unknown) => heard.push([event, payload]));
  options.before?.(socket);
  socket.connect();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket connect timed out')), 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
}

/** Resolves with the first `event` payload that satisfies `match`, or rejects after `ms`. */
export function waitFor<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
  match: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
  ms = 15_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${String(event)}`));
    }, ms);
    let done = false;
    let off = () => {};
    const handler = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      if (done || !match(payload)) return;
      done = true;
      clearTimeout(timer);
      off();
      resolve(payload);
    };
    off = onEvery(socket, event, handler);
    if (done) off();
  });
}

/** Collects every message a socket receives (live and catch-up), deduped by id as clients do. */
export function collectMessages(socket: ClientSocket) {
  const byId = new Map<string, { text: string; from: string }>();
  const order: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let raw = 0;
  const add = (m: { id: string; text: string; from: string }) => {
    raw += 1;
    if (byId.has(m.id)) return;
    byId.set(m.id, m);
    order.push(m.id);
    for (const w of waiters.filter((w) => order.length >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  onEvery(socket, 'message:new', ({ message }) => add(message));
  onEvery(socket, 'message:batch', ({ messages }) => messages.forEach(add));
  return {
    get texts() {
      return order.map((id) => byId.get(id)?.text);
    },
    get ids() {
      return [...order];
    },
    /** Every arrival, repeats included. */
    get received() {
      return raw;
    },
    /** Resolves once `n` distinct messages arrived; rejects after `ms`. */
    until(n: number, ms = 20_000): Promise<void> {
      if (order.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`expected ${n} messages, got ${order.length}`));
        }, ms);
        waiters.push(waiter);
      });
    },
  };
}

/** Acks every message addressed to `me` as a client should; `settled()` waits for the answers. */
export function autoAck(socket: ClientSocket, me: string) {
  const pending = new Set<Promise<unknown>>();
  const ack = (ids: string[]) => {
    if (ids.length === 0) return;
    const p = socket.timeout(10_000).emitWithAck('message:ack', { ids });
    pending.add(p);
    void p.catch(() => undefined).finally(() => pending.delete(p));
  };
  onEvery(socket, 'message:new', ({ message }) => ack(message.to === me ? [message.id] : []));
  onEvery(socket, 'message:batch', ({ messages }) => ack(messages.filter((m) => m.to === me).map((m) => m.id)));
  return {
    settled: async () => {
      await Promise.all([...pending]);
    },
  };
}
