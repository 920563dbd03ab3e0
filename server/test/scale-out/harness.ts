// Three real server processes on one host, as a scale-out deployment runs them: one topic prefix,
// one Postgres database, one record-signing key, distinct INSTANCE_ID and PORT. Also the two
// clients these tests need: a recipient that fails over to the next live instance by itself (it
// stands in for the load balancer), and a sender that retries 503s and refusals with the same
// Idempotency-Key on the next instance. Every process started here is killed when the test file
// ends, or when its worker exits, whatever the test did.
import type { ServerToClientEvents } from '@messenger/protocol';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { io as ioClient } from 'socket.io-client';
import { describe } from 'vitest';
import { tempDataDir } from '../../../scripts/lib/server-process.mjs';
import { randomName, type ClientSocket } from '../helpers/app.js';
import { databaseEnv, onPostgres } from '../helpers/database.js';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { post, waitUntil } from '../reliability/fault-helpers.js';


/**
 * These files run on Postgres only (`npm test` runs the server suite on both stores): instances
 * on several hosts cannot share one SQLite file. On SQLite the skipped suite says so.
 */
export function describeScaleOut(name: string, body: () => void): void {
  if (onPostgres) describe(name, body);
  else describe.skip(`${name} [needs TEST_DB=postgres: instances on several hosts cannot share a SQLite file]`, body);
}

// Children still running when the worker ends (a crash, a timeout, the runner stopping it) die
// with it. On a signal the default action follows once they are killed: the listener is `once`.
const living = new Set<ServerProcess>();
const killLiving = () => {
  for (const server of living) server.child.kill('SIGKILL');
};
process.once('exit', killLiving);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killLiving();
    process.kill(process.pid, signal);
  });
}

export interface Instance {
  readonly id: string;
  readonly url: string;
  readonly env: Record<string, string>;
  server: ServerProcess | undefined;
}

export class Cluster {
  private constructor(readonly instances: Instance[], private readonly dirs: string[]) {}

