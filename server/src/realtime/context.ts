// What the hub, the socket handlers and catch-up share: the typed socket.io server and socket,
// the hub's dependencies, and room names. It imports none of them, so none imports the hub.
import type { ClientToServerEvents, ServerToClientEvents } from '@messenger/protocol';
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type { Config } from '../config.js';
import type { MessagesRepository } from '../db/messages.repository.js';
import type { Watermark } from '../delivery/watermark.js';
import type { KafkaBus } from '../kafka/bus.js';
import type { Metrics } from '../plugins/metrics.js';
import type { AuthService } from '../services/auth.service.js';
import type { EventLimiter } from './event-limiter.js';

export interface SocketData {
  username: string;
  tokenHash: string;
  expiresAt: string;
  client: 'web' | 'agent' | 'bot';
  limiter: EventLimiter;
}

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface RealtimeDeps {
  server: HttpServer;
  config: Config;
  auth: AuthService;
  messages: MessagesRepository;
  bus: KafkaBus;
  /** Per partition, how far the history store is filled (everything below is stored). */
  storedPositions: () => ReadonlyMap<number, number>;
  /** How far this process's live consumer has pushed, per partition (catch-up waits on it). */
  pushed: Pick<Watermark, 'until'>;
  metrics: Metrics;
  logger: Logger;
}

export const userRoom = (username: string) => `user:${username}`;
