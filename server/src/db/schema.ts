// Table types for Kysely. One query layer, so a Postgres dialect can replace SQLite later.
import type { Generated } from 'kysely';

export interface UsersTable {
  username: string;
  /** '' for a bot: no password opens it. */
  password_hash: string;
  created_at: string;
  kind: Generated<'person' | 'bot'>;
  /** A bot's owner; null for people. */
  owner: string | null;
  display_name: string | null;
  /** A deleted bot: its name stays taken, nothing authenticates as it. */
  deleted_at: string | null;
}

export interface ApiTokensTable {
  id: string;
  /** SHA-256 of the secret, hex. Never the secret. */
  token_hash: string;
  /** Who the token acts as. */
  username: string;
  /** Who lists and revokes it: the same person for their own tokens, a bot's owner for the bot's. */
  created_by: string;
  name: string;
  /** Space-separated ApiScope values. */
  scopes: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** An incoming webhook (migration 0008). Exactly one of target_user and target_group is set. */
export interface WebhooksTable {
  id: string;
  /** SHA-256 of the secret, hex. Never the secret. */
  secret_hash: string;
  /** The bot its messages come from. */
  bot: string;
  /** The bot's owner, who lists, rotates and revokes it. */
  created_by: string;
  name: string;
  target_user: string | null;
  target_group: string | null;
  created_at: string;
  last_used_at: string | null;
}

export interface SessionsTable {
  token_hash: string;
  username: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface MessagesTable {
  id: string;
  sender: string;
  recipient: string;
  /** `min(a,b) + '|' + max(a,b)`: one key for both directions of a conversation. */
  conversation: string;
  text: string;
  sent_at: string;
  kafka_partition: number;
  kafka_offset: number;
  seq: Generated<number>;
  delivered_at: string | null;
  read_at: string | null;
  /** A group message's group name when it was sent; the group id is in `conversation` (groupConversation()). */
  group_name: string | null;
  /** Message actions (0012): the last edit; a delete for everyone (text is '' then). */
  edited_at: string | null;
  deleted_at: string | null;
  /** A reply's original and its quote, a snapshot taken at send time ('' once it is deleted). */
  reply_to_id: string | null;
  reply_to_sender: string | null;
  reply_to_text: string | null;
}

export interface MessageReactionsTable {
  message_id: string;
  username: string;
  emoji: string;
  reacted_at: string;
}

export interface HiddenMessagesTable {
  username: string;
  message_id: string;
  hidden_at: string;
}

/** A change record (ChangeRecordV3) as stored for the person it is keyed by. */
export interface MessageChangesTable {
  id: string;
  recipient: string;
  message_id: string;
  kind: string;
  actor: string;
  changed_at: string;
  kafka_partition: number;
  kafka_offset: number;
  delivered_at: string | null;
}

export interface ConversationsTable {
  owner: string;
  peer: string;
  last_message_id: string;
  last_sent_at: string;
  unread: number;
}

export interface IdempotencyTable {
  sender: string;
  idem_key: string;
  request_hash: string;
  message_id: string;
  kafka_partition: number | null;
  kafka_offset: number | null;
  sent_at: string;
  created_at: string;
}

export interface KafkaGroupMembersTable {
  group_id: string;
  /** INSTANCE_ID of the server process; '' when unset. */
  instance_id: string;
  member_id: string;
  joined_at: string;
}

export interface StoredPositionsTable {
  topic: string;
  kafka_partition: number;
  /** Everything of the partition below this offset is in the history store. */
  next_offset: number;
}

/** A server process sharing the store, and until when it counts as alive. */
export interface ServerInstancesTable {
  instance_id: string;
  lease_until: string;
}

/** That process holds at least one socket of that user. */
export interface PresenceTable {
  instance_id: string;
  username: string;
}

export interface GroupsTable {
  id: string;
  name: string;
  created_by: string;
  created_at: string;
}

export interface GroupMembersTable {
  group_id: string;
  username: string;
  role: 'owner' | 'admin' | 'member';
  joined_at: string;
  /** 1: no notifications but mentions (the member's own setting) */
  muted: number;
  /** The member's own list settings, as in ConversationSettingsTable. */
  pinned_at: Generated<string | null>;
  archived_at: Generated<string | null>;
  marked_unread: Generated<number>;
}

/**
 * A person's list settings of a conversation, alike for 1:1 and groups: each time is when it was
 * turned on, null when off. (Mute is stored differently by each kind.)
 */
export interface StoredSettings {
  pinned_at: string | null;
  archived_at: string | null;
  /** 1: shown as unread until opened */
  marked_unread: number;
}

/**
 * `username`'s own settings of their 1:1 conversation with `peer`; each time column is null
 * when that setting is off. No row: every setting off.
 */
export interface ConversationSettingsTable {
  username: string;
  peer: string;
  muted_at: string | null;
  pinned_at: string | null;
  archived_at: string | null;
  /** 1: shown as unread until opened */
  marked_unread: number;
}

/** A user's picture (migration 0013): our own re-encoded WebP, never the upload's bytes. */
export interface UserAvatarsTable {
  username: string;
  image: Buffer;
  /** 16 hex digits of the image's SHA-256: the version in its URL and its ETag. */
  hash: string;
  updated_at: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  webhooks: WebhooksTable;
  messages: MessagesTable;
  message_reactions: MessageReactionsTable;
  hidden_messages: HiddenMessagesTable;
  message_changes: MessageChangesTable;
  conversations: ConversationsTable;
  idempotency_keys: IdempotencyTable;
  kafka_group_members: KafkaGroupMembersTable;
  server_instances: ServerInstancesTable;
  presence: PresenceTable;
  stored_positions: StoredPositionsTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  conversation_settings: ConversationSettingsTable;
  user_avatars: UserAvatarsTable;
}

export function conversationKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/**
 * A group's conversation key, also its `peer` in the conversations table. Usernames cannot start
 * with '#', so it never collides with a 1:1 conversation.
 */
export function groupConversation(groupId: string): string {
  return `#${groupId}`;
}

/** The group id of a group conversation key, or undefined for a 1:1 one. */
export function groupOf(conversation: string): string | undefined {
  return conversation.startsWith('#') ? conversation.slice(1) : undefined;
}