  /** Starts one instance per id; the first alone (it creates the topics), the rest together. */
  static async start(ids: string[] = ['a', 'b', 'c']): Promise<Cluster> {
    const shared = tempDataDir('messenger-scale-');
    const common = {
      KAFKA_TOPIC_PREFIX: randomName('so'),
      // The database the name of `shared` gives (helpers/database.ts), passed to every instance.
      ...(await databaseEnv(shared, {})),
      RECORD_SIGNING_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    };
    const instances: Instance[] = [];
    const dirs = [shared];
    for (const id of ids) {
      const dataDir = tempDataDir(`messenger-${id}-`);
      dirs.push(dataDir);
      const port = String(await freePort());
      const env = { ...common, INSTANCE_ID: id, KAFKA_CLIENT_ID: `messenger-${id}`, DATA_DIR: dataDir, PORT: port };
      instances.push({ id, url: `http://127.0.0.1:${port}`, env, server: undefined });
    }
    const cluster = new Cluster(instances, dirs);
    try {
      await cluster.startInstance(ids[0]!);
      await Promise.all(ids.slice(1).map((id) => cluster.startInstance(id)));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get urls(): string[] {
    return this.instances.map((i) => i.url);
  }

  instance(id: string): Instance {
    const found = this.instances.find((i) => i.id === id);
    if (!found) throw new Error(`no instance ${id}`);
    return found;
  }

  url(id: string): string {
    return this.instance(id).url;
  }

  /** Starts (or starts again) an instance with its own unchanged env; resolves once /readyz is 200. */
  async startInstance(id: string): Promise<void> {
    const instance = this.instance(id);
    if (instance.server && instance.server.child.exitCode === null && instance.server.child.signalCode === null) {
      throw new Error(`instance ${id} is already running`);
    }
    const server = await startServerProcess(instance.env);
    living.add(server);
    void server.exited.then(() => living.delete(server));
    instance.server = server;
  }

  /** SIGTERM (a clean shutdown, SIGKILL after 15 s) or SIGKILL; resolves once the process is gone. */
  async stopInstance(id: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const server = this.instance(id).server;
    if (!server) return;
    await server.stop(signal);
  }

  /** Everything the instances logged, for failure messages and log checks. */
  output(id: string): string {
    return this.instance(id).server?.output.join('') ?? '';
  }

  /** Kills what is left and removes the data directories. Safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.server?.stop('SIGKILL')));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

export interface User {
  username: string;
  token: string;
}

export async function registerOn(url: string, username = randomName()): Promise<User> {
  const res = await post<{ token: string }>(url, '/api/auth/register', { username, password: 'three instances, one cluster' });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return { username, token: res.body.token };
}

/** Opens a socket and resolves after `sync:done`, with every event it received recorded. */
export async function connectRecorded(url: string, user: User): Promise<RecordedSocket> {
  const socket: ClientSocket = ioClient(url, {
    auth: { token: user.token, client: 'web' },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const recorded = new RecordedSocket(socket);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no sync:done from ${url} within 30 s`)), 30_000);
    socket.once('sync:done', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return recorded;
}

type EventName = keyof ServerToClientEvents;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

/** A socket whose every incoming event is kept, so a test can wait for one or prove its absence. */
export class RecordedSocket {
  readonly events: { name: string; payload: unknown }[] = [];
  disconnected: string | undefined;

  constructor(readonly socket: ClientSocket) {
    socket.onAny((name: string, payload: unknown) => this.events.push({ name, payload }));
    socket.on('disconnect', (reason) => (this.disconnected = reason));
  }

  of<E extends EventName>(name: E): Payload<E>[] {
    return this.events.filter((e) => e.name === name).map((e) => e.payload as Payload<E>);
  }

  /** Resolves with the first `name` event, past or future, that `match` accepts. */
  async waitFor<E extends EventName>(name: E, match: (payload: Payload<E>) => boolean, ms: number, what: string): Promise<Payload<E>> {
    let found: Payload<E> | undefined;
    await waitUntil(() => (found = this.of(name).find(match)) !== undefined, ms, what, 20);
    return found!;
  }

  /** Asks this socket's instance which of `usernames` are online (peers only, per the protocol). */
  async online(usernames: string[]): Promise<string[]> {
    const answer = await this.socket.timeout(10_000).emitWithAck('presence:query', { usernames });
    if (!answer.ok) throw new Error(`presence:query: ${answer.error.code}`);
    return answer.data.online;
  }

  close(): void {
    this.socket.close();
  }
}

interface Connection {
  /** The instance (its INSTANCE_ID) this connection went to. */
  instance: string;
  url: string;
  /** How each message id arrived on this one connection, in order: catch-up batch or live. */
  arrivals: Map<string, ('batch' | 'new')[]>;
}

/**
 * The recipient: one socket at a time; when it drops without being asked to, the client moves to
 * the next instance in its list that accepts it and catches up there. It acknowledges what it
 * receives as the web app does (coalesced), so the delivery record moves with it.
 */
export class FailoverRecipient {
  readonly connections: Connection[] = [];
  /** Arrivals per id over all connections: what a screen shows after dedupe by id is its keys. */
  readonly union = new Map<string, number>();
  readonly texts = new Map<string, string>();
  /** performance.now() of each id's first arrival, in arrival order. */
  readonly firstArrival = new Map<string, number>();
  /** Failures to reconnect; a test asserts there are none. */
  readonly failures: string[] = [];
  socket: ClientSocket | undefined;
  private index: number;
  private closing = false;
  private pendingAcks: string[] = [];
  private ackTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly instances: readonly { id: string; url: string }[],
    private readonly user: User,
    startAt: number,
    /** How long one failover may search for a live instance. */
    private readonly failoverDeadlineMs = 60_000,
  ) {
    this.index = startAt;
  }

  /** The instance the socket is on now (or tried last). */
  get current(): string {
    return this.instances[this.index]!.id;
  }

  /** Connects to the current instance and resolves after its `sync:done`. */
  async connect(): Promise<void> {
    this.closing = false;
    await this.connectTo(this.instances[this.index]!);
  }

  private connectTo({ id, url }: { id: string; url: string }): Promise<void> {
    const socket: ClientSocket = ioClient(url, {
      auth: { token: this.user.token, client: 'web' },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 5_000,
    });
    const connection: Connection = { instance: id, url, arrivals: new Map() };
    socket.on('message:new', ({ message }) => this.record(connection, socket, [message], 'new'));
    socket.on('message:batch', ({ messages }) => this.record(connection, socket, messages, 'batch'));
    return new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.close();
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error(`no sync:done from ${url} within 30 s`)), 30_000);
      socket.once('connect_error', fail);
      socket.once('disconnect', (reason) => fail(new Error(`${url} dropped the socket before sync:done (${reason})`)));
      socket.once('sync:done', () => {
        clearTimeout(timer);
        socket.removeAllListeners('connect_error');
        socket.removeAllListeners('disconnect');
        this.connections.push(connection);
        this.socket = socket;
        socket.on('disconnect', () => {
          if (this.closing || this.socket !== socket) return;
          this.socket = undefined;
          void this.failover();
        });
        resolve();
      });
    });
  }

  /** Tries the next instances in turn, round after round, until one takes it or the deadline passes. */
  private async failover(): Promise<void> {
    const deadline = Date.now() + this.failoverDeadlineMs;
    let lastError = '';
    for (let attempt = 1; Date.now() < deadline && !this.closing; attempt++) {
      this.index = (this.index + 1) % this.instances.length;
      try {
        await this.connectTo(this.instances[this.index]!);
        return;
      } catch (error) {
        lastError = (error as Error).message;
      }
      // After a full round of refusals, back off a little before the next round (a client does).
      if (attempt % this.instances.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (!this.closing) this.failures.push(`no instance took the socket within ${this.failoverDeadlineMs} ms: ${lastError}`);
  }

  private record(connection: Connection, socket: ClientSocket, messages: { id: string; text: string; to: string }[], via: 'batch' | 'new') {
    const mine: string[] = [];
    for (const m of messages) {
      if (m.to !== this.user.username) continue;
      connection.arrivals.set(m.id, [...(connection.arrivals.get(m.id) ?? []), via]);
      const n = (this.union.get(m.id) ?? 0) + 1;
      this.union.set(m.id, n);
      if (n === 1) {
        this.texts.set(m.id, m.text);
        this.firstArrival.set(m.id, performance.now());
      }
      mine.push(m.id);
    }
    if (mine.length === 0) return;
    // Coalesced as the web app does: the server's event limiter disconnects a client that floods it.
    this.pendingAcks.push(...mine);
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = undefined;
      const ids = this.pendingAcks.splice(0);
      for (let i = 0; i < ids.length; i += 500) {
        void socket.timeout(15_000).emitWithAck('message:ack', { ids: ids.slice(i, i + 500) }).catch(() => undefined);
      }
    }, 100);
  }

  /** Ids the server sent twice on one and the same connection (a screen would show them twice). */
  repeatsOnOneConnection(): { instance: string; id: string; via: string }[] {
    return this.connections.flatMap((c) =>
      [...c.arrivals].filter(([, via]) => via.length > 1).map(([id, via]) => ({ instance: c.instance, id, via: via.join(' then ') })),
    );
  }

  missing(ids: Iterable<string>): string[] {
    return [...ids].filter((id) => !this.union.has(id));
  }

  /** Longest time between two consecutive first arrivals. */
  longestGapMs(): number {
    let longest = 0;
    const times = [...this.firstArrival.values()];
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
    return longest;
  }

  async waitFor(ids: Iterable<string>, ms: number): Promise<void> {
    const all = [...ids];
    await waitUntil(() => this.missing(all).length === 0, ms, `${all.length} messages`, 50).catch((error: unknown) => {
      const missing = this.missing(all);
      throw new Error(`${(error as Error).message}: ${missing.length} missing, e.g. ${missing.slice(0, 3).join(', ')}`);
    });
  }

  close(): void {
    this.closing = true;
    clearTimeout(this.ackTimer);
    this.socket?.close();
    this.socket = undefined;
  }
}

export interface Load {
  /** Idempotency-Key → the id of the accepted (202) message. */
  readonly accepted: Map<string, string>;
  /** Message id → performance.now() of its 202. */
  readonly acceptedAt: Map<string, number>;
  /** Answers other than 202, 503 and no answer: each one is a defect. */
  readonly refused: string[];
  readonly attempts: number;
  readonly retries: number;
  readonly started: number;
  /** Lets messages up to `count` (in total) go. */
  release(count: number): void;
  /** Changes the pace from the next message on. */
  setRate(perSecond: number): void;
  /** Resolves when every released message is accepted or the deadline passed. */
  done(): Promise<void>;
}

/**
 * `total` messages from `from` to `to`, at most `ratePerSecond`, `concurrency` in flight, each
 * with its own Idempotency-Key. A 503 or no answer is retried with the same key on the next
 * instance in `urls()` (a load balancer's behaviour) until `deadlineMs` after the start.
 * Messages go only as far as released: all at once unless `released` says fewer.
 */
export function startLoad(options: {
  urls: () => string[];
  from: User;
  to: string;
  total: number;
  ratePerSecond: number;
  concurrency: number;
  deadlineMs: number;
  released?: number;
}): Load {
  const { total, concurrency } = options;
  let ratePerSecond = options.ratePerSecond;
  const tag = randomName('m');
  const deadline = Date.now() + options.deadlineMs;
  const accepted = new Map<string, string>();
  const acceptedAt = new Map<string, number>();
  const refused: string[] = [];
  let released = options.released ?? total;
  // Workers with nothing released to send park here; release(), done() and the deadline wake them.
  const parked: (() => void)[] = [];
  const wakeAll = () => parked.splice(0).forEach((wake) => wake());
  const deadlineTimer = setTimeout(wakeAll, options.deadlineMs + 50);
  let next = 0;
  let nextSlot = performance.now();
  let attempts = 0;
  let retries = 0;

  const sendOne = async (i: number) => {
    const key = `${tag}-${i}`;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const urls = options.urls();
      const url = urls[(i + attempt) % urls.length]!;
      attempts += 1;
      if (attempt > 0) retries += 1;
      const res = await post<{ id: string }>(url, '/send', { to: options.to, text: `${tag} ${i}` }, {
        token: options.from.token,
        headers: { 'idempotency-key': key },
        hangGuardMs: 10_000,
      });
      if (res.status === 202) {
        accepted.set(key, res.body.id);
        acceptedAt.set(res.body.id, performance.now());
        return;
      }
      if (res.status !== 503 && res.status !== 0) {
        refused.push(`${res.status} ${JSON.stringify(res.body)}`);
        return;
      }
      // Down or unavailable: the next instance, after a short pause once every instance failed.
      if ((attempt + 1) % urls.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const worker = async () => {
    while (next < total && Date.now() < deadline) {
      if (next >= released) {
        await new Promise<void>((resolve) => parked.push(resolve));
        continue;
      }
      const i = next++;
      // Paced: one message per 1/rate, also right after a release (no burst of a whole chunk).
      const slot = Math.max(performance.now(), nextSlot);
      nextSlot = slot + 1000 / ratePerSecond;
      const wait = slot - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await sendOne(i);
    }
  };
  const workers = Promise.all(Array.from({ length: concurrency }, worker)).finally(() => clearTimeout(deadlineTimer));

  return {
    accepted,
    acceptedAt,
    refused,
    get attempts() {
      return attempts;
    },
    get retries() {
      return retries;
    },
    get started() {
      return next;
    },
    release(count: number) {
      released = Math.min(total, Math.max(released, count));
      wakeAll();
    },
    setRate(perSecond: number) {
      ratePerSecond = perSecond;
      nextSlot = Math.min(nextSlot, performance.now() + 1000 / perSecond);
    },
    async done() {
      released = total;
      wakeAll();
      await workers;
    },
  };
}

export interface DeliveryReport {
  sent: number;
  accepted: number;
  delivered: number;
  lost: number;
  /** Delivered ids no 202 named: a key that became two messages, or a message from nowhere. */
  unexpected: number;
  repeatedOnOneConnection: number;
  connections: number;
  retries: number;
  longestGapMs: number;
  /** The longest any accepted message waited between its 202 and the recipient's screen. */
  longestWaitMs: number;
}

/** The numbers the closing note quotes, printed as one line and returned for the assertions. */
export function reportDeliveries(label: string, load: Load, recipient: FailoverRecipient): DeliveryReport {
  const acceptedIds = new Set(load.accepted.values());
  const report: DeliveryReport = {
    sent: load.started,
    accepted: acceptedIds.size,
    delivered: [...acceptedIds].filter((id) => recipient.union.has(id)).length,
    lost: recipient.missing(acceptedIds).length,
    unexpected: [...recipient.union.keys()].filter((id) => !acceptedIds.has(id)).length,
    repeatedOnOneConnection: recipient.repeatsOnOneConnection().length,
    connections: recipient.connections.length,
    retries: load.retries,
    longestGapMs: Math.round(recipient.longestGapMs()),
    longestWaitMs: Math.round(
      Math.max(0, ...[...load.acceptedAt].map(([id, at]) => (recipient.firstArrival.get(id) ?? performance.now()) - at)),
    ),
  };
  console.log(
    `${label}: sent ${report.sent}, accepted ${report.accepted}, delivered ${report.delivered}, lost ${report.lost}, ` +
      `unexpected ${report.unexpected}, repeated on one connection ${report.repeatedOnOneConnection}, ` +
      `connections ${report.connections} (${recipient.connections.map((c) => c.instance).join(' → ')}), ` +
      `send retries ${report.retries}, longest gap between deliveries ${report.longestGapMs} ms, ` +
      `longest wait from 202 to screen ${report.longestWaitMs} ms`,
  );
  return report;
}
