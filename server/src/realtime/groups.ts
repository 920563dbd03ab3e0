// `group:update` pushes. After every stored group change (the groupChanged domain event), each
// current member with a socket gets the group as they see it (their role, mute, unread), and
// those who just left get `group: null`.
//
// Between instances (Postgres) the change itself travels, once, not each member's push: every
// process hears it (serverSideEmit) and pushes to its own sockets, which it knows without asking
// the presence table. Room emits through the adapter would be one NOTIFY per member (1,000 for a
// rename of a full group), and filtering them by the shared presence table missed a member whose
// socket had just connected on another instance, its row not yet written (found by
// test/cross-instance-events.test.ts). The other processes' listeners hear the change too, marked
// `remote`.
import type { Logger } from 'pino';
import type { DomainEventMap, DomainEvents } from '../services/domain-events.js';
import type { GroupsService } from '../services/groups.service.js';
import { userRoom, type ChatServer } from './context.js';

type GroupChange = DomainEventMap['groupChanged'];

export function registerGroupUpdates(deps: {
  io: ChatServer;
  events: DomainEvents;
  groups: Pick<GroupsService, 'viewsFor'>;
  /** Whether the user has a socket on this process. */
  hasLocalSockets: (username: string) => boolean;
  /** Other processes share the store (Postgres). */
  clustered: boolean;
  logger: Logger;
}): void {
  const { io } = deps;
  // One group's changes are pushed one after another, in the order heard: each push reads the
  // group afresh, so a screen never ends on an older view than the last change.
  const queues = new Map<string, Promise<void>>();

  async function push({ groupId, members, removed, only }: GroupChange): Promise<void> {
    for (const username of removed) {
      if (deps.hasLocalSockets(username)) io.local.to(userRoom(username)).emit('group:update', { id: groupId, group: null });
    }
    const here = members.filter((m) => (only === undefined || m === only) && deps.hasLocalSockets(m));
    if (here.length === 0) return;
    const views = await deps.groups.viewsFor(groupId, here);
    for (const [username, group] of views) io.local.to(userRoom(username)).emit('group:update', { id: groupId, group });
  }

  // The listener only queues, so the service that emitted the event answers without waiting for
  // the pushes.
  deps.events.on('groupChanged', (change) => {
    if (deps.clustered && !change.remote) io.serverSideEmit('group:changed', change);
    const next = (queues.get(change.groupId) ?? Promise.resolve())
      .then(() => push(change))
      .catch((error: unknown) => deps.logger.warn({ err: error, groupId: change.groupId }, 'group update push failed'));
    queues.set(change.groupId, next);
    void next.then(() => {
      if (queues.get(change.groupId) === next) queues.delete(change.groupId);
    });
  });

  io.on('group:changed', (change: unknown) => {
    if (!isChange(change)) return;
    void deps.events.emit('groupChanged', { ...change, remote: true });
  });
}

const isNames = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

function isChange(value: unknown): value is GroupChange {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return typeof c.groupId === 'string' && isNames(c.members) && isNames(c.removed) && (c.only === undefined || typeof c.only === 'string');
}
