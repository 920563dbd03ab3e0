// Group conversations: ids, names, members, roles, and what the REST API and sockets say about
// them. A group message is one chat message with `group` set; each member gets their own copy
// (server/src/services/send.service.ts, docs/architecture.md "Groups").
import { Type, type Static } from '@sinclair/typebox';
import { GroupId, MAX_GROUP_NAME_LENGTH } from './group-ref.js';
import { ChatMessage } from './message.js';
import { IsoTimestamp, MessageId, MessageText, Username } from './primitives.js';
import { ProfileFields } from './profile.js';
import { TextFormats } from './text.js';

/** The server's default cap on members (GROUP_MAX_MEMBERS); no request may name more at once. */
export const DEFAULT_MAX_GROUP_MEMBERS = 1000;

/** A group's name: the message text rules (visible, no controls), one line's worth. */
export const GroupName = Type.String({ minLength: 1, maxLength: MAX_GROUP_NAME_LENGTH, format: TextFormats.message });

/** owner: everything, and the only one who changes roles. admin: rename, add, remove members. */
export const GroupRole = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
export type GroupRole = Static<typeof GroupRole>;

/** With the member's display name and picture (profile.ts), so a member list shows them at once. */
export const GroupMember = Type.Object({ username: Username, role: GroupRole, joinedAt: IsoTimestamp, ...ProfileFields });
export type GroupMember = Static<typeof GroupMember>;

/** A group as one of its members sees it. */
export const Group = Type.Object({
  id: GroupId,
  name: Type.String({ minLength: 1, maxLength: MAX_GROUP_NAME_LENGTH }),
  createdAt: IsoTimestamp,
  /** the asker's role */
  role: GroupRole,
  memberCount: Type.Integer({ minimum: 0 }),
  /** the asker's setting: no notifications except mentions */
  muted: Type.Boolean(),
  /** the asker's settings, as on a 1:1 Conversation */
  pinned: Type.Boolean(),
  archived: Type.Boolean(),
  markedUnread: Type.Boolean(),
  unread: Type.Integer({ minimum: 0 }),
  lastMessage: Type.Union([ChatMessage, Type.Null()]),
});
export type Group = Static<typeof Group>;

const MemberList = (max: number) => Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: max });

export const CreateGroupBody = Type.Object(
  {
    name: GroupName,
    /** Usernames besides the creator, who becomes the owner. */
    members: MemberList(DEFAULT_MAX_GROUP_MEMBERS),
  },
  { additionalProperties: false },
);
export type CreateGroupBody = Static<typeof CreateGroupBody>;

export const RenameGroupBody = Type.Object({ name: GroupName }, { additionalProperties: false });
export type RenameGroupBody = Static<typeof RenameGroupBody>;

export const AddMembersBody = Type.Object(
  { usernames: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: DEFAULT_MAX_GROUP_MEMBERS }) },
  { additionalProperties: false },
);
export type AddMembersBody = Static<typeof AddMembersBody>;

export const SetRoleBody = Type.Object({ role: Type.Union([Type.Literal('admin'), Type.Literal('member')]) }, { additionalProperties: false });
export type SetRoleBody = Static<typeof SetRoleBody>;

export const MuteBody = Type.Object({ muted: Type.Boolean() }, { additionalProperties: false });
export type MuteBody = Static<typeof MuteBody>;

export const GroupSendBody = Type.Object(
  {
    text: MessageText,
    /** A reply: the id of a message of this group; the server quotes it (ReplyRef). */
    replyTo: Type.Optional(MessageId),
  },
  { additionalProperties: false },
);
export type GroupSendBody = Static<typeof GroupSendBody>;

export const GroupParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type GroupParams = Static<typeof GroupParams>;
export const GroupMemberParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  username: Type.String({ minLength: 1, maxLength: 64 }),
});
export type GroupMemberParams = Static<typeof GroupMemberParams>;
export const GroupMessageParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), messageId: MessageId });
export type GroupMessageParams = Static<typeof GroupMessageParams>;

export const GroupsResponse = Type.Object({ groups: Type.Array(Group) });
export type GroupsResponse = Static<typeof GroupsResponse>;

export const GroupMembersResponse = Type.Object({ members: Type.Array(GroupMember) });
export type GroupMembersResponse = Static<typeof GroupMembersResponse>;

/** Who of the members (the sender aside) has a message: "delivered to N of M, read by N of M". */
export const GroupReceipts = Type.Object({
  id: MessageId,
  /** members who got a copy, the sender aside */
  of: Type.Integer({ minimum: 0 }),
  delivered: Type.Array(Username),
  read: Type.Array(Username),
});
export type GroupReceipts = Static<typeof GroupReceipts>;

export const GroupReadResponse = Type.Object({ group: GroupId, upTo: MessageId, readAt: IsoTimestamp });
export type GroupReadResponse = Static<typeof GroupReadResponse>;

/** Server → client: the group changed (name, members, your role or your settings); `group` null: you are no longer in it. */
export const GroupUpdate = Type.Object({ id: GroupId, group: Type.Union([Group, Type.Null()]) });
export type GroupUpdate = Static<typeof GroupUpdate>;

export const GroupApiPaths = {
  groups: '/api/groups',
  group: (id: string) => `/api/groups/${encodeURIComponent(id)}`,
  members: (id: string) => `/api/groups/${encodeURIComponent(id)}/members`,
  member: (id: string, username: string) => `/api/groups/${encodeURIComponent(id)}/members/${encodeURIComponent(username)}`,
  mute: (id: string) => `/api/groups/${encodeURIComponent(id)}/mute`,
  /** PATCH ConversationSettingsBody: the asker's pin, archive, unread mark and mute. */
  settings: (id: string) => `/api/groups/${encodeURIComponent(id)}/settings`,
  messages: (id: string) => `/api/groups/${encodeURIComponent(id)}/messages`,
  read: (id: string) => `/api/groups/${encodeURIComponent(id)}/read`,
  receipts: (id: string, messageId: string) => `/api/groups/${encodeURIComponent(id)}/messages/${encodeURIComponent(messageId)}/receipts`,
} as const;

// `@name` where name is a username and the @ starts the text or follows a non-word character
// (so an e-mail address mentions nobody).
const MENTION = /(^|[^\p{L}\p{N}_.@-])@([a-z0-9_.-]{3,32})(?![a-z0-9_-])/giu;

/** The usernames `text` mentions, case-folded, each once, in order of first mention. */
export function mentionsIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(MENTION)) {
    const name = (m[2] ?? '').toLowerCase().replace(/\.+$/, '');
    if (name.length >= 3 && !out.includes(name)) out.push(name);
  }
  return out;
}

/** Whether `text` mentions `username` (a mention notifies even in a muted group). */
export function mentions(text: string, username: string): boolean {
  return mentionsIn(text).includes(username.toLowerCase());
}
