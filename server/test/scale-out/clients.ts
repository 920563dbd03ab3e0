// The clients of the scale-out tests: a socket that records every event it receives, and the
// recipient that fails over to the next live instance by itself when its socket drops (it stands
// in for the load balancer) and counts what each connection received.
import type { ServerToClientEvents } from '@messenger/protocol';
import { io as ioClient } from 'socket.io-client';
import { randomName, type ClientSocket } from '../helpers/app.js';
import { post, waitUntil } from '../reliability/fault-helpers.js';

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
