// `profile:update` pushes. After a user changes their display name or picture (the
// profileChanged domain event), their own screens and the people who see their presence hear the
// whole new profile: conversation partners, and online co-members of small groups
// (services/peers.ts, the same rule and the same bounds as presence). Anyone else reads it when
// they next ask (GET /api/profiles). One room emit names every room, so between instances
// (Postgres) the adapter carries it as one NOTIFY, as it does presence.
import type { Logger } from 'pino';
import type { DomainEvents } from '../services/domain-events.js';
import type { Peers } from '../services/peers.js';
import { userRoom, type ChatServer } from './context.js';

export function registerProfileUpdates(deps: {
  io: ChatServer;
  events: DomainEvents;
  peers: Pick<Peers, 'toTell'>;
  /** Who of `usernames` is online anywhere in the cluster. */
  onlineAmong: (usernames: readonly string[]) => Promise<Set<string>>;
  logger: Logger;
}): void {
  // The listener only starts the push, so the request that changed the profile answers at once.
  deps.events.on('profileChanged', ({ profile }) => {
    deps.peers
      .toTell(profile.username, deps.onlineAmong)
      .then((peers) => {
        deps.io.to([profile.username, ...peers].map(userRoom)).emit('profile:update', profile);
      })
      .catch((error: unknown) => deps.logger.warn({ err: error, username: profile.username }, 'profile update push failed'));
  });
}
