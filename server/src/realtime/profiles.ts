// `profile:update` pushes. After a user changes their display name or picture (the
// profileChanged domain event), their own screens and the people who see their presence hear the
// whole profile: conversation partners, and online co-members of small groups (services/peers.ts,
// the same rule and the same bounds as presence). Anyone else reads it when they next ask
// (GET /api/profiles). One room emit names every room, so between instances (Postgres) the
// adapter carries it as one NOTIFY, as it does presence.
import type { Profile } from '@messenger/protocol';
import type { Logger } from 'pino';
import type { DomainEvents } from '../services/domain-events.js';
import type { Peers } from '../services/peers.js';
import { userRoom, type ChatServer } from './context.js';

export function registerProfileUpdates(deps: {
  io: ChatServer;
  events: DomainEvents;
  peers: Pick<Peers, 'toTell'>;
  /** The profile as stored now. */
  profileOf: (username: string) => Promise<Profile>;
  /** Who of `usernames` is online anywhere in the cluster. */
  onlineAmong: (usernames: readonly string[]) => Promise<Set<string>>;
  logger: Logger;
}): void {
  // One user's pushes go one after another, each with the profile read afresh: a name change
  // and a picture upload right after it could otherwise finish their lookups in the other order,
  // and a screen would keep the older profile as the last word.
  const queues = new Map<string, Promise<void>>();

  async function push(username: string): Promise<void> {
    const [profile, peers] = await Promise.all([deps.profileOf(username), deps.peers.toTell(username, deps.onlineAmong)]);
    deps.io.to([username, ...peers].map(userRoom)).emit('profile:update', profile);
  }

  // The listener only queues, so the request that changed the profile answers at once.
  deps.events.on('profileChanged', ({ profile: { username } }) => {
    const next = (queues.get(username) ?? Promise.resolve())
      .then(() => push(username))
      .catch((error: unknown) => deps.logger.warn({ err: error, username }, 'profile update push failed'));
    queues.set(username, next);
    void next.finally(() => {
      if (queues.get(username) === next) queues.delete(username);
    });
  });
}
