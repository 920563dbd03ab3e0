// The production store's connections: the one module that imports `pg`. Kysely's
// PostgresDialect runs every query through the main pool; the socket.io adapter's LISTEN/NOTIFY
// has connections of its own (see openPubSubPool). All share one error path.
import { PostgresDialect } from 'kysely';
import pg from 'pg';

export type PubSubPool = ReturnType<typeof openPubSubPool>;

export interface PostgresOptions {
  /** The connection URL; it may carry a password, so it is never logged. */
  url: string;
  /** Connections this process may hold (DATABASE_POOL_MAX). */
  poolMax: number;
  /** A connection failed (Postgres restarted, the network dropped): pg replaces it. */
  onConnectionError: (error: Error) => void;
}

// Kafka offsets and seq are BIGINT, which pg returns as strings by default. Every such value
// the messenger stores is far below 2^53, so numbers are exact; anything larger is refused loudly
// rather than rounded.
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`BIGINT ${text} does not fit a JavaScript number`);
  return value;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

const PING_TIMEOUT_MS = 2000;
const LISTEN_RETRY_MS = 1000;

/** A LISTEN held open on one pooled connection; re-established after the connection drops. */
export interface Listening {
  close(): Promise<void>;
}

function createPool(options: PostgresOptions, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    types,
    // A database that does not answer fails the request (503 via the error handler) instead of
    // queueing it forever.
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    application_name: applicationName,
  });
  // pg emits 'error' on a client whose connection drops, even while a query on it is failing
  // already; the pool listens only to idle clients. Without a listener on each client a Postgres
  // restart mid-query would crash the process (test/database-outage.test.ts). Each drop is told
  // once, by the client's listener; the pool's is there so its re-emit of idle errors is heard.
  pool.on('connect', (client) => client.on('error', options.onConnectionError));
  pool.on('error', () => undefined);
  return pool;
}

const PUBSUB_END_WAIT_MS = 2000;

/**
 * What @socket.io/postgres-adapter takes as its "pool", built for two of its habits:
 * - It publishes with `pool.query()` and emits to local sockets only once that query returns.
 *   On a pool of several connections two NOTIFYs race, and typing "true" then "false" arrived
 *   reversed, even on the same process (test/realtime-extras.test.ts on Postgres). Here every
 *   publish goes through one connection, in order.
 * - It holds its LISTEN connection from `pool.connect()` and, when that connection drops, takes
 *   a new one without releasing the dead one: a real pool loses a slot each time, and pool.end()
 *   waits for it forever (shutdown hung after test/database-outage.test.ts). Here `connect()`
 *   opens a client of its own, which nothing needs to return.
 * Only `connect` and `query` are used by the adapter (0.5.x); the cast to pg.Pool says so.
 */
export function openPubSubPool(options: Omit<PostgresOptions, 'poolMax'>) {
  const publisher = createPool({ ...options, poolMax: 1 }, 'messenger-publish');
  const listeners = new Set<pg.Client>();
  const facade = {
    query: publisher.query.bind(publisher),
    async connect() {
      const client = new pg.Client({ connectionString: options.url, types, application_name: 'messenger-listen' });
      client.on('error', options.onConnectionError);
      listeners.add(client);
      client.once('end', () => listeners.delete(client));
      try {
        await client.connect();
      } catch (error) {
        listeners.delete(client);
        throw error;
      }
      return Object.assign(client, { release: () => void client.end().catch(() => undefined) });
    },
  };
  return {
    pool: facade as unknown as pg.Pool,
    async close(): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const ended = Promise.all([publisher.end(), ...[...listeners].map((c) => c.end().catch(() => undefined))]);
      await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, PUBSUB_END_WAIT_MS)))]);
      clearTimeout(timer);
    },
  };
}

export function openPostgres(options: PostgresOptions) {
  const pool = createPool(options, 'messenger');
  /**
   * LISTENs on `channel` over a connection of its own (taken from the pool, so the one limit
   * holds), and hands every payload to `onPayload`. A dropped connection is replaced after a
   * second; notifications sent meanwhile are lost, so callers must not rely on them alone.
   */
  function listen(channel: string, onPayload: (payload: string) => void, onDown: (error: Error) => void): Listening {
    let closed = false;
    let client: pg.PoolClient | undefined;
    let retry: NodeJS.Timeout | undefined;
    const connect = async () => {
      if (closed) return;
      let c: pg.PoolClient | undefined;
      try {
        c = await pool.connect();
        const held = c;
        held.on('notification', (n) => {
          if (n.channel === channel && n.payload !== undefined) onPayload(n.payload);
        });
        held.once('error', (error: Error) => {
          held.release(error);
          if (client === held) client = undefined;
          onDown(error);
          if (!closed) retry = setTimeout(() => void connect(), LISTEN_RETRY_MS);
        });
        await held.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        if (closed) {
          held.release();
          return;
        }
        client = held;
      } catch (error) {
        c?.release(error as Error);
        onDown(error as Error);
        if (!closed) retry = setTimeout(() => void connect(), LISTEN_RETRY_MS);
      }
    };
    void connect();
    return {
      async close() {
        closed = true;
        clearTimeout(retry);
        const held = client;
        client = undefined;
        if (!held) return;
        await held.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
        held.release();
      },
    };
  }

  return {
    listen,
    dialect: new PostgresDialect({ pool }),
    ping: async (): Promise<boolean> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
      });
      try {
        return await Promise.race([pool.query('SELECT 1 AS ok').then((r) => r.rowCount === 1), timeout]);
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
