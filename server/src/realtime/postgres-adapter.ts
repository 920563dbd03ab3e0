// socket.io across processes over Postgres LISTEN/NOTIFY (@socket.io/postgres-adapter): a
// broadcast to a room, a disconnectSockets() and a serverSideEmit() reach every process that
// shares the database. The one module that imports the adapter, and the one place that reads
// one of its internals (see `listening`).
import { createAdapter } from '@socket.io/postgres-adapter';
import type { Logger } from 'pino';
import type { PubSubPool } from '../db/postgres.js';
import type { ChatServer } from './context.js';

const LISTEN_DEADLINE_MS = 10_000;

export async function attachPostgresAdapter(io: ChatServer, pubsub: PubSubPool, logger: Logger): Promise<void> {
  io.adapter(
    createAdapter(pubsub.pool, {
      // Without a handler the adapter only writes failures to `debug`; a dropped LISTEN
      // connection is retried by the adapter itself (every ~2 s).
      errorHandler: (error: Error) => logger.warn({ reason: error.message }, 'socket.io postgres adapter error'),
    }),
  );
  // The adapter takes a pool connection and LISTENs in the background, and says nothing when it
  // is done; events other processes publish before that are lost to this one. Startup waits
  // until its pub/sub client holds the listening connection (the private `client.client`), so
  // a server that answers /readyz hears the cluster: test/cross-instance-events.test.ts emits
  // across instances right after they start.
  const adapter = io.of('/').adapter as unknown as { client?: { client?: unknown } };
  const deadline = Date.now() + LISTEN_DEADLINE_MS;
  while (adapter.client?.client === undefined) {
    if (Date.now() > deadline) {
      logger.warn('the socket.io postgres adapter is not listening yet; cross-instance events may be late');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
