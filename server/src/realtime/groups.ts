// `group:update` pushes. After every stored group change (the groupChanged domain event), each
// current member with an open socket gets the group as they see it (their role, mute, unread),
// and those who just left get `group: null`. Room emits, not io.local: on Postgres the adapter
// carries them to the member's sockets on every instance, as it does the read receipts.
import type { Logger } from 'pino';
import type { DomainEventMap, DomainEvents } from '../services/domain-events.js';
import type { GroupsService } from '../services/groups.service.js';
import { userRoom, type ChatServer } from './context.js';

export function registerGroupUpdates(deps: {
  io: ChatServer;
  events: DomainEvents;
  groups: Pick<GroupsService, 'viewsFor'>;
  onlineAmong: (usernames: readonly string[]) => Promise<Set<string>>;
  logger: Logger;
}): void {
  const { io } = deps;
  // One group's changes are pushed one after another, in the order they were stored: each push
  // reads the group afresh, so a screen never ends on an older view than the last change.
  const queues = new Map<string, Promise<void>>();

  async function push({ groupId, members, removed, only }: DomainEventMap['groupChanged']): Promise<void> {
    for (const username of removed) io.to(userRoom(username)).emit('group:update', { id: groupId, group: null });
    const audience = only === undefined ? members : members.filter((m) => m === only);
    if (audience.length === 0) return;
    // Views only for those with a screen open: a rename in a group of 1,000 reads what it sends.
    const online = await deps.onlineAmong(audience);
    if (online.size === 0) return;
    const views = await deps.groups.viewsFor(groupId, [...online]);
    for (const [username, group] of views) io.to(userRoom(username)).emit('group:update', { id: groupId, group });
  }

  // The listener only queues, so the service that emitted the event answers without waiting for
  // the pushes.
  deps.events.on('groupChanged', (change) => {
    const next = (queues.get(change.groupId) ?? Promise.resolve())
      .then(() => push(change))
      .catch((error: unknown) => deps.logger.warn({ err: error, groupId: change.groupId }, 'group update push failed'));
    queues.set(change.groupId, next);
    void next.then(() => {
      if (queues.get(change.groupId) === next) queues.delete(change.groupId);
    });
  });
}
