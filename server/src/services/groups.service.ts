// Group management: who may create, rename, add, remove, change roles, a member's own settings
// (mute, pin, archive, unread mark), and what each
// member sees of a group. Routes ask here; after each stored change the `groupChanged` domain
// event tells the rest of the server (realtime/groups.ts pushes `group:update`; the send path
// reads the members afresh per message, so it needs no telling). Messages of a group are the send
// and history services' business.
import { GroupId, isValidUsername, normalizeUsername, type ChatMessage, type ConversationSettingsBody, type Group, type GroupMember, type GroupRole } from '@messenger/protocol';
import { randomUUID } from 'node:crypto';
import type { GroupMessagesRepository } from '../db/group-messages.repository.js';
import type { ConversationSettingsRepository } from '../db/conversation-settings.repository.js';
import type { GroupsRepository, MemberView } from '../db/groups.repository.js';
import type { StoredSettings } from '../db/schema.js';
import type { UsersRepository } from '../db/users.repository.js';
import { errors } from '../errors.js';
import { applySettings, assertRoomForPin, isArchived } from './conversation-settings.js';
import type { DomainEventMap, DomainEvents } from './domain-events.js';

const GROUP_ID = new RegExp(GroupId.pattern ?? '^$');

export type GroupChange = DomainEventMap['groupChanged'];

