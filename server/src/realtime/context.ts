// What the hub, the socket handlers and catch-up share: the typed socket.io server and socket,
// the hub's dependencies, and room names. It imports none of them, so none imports the hub.
import type { ChatMessage, ClientToServerEvents, MessageUpdate, ServerToClientEvents } from '@messenger/protocol';
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type { Config } from '../config.js';
import type { GroupsRepository } from '../db/groups.repository.js';
import type { MessageChangesRepository } from '../db/message-changes.repository.js';
import type { MessagesRepository } from '../db/messages.repository.js';
import type { PresenceRepository } from '../db/presence.repository.js';
import type { PubSubPool } from '../db/postgres.js';
import type { KafkaBus } from '../kafka/bus.js';
import type { Metrics } from '../plugins/metrics.js';
import type { AuthService } from '../services/auth.service.js';
import type { DomainEventMap, DomainEvents } from '../services/domain-events.js';
import type { GroupsService } from '../services/groups.service.js';
import type { Peers } from '../services/peers.js';
import type { ProfilesService } from '../services/profiles.service.js';
import type { EventLimiter } from './event-limiter.js';
import type { SenderReceipt } from './receipts.js';

export interface SocketData {
  username: string;
  tokenHash: string;
  /** Null: an API token without expiry. */
  expiresAt: string | null;
  client: 'web' | 'agent' | 'bot';
  limiter: EventLimiter;
  /**
   * Per partition, how far the store was filled when catch-up began: a record below it reached
   * this socket through catch-up (or was delivered before), so it is never pushed live to it.
   */
  storedAtSync?: ReadonlyMap<number, number>;
}

/** A message on its way to sockets, with where Kafka put it (which stays on the server). */
export interface Positioned {
  message: ChatMessage;
  partition: number;
  offset: number;
  /** The socket the sender sent it from (unverified: the hub checks it is the sender's). */
  originSocket?: string | undefined;
}

/** A change's `message:update` on its way to one user's sockets, with where Kafka put the change. */
export interface PositionedUpdate {
  update: MessageUpdate;
  /** The change record's key: the one user whose acknowledgement of it counts. */
  recipient: string;
  partition: number;
  offset: number;
}

/** What waits for a socket still catching up: messages and updates, in the order they came. */
export type Held = Positioned | PositionedUpdate;

/**
 * Between server processes (serverSideEmit, Postgres only): these sessions are revoked; drop
 * them from the session cache, close their sockets, then acknowledge. One event per revocation,
 * so each process tells its sockets why before closing them (a room emit and a
 * disconnectSockets() would be two NOTIFYs whose order across processes is not kept).
 */
export interface ServerSideEvents {
  'sessions:close': (event: { tokenHashes: string[]; reason: string }, done: (ok: boolean) => void) => void;
  'user:close': (event: { username: string; tokenHashes: string[]; reason: string }, done: (ok: boolean) => void) => void;
  /** Delivered receipts another process gathered: push each to our sockets of its sender. */
  'receipts:delivered': (batch: SenderReceipt[]) => void;
  /** A group changed on another process: our listeners (member-list caches) hear it too. */
  'group:changed': (change: DomainEventMap['groupChanged']) => void;
}

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;

/** Set when several processes share a Postgres store: socket.io and presence span them. */
export interface ClusterDeps {
  /** The socket.io adapter's own connections; realtime closes it. */
  pubsub: PubSubPool;
  presence: PresenceRepository;
}

export interface RealtimeDeps {
  server: HttpServer;
  config: Config;
  auth: AuthService;
  messages: MessagesRepository;
  /** Changes to messages (message actions): catch-up's undelivered ones, and the views they carry. */
  changes: MessageChangesRepository;
  groups: GroupsRepository;
  /** Group views for `group:update` pushes. */
  groupsService: GroupsService;
  /** Who hears whose presence: conversation partners and co-members. */
  peers: Peers;
  /** Profiles as stored, for `profile:update` pushes. */
  profiles: Pick<ProfilesService, 'profileOf'>;
  bus: KafkaBus;
  /** Per partition, how far the history store is filled (everything below is stored). */
  storedPositions: () => ReadonlyMap<number, number>;
  /** Per partition, how far the store is filled right now (read from the store itself). */
  storedNow: () => Promise<ReadonlyMap<number, number>>;
  metrics: Metrics;
  logger: Logger;
  events: DomainEvents;
  cluster: ClusterDeps | undefined;
}

export const userRoom = (username: string) => `user:${username}`;

/** Runs one socket's database-bound handlers one after another, in the order its events came. */
export type InOrder = <T>(task: () => Promise<T>) => Promise<T>;

export function createInOrder(): InOrder {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}
export const sessionRoom = (tokenHash: string) => `session:${tokenHash.slice(0, 32)}`;
