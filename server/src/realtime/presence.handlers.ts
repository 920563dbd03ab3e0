// Socket events about presence: who among a list of people is online right now. Only people
// who share a conversation with the asker are reported; a stranger reads as offline, so the
// answer tells nothing about someone the asker has never written with.
import { PresenceQuery } from '@messenger/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Logger } from 'pino';
import type { MessagesRepository } from '../db/messages.repository.js';
import type { ChatServer, ChatSocket } from './context.js';
import { invalid } from './messages.handlers.js';
import type { PresenceRegistry } from './presence.js';

const queryCheck = TypeCompiler.Compile(PresenceQuery);

export function registerPresenceHandlers(
  socket: ChatSocket,
  deps: { io: ChatServer; presence: PresenceRegistry; messages: MessagesRepository; logger: Logger },
): void {
  const { username } = socket.data;
  socket.on('presence:query', (payload, ack) => {
    if (typeof ack !== 'function') return;
    if (!queryCheck.Check(payload)) return ack(invalid('presence:query takes { usernames: [...] } (at most 200)'));
    // Ask the database only about those online: offline people need no permission check.
    const online = payload.usernames.filter((u) => deps.presence.isOnline(u));
    deps.messages
      .peersAmong(username, online)
      .then((peers) => ack({ ok: true, data: { online: online.filter((u) => peers.has(u)) } }))
      .catch((error: unknown) => {
        deps.logger.warn({ err: error, username }, 'presence query failed');
        ack({ ok: false, error: { code: 'service_unavailable', message: 'Could not read presence; retry.' } });
      });
  });
}