export function createGroupsService(deps: {
  groups: GroupsRepository;
  groupMessages: GroupMessagesRepository;
  users: UsersRepository;
  /** For the one cap on pins, 1:1 and groups together. */
  conversationSettings: ConversationSettingsRepository;
  events: DomainEvents;
  /** GROUP_MAX_MEMBERS: the owner included. */
  maxMembers: number;
}) {
  const { groups } = deps;

  /** The member's own settings as a Group shows them. */
  function settingsView(row: StoredSettings, muted: boolean, lastMessage: ChatMessage | null) {
    return { pinned: row.pinned_at !== null, archived: isArchived(row, muted, lastMessage), markedUnread: row.marked_unread === 1 };
  }

  /**
   * The asker's role in the group. Anything else (not a member, no such group, not even a group
   * id) is the same 404, so nobody learns which groups exist.
   */
  async function roleIn(groupId: string, username: string): Promise<GroupRole> {
    const role = GROUP_ID.test(groupId) ? await groups.roleOf(groupId, username) : undefined;
    if (!role) throw errors.groupNotFound();
    return role;
  }

  async function requireManager(groupId: string, username: string): Promise<GroupRole> {
    const role = await roleIn(groupId, username);
    if (role === 'member') throw errors.forbidden('Only the owner and admins manage this group.');
    return role;
  }

  /** Case-folded, deduplicated, `except` left out; an unknown user is a 404 that names them. */
  async function existingUsers(raw: readonly string[], except: string): Promise<string[]> {
    const names = [...new Set(raw.map(normalizeUsername))].filter((u) => u !== except);
    const malformed = names.find((u) => !isValidUsername(u));
    if (malformed !== undefined) throw errors.recipientNotFound(malformed);
    const found = await deps.users.existingAmong(names);
    const missing = names.find((u) => !found.has(u));
    if (missing !== undefined) throw errors.recipientNotFound(missing);
    return names;
  }

  function memberName(raw: string): string | undefined {
    const name = normalizeUsername(raw);
    return isValidUsername(name) ? name : undefined;
  }

  const notAMember = (name: string) => errors.notFound(`"${name}" is not a member of this group.`);

  /** Tells the server; resolves once every listener (socket pushes) has taken it. */
  async function changed(groupId: string, removed: string[] = [], only?: string): Promise<void> {
    const members = await groups.memberNames(groupId);
    await deps.events.emit('groupChanged', { groupId, members, removed, ...(only === undefined ? {} : { only }) });
  }

  async function view(groupId: string, username: string): Promise<Group> {
    const [row] = await groups.listFor(username, groupId);
    if (!row) throw errors.groupNotFound();
    const last = row.last_message_id ? (await deps.groupMessages.lastInGroups(username, [row.last_message_id])).get(row.last_message_id) : undefined;
    return {
      id: row.id,
      name: row.name,
      createdAt: row.created_at,
      role: row.role,
      memberCount: row.member_count,
      muted: row.muted === 1,
      ...settingsView(row, row.muted === 1, last ?? null),
      unread: row.unread,
      lastMessage: last ?? null,
    };
  }

  async function members(username: string, groupId: string): Promise<GroupMember[]> {
    await roleIn(groupId, username);
    const rows = await groups.members(groupId);
    return rows.map((r) => ({ username: r.username, role: r.role, joinedAt: r.joined_at }));
  }

  return {
    async create(owner: string, name: string, members: readonly string[]): Promise<Group> {
      const others = await existingUsers(members, owner);
      if (others.length + 1 > deps.maxMembers) throw errors.groupFull(deps.maxMembers);
      const id = randomUUID();
      await groups.create({ id, name, created_by: owner, created_at: new Date().toISOString() }, owner, others);
      await changed(id);
      return view(id, owner);
    },

    /** My groups, most recent activity first. */
    async list(username: string): Promise<Group[]> {
      const rows = await groups.listFor(username);
      const lastIds = rows.flatMap((r) => (r.last_message_id ? [r.last_message_id] : []));
      const last = await deps.groupMessages.lastInGroups(username, lastIds);
      return rows.map((r) => {
        const lastMessage = (r.last_message_id && last.get(r.last_message_id)) || null;
        return {
          id: r.id,
          name: r.name,
          createdAt: r.created_at,
          role: r.role,
          memberCount: r.member_count,
          muted: r.muted === 1,
          ...settingsView(r, r.muted === 1, lastMessage),
          unread: r.unread,
          lastMessage,
        };
      });
    },

    async get(username: string, groupId: string): Promise<Group> {
      await roleIn(groupId, username);
      return view(groupId, username);
    },

    async rename(username: string, groupId: string, name: string): Promise<Group> {
      await requireManager(groupId, username);
      await groups.rename(groupId, name);
      await changed(groupId);
      return view(groupId, username);
    },

    members,

    /** Adds users (owner and admins); those already in are left as they are. Returns the members. */
    async addMembers(username: string, groupId: string, usernames: readonly string[]): Promise<GroupMember[]> {
      await requireManager(groupId, username);
      const wanted = await existingUsers(usernames, username);
      const added = await groups.addMembers(groupId, wanted, new Date().toISOString(), deps.maxMembers);
      if (added === 'full') throw errors.groupFull(deps.maxMembers);
      if (added.length > 0) await changed(groupId);
      return members(username, groupId);
    },

    /**
     * Removes `target`. Oneself: leaving, which anyone may. Someone else: the owner removes
     * anyone, an admin only members. The owner leaving hands the group on (removeMember).
     */
    async removeMember(username: string, groupId: string, target: string): Promise<void> {
      const role = await roleIn(groupId, username);
      const name = memberName(target);
      if (name !== username) {
        if (role === 'member') throw errors.forbidden('Only the owner and admins remove members.');
        const theirs = name === undefined ? undefined : await groups.roleOf(groupId, name);
        if (!theirs || name === undefined) throw notAMember(normalizeUsername(target));
        if (role === 'admin' && theirs !== 'member') throw errors.forbidden('An admin removes members, not the owner or other admins.');
      }
      const { removed } = await groups.removeMember(groupId, name ?? username);
      // Gone meanwhile (a concurrent removal): the outcome the asker wanted, told once already.
      if (!removed) return;
      await changed(groupId, [name ?? username]);
    },

    /** The owner makes a member an admin or an admin a member. */
    async setRole(username: string, groupId: string, target: string, role: 'admin' | 'member'): Promise<GroupMember> {
      const mine = await roleIn(groupId, username);
      if (mine !== 'owner') throw errors.forbidden('Only the owner changes roles.');
      const name = memberName(target);
      if (name === username) throw errors.forbidden("The owner's role passes on only when the owner leaves.");
      const member = name === undefined ? undefined : await groups.member(groupId, name);
      if (!member || name === undefined) throw notAMember(normalizeUsername(target));
      if (member.role !== role) {
        if (!(await groups.setRole(groupId, name, role))) throw notAMember(name);
        await changed(groupId);
      }
      return { username: name, role, joinedAt: member.joined_at };
    },

    /** The asker's own settings (what `change` names); only their screens hear of it. */
    async updateSettings(username: string, groupId: string, change: ConversationSettingsBody): Promise<Group> {
      await roleIn(groupId, username);
      const [row] = await groups.listFor(username, groupId);
      if (!row) throw errors.groupNotFound();
      const next = { muted: change.muted ?? row.muted === 1, ...applySettings(row, change, new Date().toISOString()) };
      if (row.pinned_at === null && next.pinned_at !== null) {
        await assertRoomForPin([groups.countPinned(username), deps.conversationSettings.countPinned(username)]);
      }
      await groups.setSettings(groupId, username, next);
      await changed(groupId, [], username);
      return view(groupId, username);
    },

    /** The group as each of `usernames` sees it (those still members), for pushes. */
    async viewsFor(groupId: string, usernames: readonly string[]): Promise<Map<string, Group>> {
      const found = await groups.viewsFor(groupId, usernames);
      const out = new Map<string, Group>();
      if (!found) return out;
      const toGroup = (v: MemberView): Group => ({
        id: found.group.id,
        name: found.group.name,
        createdAt: found.group.created_at,
        role: v.role,
        memberCount: found.memberCount,
        muted: v.muted,
        ...settingsView(v, v.muted, v.lastMessage),
        unread: v.unread,
        lastMessage: v.lastMessage,
      });
      for (const v of found.views) out.set(v.username, toGroup(v));
      return out;
    },

    /** Hears every stored membership change, this process's and (marked `remote`) the others'. */
    onChanged(listener: (change: GroupChange) => void | Promise<void>): void {
      deps.events.on('groupChanged', listener);
    },
  };
}

export type GroupsService = ReturnType<typeof createGroupsService>;
