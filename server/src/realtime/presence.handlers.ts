// Socket events about presence: who among a list of people is online right now.
import { PresenceQuery } from '@messenger/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Logger } from 'pino';
import type { ChatServer, ChatSocket } from './hub.js';
import { invalid } from './messages.handlers.js';
import type { PresenceRegistry } from './presence.js';

const queryCheck = TypeCompiler.Compile(PresenceQuery);

export function registerPresenceHandlers(
  socket: ChatSocket,
  deps: { io: ChatServer; presence: PresenceRegistry; logger: Logger },
): void {
  socket.on('presence:query', (payload, ack) => {
    if (typeof ack !== 'function') return;
    if (!queryCheck.Check(payload)) return ack(invalid('presence:query takes { usernames: [...] } (at most 200)'));
    ack({ ok: true, data: { online: payload.usernames.filter((u) => deps.presence.isOnline(u)) } });
  });
}
