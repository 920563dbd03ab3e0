// Socket events about presence: who among a list of people is online right now. Only people
// who share a conversation or a group with the asker are reported; a stranger is named as such,
// never as online or offline, so the answer tells nothing about someone the asker has never written with.
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
    // Everyone asked about is checked, offline or not: a screen shows "offline" for a peer and
    // nothing for a stranger (issue 18: a new chat claimed "offline" for someone online).
    deps
      .inOrder(async () => {
        const [online, peers] = await Promise.all([deps.directory.onlineAmong(payload.usernames), deps.peers.among(username, payload.usernames)]);
        return {
          online: payload.usernames.filter((u) => online.has(u) && peers.has(u)),
          strangers: payload.usernames.filter((u) => u !== username && !peers.has(u)),
        };
      })
      .then((data) => ack({ ok: true, data }))
      .catch((error: unknown) => {
        deps.logger.warn({ err: error, username }, 'presence query failed');
        ack({ ok: false, error: { code: 'service_unavailable', message: 'Could not read presence; retry.' } });
      });
  });
}
