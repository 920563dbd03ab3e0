// Shared by the fault-injection tests: a Kafka of their own, an HTTP client with latency, a
// recipient that counts every arrival per id, and bounded concurrency. No fixed sleeps: every
// wait is a poll on a condition with a deadline.
import type { SendResponse, SessionResponse } from '@messenger/protocol';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { io as ioClient } from 'socket.io-client';
import type { KafkaCluster } from '../../../scripts/lib/kafka-local.mjs';
import { randomName, type ClientSocket } from '../helpers/app.js';
import { waitUntil } from '../helpers/wait.js';

/** Starts a Kafka owned by the calling test file (never the shared one: these tests kill it). */
export async function ownKafka(brokers: 1 | 3 = 1): Promise<KafkaCluster> {
  const { startKafka } = await import('../../../scripts/lib/kafka-local.mjs');
  return startKafka({ brokers, port: 0, heap: brokers === 3 ? '384m' : '512m' });
}

export function adminFor(bootstrap: string): Admin {
  return new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
}

export { waitUntil };

export interface HttpResult<T> {
  status: number;
  body: T;
  retryAfter: string | null;
  ms: number;
  /** Set when the request never got an answer (network error or the hang guard). */
  error?: string;
}

/** POST JSON; never throws: a failure is status 0 with `error`. `hangGuardMs` aborts a hung request. */
export async function post<T>(
  baseUrl: string,
  path: string,
  body: unknown,
  options: { token?: string; headers?: Record<string, string>; signal?: AbortSignal; hangGuardMs?: number } = {},
): Promise<HttpResult<T>> {
  const started = performance.now();
  const signal = options.signal ?? AbortSignal.timeout(options.hangGuardMs ?? 60_000);
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started };
  } catch (error) {
    return { status: 0, body: undefined as T, retryAfter: null, ms: performance.now() - started, error: String(error) };
  }
}

export async function registerUser(baseUrl: string, username = randomName()) {
  const res = await post<SessionResponse>(baseUrl, '/api/auth/register', { username, password: 'faults are normal' });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return { username, token: res.body.token };
}

export function sendMessage(baseUrl: string, token: string, to: string, text: string, headers: Record<string, string> = {}, hangGuardMs?: number) {
  return post<SendResponse>(baseUrl, '/send', { to, text }, { token, headers, ...(hangGuardMs ? { hangGuardMs } : {}) });
}

/** Runs `fn(0..count-1)` with at most `concurrency` at a time. */
export async function pool<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/**
 * The recipient's view across reconnects: every arrival counted per id (raw), what a client
 * would show (deduped by id), and acknowledgements sent as a client sends them.
 */
export class Inbox {
  readonly arrivals = new Map<string, number>();
  readonly texts = new Map<string, string>();
  readonly order: string[] = [];
  socket: ClientSocket | undefined;
  syncs = 0;
  /** Disconnects the test did not ask for (each followed by a reconnect, as a client does). */
  readonly drops: string[] = [];
  private pendingAcks: string[] = [];
  private ackTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly baseUrl: string,
    private readonly user: { username: string; token: string },
    private readonly options: { ack?: boolean } = {},
  ) {}

  private record(messages: { id: string; text: string; to: string }[], socket: ClientSocket) {
    const mine: string[] = [];
    for (const m of messages) {
      if (m.to !== this.user.username) continue;
      const n = (this.arrivals.get(m.id) ?? 0) + 1;
      this.arrivals.set(m.id, n);
      if (n === 1) {
        this.order.push(m.id);
        this.texts.set(m.id, m.text);
      }
      mine.push(m.id);
    }
    // Acks are coalesced as the web app does (one event per burst, not one per message): the
    // server's socket event limiter disconnects a client that floods it.
    if (this.options.ack !== false && mine.length > 0) {
      this.pendingAcks.push(...mine);
      this.ackTimer ??= setTimeout(() => {
        this.ackTimer = undefined;
        const ids = this.pendingAcks.splice(0);
        for (let i = 0; i < ids.length; i += 500) {
          void socket
            .timeout(15_000)
            .emitWithAck('message:ack', { ids: ids.slice(i, i + 500) })
            .catch(() => undefined);
        }
      }, 100);
    }
  }

  /** Connects and resolves after `sync:done` (the backlog has been sent). */
  async connect(): Promise<{ delivered: number }> {
    const socket: ClientSocket = ioClient(this.baseUrl, {
      auth: { token: this.user.token, client: 'web' },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.socket = socket;
    this.closing = false;
    socket.on('disconnect', (reason) => {
      if (this.closing || this.socket !== socket) return;
      this.drops.push(reason);
      void this.connect().catch(() => undefined);
    });
    socket.on('message:new', ({ message }) => this.record([message], socket));
    socket.on('message:batch', ({ messages }) => this.record(messages, socket));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no sync:done within 30 s')), 30_000);
      socket.once('sync:done', (done) => {
        clearTimeout(timer);
        this.syncs += 1;
        resolve(done);
      });
      socket.once('connect_error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  close() {
    this.closing = true;
    this.socket?.close();
    this.socket = undefined;
  }

  /** Ids seen more than once on the wire. */
  get repeats(): string[] {
    return [...this.arrivals].filter(([, n]) => n > 1).map(([id]) => id);
  }

  missing(ids: Iterable<string>): string[] {
    return [...ids].filter((id) => !this.arrivals.has(id));
  }

  async waitFor(ids: Iterable<string>, ms: number): Promise<void> {
    const all = [...ids];
    await waitUntil(() => this.missing(all).length === 0, ms, `${all.length} messages`, 50).catch(
      (error: unknown) => {
        throw new Error(`${(error as Error).message}: ${this.missing(all).length} missing, e.g. ${this.missing(all).slice(0, 3).join(', ')}`);
      },
    );
  }
}

/** For failure messages: where are the missing messages (history store, topic), and the lag. */
export async function whereAre(missing: string[], env: Record<string, string>, bootstrap: string): Promise<string> {
  let inStore: number;
  if (env.DATABASE_URL?.startsWith('postgres')) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    inStore = (await client.query('select id from messages where id = any($1)', [missing])).rowCount ?? 0;
    await client.end();
  } else {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(`${env.DATA_DIR}/messenger.sqlite`, { readonly: true });
    inStore = missing.filter((id) => db.prepare('select 1 from messages where id = ?').get(id)).length;
    db.close();
  }
  const topic = `${env.KAFKA_TOPIC_PREFIX}.messages`;
  const admin = adminFor(bootstrap);
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const history = await admin.fetchOffsets({ groupId: `${env.KAFKA_TOPIC_PREFIX}.history`, topics: [topic] });
    const { Kafka, logLevel } = await import('kafkajs');
    const consumer = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).consumer({ groupId: `diag-${Date.now()}` });
    const want = new Set(missing);
    const found: string[] = [];
    const total = ends.reduce((a, e) => a + Number(e.high), 0);
    let read = 0;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 20_000);
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          read += 1;
          const id = (JSON.parse(message.value?.toString() ?? '{}') as { id?: string }).id ?? '';
          if (want.has(id)) found.push(`${id}@${partition}:${message.offset}`);
          if (read >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    return JSON.stringify({
      missing: missing.length,
      inTopic: found.slice(0, 5),
      read,
      inStore,
      ends: ends.map((e) => `${e.partition}:${e.high}`),
      historyCommitted: history[0]?.partitions.map((p) => `${p.partition}:${p.offset}`),
    });
  } finally {
    await admin.disconnect();
  }
}
