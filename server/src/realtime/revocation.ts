// Revoked sessions end everywhere before the revoking request is answered. This process closes
// its own sockets; on Postgres every other process drops the sessions from its session cache and
// closes its sockets, then confirms (serverSideEmitWithAck). A process that stays silent (dead,
// not yet noticed by the adapter's heartbeat) is waited for at most SESSION_RECHECK_MS: by then
// whatever it had cached has expired.
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Logger } from 'pino';
import { SESSION_RECHECK_MS, type AuthService } from '../services/auth.service.js';
import type { DomainEvents } from '../services/domain-events.js';
import { sessionRoom, userRoom, type ChatServer } from './context.js';

// What another process asks us to close arrives over Postgres: checked like any other input.
const sessionsCloseCheck = TypeCompiler.Compile(
  Type.Object({
    tokenHashes: Type.Array(Type.String({ maxLength: 128 }), {
      maxItems: 100_000,
    }),
    reason: Type.String({ maxLength: 200 }),
  }),
);
const userCloseCheck = TypeCompiler.Compile(
  Type.Object({
    username: Type.String({ maxLength: 64 }),
    tokenHashes: Type.Array(Type.String({ maxLength: 128 }), {
      maxItems: 100_000,
    }),
    reason: Type.String({ maxLength: 200 }),
  }),
);

export function registerRevocations(d: {
  io: ChatServer;
  auth: AuthService;
  events: DomainEvents;
  clustered: boolean;
  logger: Logger;
}): void {
  const { io, clustered, logger } = d;
  async function tellOthers(send: () => Promise<unknown>) {
    if (!clustered) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no confirmation within ${SESSION_RECHECK_MS} ms`)), SESSION_RECHECK_MS);
    });
    try {
      await Promise.race([send(), late]);
    } catch (error) {
      logger.warn(
        { reason: (error as Error).message },
        'not every process confirmed a revocation; their caches expire within the recheck interval',
      );
    } finally {
      clearTimeout(timer);
    }
  }
  function closeSessions(tokenHashes: string[], reason: string) {
    for (const tokenHash of tokenHashes) {
      io.local.to(sessionRoom(tokenHash)).emit('session:revoked', { reason });
      io.local.in(sessionRoom(tokenHash)).disconnectSockets(true);
    }
  }
  function closeUser(username: string, reason: string) {
    io.local.to(userRoom(username)).emit('session:revoked', { reason });
    io.local.in(userRoom(username)).disconnectSockets(true);
  }
  d.events.on('sessionsRevoked', async ({ tokenHashes, reason }) => {
    closeSessions(tokenHashes, reason);
    await tellOthers(() => io.serverSideEmitWithAck('sessions:close', { tokenHashes, reason }));
  });
  d.events.on('userSignedOut', async ({ username, tokenHashes, reason }) => {
    closeUser(username, reason);
    await tellOthers(() => io.serverSideEmitWithAck('user:close', { username, tokenHashes, reason }));
  });
  io.on('sessions:close', (event, done) => {
    if (!sessionsCloseCheck.Check(event)) return typeof done === 'function' ? done(false) : undefined;
    d.auth.forget(event.tokenHashes);
    closeSessions(event.tokenHashes, event.reason);
    if (typeof done === 'function') done(true);
  });
  io.on('user:close', (event, done) => {
    if (!userCloseCheck.Check(event)) return typeof done === 'function' ? done(false) : undefined;
    d.auth.forget(event.tokenHashes);
    closeUser(event.username, event.reason);
    if (typeof done === 'function') done(true);
  });
}
