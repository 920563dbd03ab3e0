// Socket events about presence: who among a list of people is online right now. Only people
// who share a conversation or a group with the asker are reported; a stranger reads as offline, so the
// answer tells nothing about someone the asker has never written with.
import { PresenceQuery } from '@messenger/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Logger } from 'pino';
import type { Peers } from '../services/peers.js';
import type { ChatSocket, InOrder } from './context.js';
import { invalid } from './messages.handlers.js';
import type { PresenceDirectory } from './presence-directory.js';

const queryCheck = TypeCompiler.Compile(PresenceQuery);

export function registerPresenceHandlers(
  socket: ChatSocket,
  deps: { directory: PresenceDirectory; peers: Peers; logger: Logger; inOrder: InOrder },
): void {
  const { username } = socket.data;
  socket.on('presence:query', (payload, ack) => {
    if (typeof ack !== 'function') return;
    if (!queryCheck.Check(payload)) return ack(invalid('presence:query takes { usernames: [...] } (at most 200)'));
    // Ask about peers only among those online: offline people need no permission check.
    deps
      .inOrder(async () => {
        const online = await deps.directory.onlineAmong(payload.usernames);
        const peers = await deps.peers.among(username, [...online]);
        return payload.usernames.filter((u) => online.has(u) && peers.has(u));
      })
      .then((online) => ack({ ok: true, data: { online } }))
      .catch((error: unknown) => {
        deps.logger.warn({ err: error, username }, 'presence query failed');
        ack({ ok: false, error: { code: 'service_unavailable', message: 'Could not read presence; retry.' } });
      });
  });
}
