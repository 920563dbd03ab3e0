// Who is online anywhere, and when someone comes online or goes offline. The hub tells the
// directory when this process's first socket of a user opens and its last one closes
// (PresenceRegistry counts them); the directory calls `announce` once per real transition.
//
// - Local (SQLite, one process): this process's sockets are all there is.
// - Cluster (Postgres): presence.repository.ts holds a row per (process, user) and a lease per
//   process. A process that dies without a goodbye stops renewing; a survivor reaps its rows
//   within `leaseMs` plus one heartbeat and announces those users offline.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { PresenceRepository } from '../db/presence.repository.js';
import type { PresenceRegistry } from './presence.js';

export interface PresenceDirectory {
  /** This process's first socket of `username` opened. */
  joined(username: string): void;
  /** This process's last socket of `username` closed. */
  left(username: string): void;
  /** Those of `usernames` with an open socket on any process. */
  onlineAmong(usernames: readonly string[]): Promise<Set<string>>;
  /** Resolves once other processes can see this one's users. */
  start(): Promise<void>;
  /** Withdraws this process's users (announcing those now offline) and stops. */
  close(): Promise<void>;
}

/** Tells the user's peers; resolves once the update is handed to socket.io. */
type Announce = (username: string, online: boolean) => Promise<void>;

export function createLocalDirectory(local: PresenceRegistry, announce: Announce): PresenceDirectory {
  return {
    joined: (username) => void announce(username, true),
    left: (username) => void announce(username, false),
    onlineAmong: async (usernames) => new Set(usernames.filter((u) => local.isOnline(u))),
    start: async () => undefined,
    close: async () => undefined,
  };
}

export interface ClusterDirectoryOptions {
  repo: PresenceRepository;
  local: PresenceRegistry;
  announce: Announce;
  logger: Logger;
  /** How long a process counts as alive after its last renewal (PRESENCE_LEASE_MS). */
  leaseMs: number;
  /** Names the process in logs; a random suffix keeps a restart from inheriting its rows. */
  instanceName: string;
}

export function createClusterDirectory(options: ClusterDirectoryOptions): PresenceDirectory {
  const { repo, local, announce, logger, leaseMs } = options;
  const instanceId = `${options.instanceName || os.hostname()}.${randomBytes(6).toString('hex')}`;
  // Renew three times per lease: two renewals may fail (a slow query, a Postgres failover)
  // before the others reap this process.
  const heartbeatMs = Math.max(100, Math.floor(leaseMs / 3));
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> = Promise.resolve();

  // One user's joins and leaves on this process reach the database in the order they happened,
  // so a quick close-and-reopen never ends with the row missing.
  const chains = new Map<string, Promise<void>>();
  // Users whose last update failed (Postgres away): the next heartbeat records them again.
  const unrecorded = new Set<string>();
  function serialize(username: string, step: () => Promise<void>) {
    const next = (chains.get(username) ?? Promise.resolve()).then(step).catch((error: unknown) => {
      unrecorded.add(username);
      logger.warn({ err: error, username }, 'presence update failed; the next heartbeat retries it');
    });
    chains.set(username, next);
    void next.finally(() => {
      if (chains.get(username) === next) chains.delete(username);
    });
  }

  function record(username: string) {
    serialize(username, async () => {
      // Whether the user still has a socket here is read when the step runs, not when it was
      // queued: the database ends up matching this process, whatever happened in between.
      if (closed) return;
      if (local.isOnline(username)) {
        if (await repo.join(instanceId, username)) await announce(username, true);
      } else if (await repo.leave(instanceId, username)) {
        await announce(username, false);
      }
    });
  }

  const leaseEnd = () => new Date(Date.now() + leaseMs).toISOString();

  async function heartbeat() {
    const renewed = await repo.renew(instanceId, leaseEnd());
    // Our lease ran out (a stall longer than the lease) and a survivor reaped our users:
    // record every user we hold again, announcing those who had gone "offline".
    const again = renewed ? [...unrecorded] : local.usernames();
    unrecorded.clear();
    for (const username of again) record(username);
    await Promise.all((await repo.reap(new Date().toISOString())).map((username) => announce(username, false)));
  }

  function tick() {
    beating = beating
      .then(heartbeat)
      .catch((error: unknown) => logger.warn({ err: error }, 'presence heartbeat failed'))
      .finally(() => {
        if (!closed) timer = setTimeout(tick, heartbeatMs).unref();
      });
  }

  return {
    joined: record,
    left: record,
    // This process's own sockets count at once: their row may still be on its way to the
    // database (the first message of a new pair asks right after both connected).
    async onlineAmong(usernames) {
      const online = await repo.onlineAmong(usernames);
      for (const username of usernames) if (local.isOnline(username)) online.add(username);
      return online;
    },

    async start() {
      await repo.renew(instanceId, leaseEnd());
      logger.info({ instanceId, leaseMs }, 'cluster presence started');
      timer = setTimeout(tick, heartbeatMs).unref();
    },

    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      await beating;
      await Promise.allSettled(chains.values());
      // Ending the lease makes our rows reapable; reaping them at once tells peers now instead
      // of after a lease (their clients reconnect elsewhere and come back online there). Awaited:
      // the updates must leave before socket.io and its Postgres connections close.
      try {
        await repo.endLease(instanceId);
        await Promise.all((await repo.reap(new Date().toISOString())).map((username) => announce(username, false)));
      } catch (error) {
        logger.warn({ err: error }, 'presence withdrawal failed; the survivors reap it when the lease ends');
      }
    },
  };
}
