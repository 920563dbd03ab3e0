// REST request and response bodies. Fastify validates these; clients use them to check answers.
import { Type, type Static } from '@sinclair/typebox';
import { AccountKind, ApiScope } from './integrations.js';
import { ChatMessage } from './message.js';
import { IsoTimestamp, MAX_PASSWORD_LENGTH, MessageId, MessageText, Password, Username } from './primitives.js';
import { ProfileFields } from './profile.js';
import { TextFormats } from './text.js';

export const Credentials = Type.Object(
  {
    // Accepts any case; the server folds it. The pattern is checked after folding.
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Password,
  },
  { additionalProperties: false },
);
export type Credentials = Static<typeof Credentials>;

// A password being chosen is only bounded (and well-formed, see Password) here: the policy
// (password.ts) answers with a code that says which rule it broke, which a schema's
// validation_failed cannot.
const ChosenPassword = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH, format: TextFormats.wellFormed });

export const RegisterBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: ChosenPassword,
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH, format: TextFormats.wellFormed }),
    newPassword: ChosenPassword,
  },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

/** `online` is true only for people who share a conversation with the asker; strangers read false. */
export const PublicUser = Type.Object({
  username: Username,
  online: Type.Boolean(),
  /** true: a bot account (integrations.ts), for a badge and muting. Absent for people. */
  bot: Type.Optional(Type.Literal(true)),
  ...ProfileFields,
});
export type PublicUser = Static<typeof PublicUser>;

export const SessionResponse = Type.Object({
  token: Type.String(),
  expiresAt: IsoTimestamp,
  user: Type.Object({ username: Username }),
});
export type SessionResponse = Static<typeof SessionResponse>;

export const MeResponse = Type.Object({
  username: Username,
  /** A bot answers only to API tokens its owner made (integrations.ts). */
  kind: AccountKind,
  createdAt: IsoTimestamp,
  /** A token that never expires reads null. */
  sessionExpiresAt: Type.Union([IsoTimestamp, Type.Null()]),
  /** What this session or token may do: a signed-in session has every scope. */
  scopes: Type.Array(ApiScope),
  ...ProfileFields,
});
export type MeResponse = Static<typeof MeResponse>;

export const PeopleQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 32 }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  },
  { additionalProperties: false },
);
export type PeopleQuery = Static<typeof PeopleQuery>;

export const PeopleResponse = Type.Object({ users: Type.Array(PublicUser) });
export type PeopleResponse = Static<typeof PeopleResponse>;

export const SendBody = Type.Object(
  {
    to: Type.String({ minLength: 1, maxLength: 64 }),
    text: MessageText,
    /** A reply: the id of a message of this conversation; the server quotes it (ReplyRef). */
    replyTo: Type.Optional(MessageId),
  },
  { additionalProperties: false },
);
export type SendBody = Static<typeof SendBody>;

// The only client-facing payload with the Kafka position: a script or bot that sent a message can
// find its record (kcat -p <partition> -o <offset>). Messages pushed or listed to clients omit it.
export const SendResponse = Type.Object({
  id: MessageId,
  partition: Type.Integer({ minimum: 0 }),
  offset: Type.String(),
  sentAt: IsoTimestamp,
});
export type SendResponse = Static<typeof SendResponse>;

export const Conversation = Type.Object({
  peer: Username,
  /** true: the peer is a bot account. Absent for people. */
  bot: Type.Optional(Type.Literal(true)),
  online: Type.Boolean(),
  unread: Type.Integer({ minimum: 0 }),
  /**
   * My own setting, kept on the server: no notifications from this conversation, on any screen
   * or agent. A muted peer is listed even with no message yet (`lastMessage` null), so the list
   * is every client's whole view of what is muted.
   */
  muted: Type.Boolean(),
  /** Mine too: listed at the top, with the other pinned conversations (1:1 and groups). */
  pinned: Type.Boolean(),
  /**
   * Mine too: listed apart, under "Archived". A new message brings an archived conversation
   * back (false again) unless it is muted, as Telegram does.
   */
  archived: Type.Boolean(),
  /** Mine too: shown as unread (counts as one) until I open it, even with nothing unread. */
  markedUnread: Type.Boolean(),
  lastMessage: Type.Union([ChatMessage, Type.Null()]),
  /** The peer's display name and picture (profile.ts), so the list shows them at once. */
  ...ProfileFields,
});
export type Conversation = Static<typeof Conversation>;

/** How many 1:1 conversations one person may keep muted: bounds the list every client loads. */
export const MAX_MUTED_CONVERSATIONS = 1000;

/** How many conversations (1:1 and groups together) one person may keep pinned. */
export const MAX_PINNED_CONVERSATIONS = 10;

/**
 * Server → client: my settings of a 1:1 conversation changed (on this screen or another). Each
 * update carries all of them, so a screen that missed one converges on the next.
 */
export const ConversationUpdate = Type.Object({
  peer: Username,
  muted: Type.Boolean(),
  pinned: Type.Boolean(),
  archived: Type.Boolean(),
  markedUnread: Type.Boolean(),
});
export type ConversationUpdate = Static<typeof ConversationUpdate>;

/**
 * PATCH body for my own settings of a conversation (1:1 or group): only what it names changes.
 * `markedUnread: false` is what opening the conversation sends.
 */
export const ConversationSettingsBody = Type.Object(
  {
    muted: Type.Optional(Type.Boolean()),
    pinned: Type.Optional(Type.Boolean()),
    archived: Type.Optional(Type.Boolean()),
    markedUnread: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ConversationSettingsBody = Static<typeof ConversationSettingsBody>;

export const ConversationsResponse = Type.Object({ conversations: Type.Array(Conversation) });
export type ConversationsResponse = Static<typeof ConversationsResponse>;

export const PeerParams = Type.Object({ peer: Type.String({ minLength: 1, maxLength: 64 }) });
export type PeerParams = Static<typeof PeerParams>;

export const MessagesQuery = Type.Object(
  {
    /** A message id: the page holds messages older than it. */
    before: Type.Optional(MessageId),
    /** A message id: the page holds messages newer than it (the nearest ones). */
    after: Type.Optional(MessageId),
    /**
     * A message id: the page holds that message and those around it, for opening history at a
     * search result. At most one of before, after and around.
     */
    around: Type.Optional(MessageId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);
export type MessagesQuery = Static<typeof MessagesQuery>;

export const MessagesPage = Type.Object({
  /** Newest first. */
  messages: Type.Array(ChatMessage),
  /** Pass as `before` to get the next (older) page; null when there is none. */
  nextBefore: Type.Union([MessageId, Type.Null()]),
  /**
   * Only on pages asked with `after` or `around`: pass as `after` to get the next (newer) page;
   * null when the page reaches the newest message.
   */
  nextAfter: Type.Optional(Type.Union([MessageId, Type.Null()])),
});
export type MessagesPage = Static<typeof MessagesPage>;

export const ReadBody = Type.Object({ upTo: MessageId }, { additionalProperties: false });
export type ReadBody = Static<typeof ReadBody>;

export const ReadResponse = Type.Object({ peer: Username, upTo: MessageId, readAt: IsoTimestamp });
export type ReadResponse = Static<typeof ReadResponse>;

export const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
});
export type HealthResponse = Static<typeof HealthResponse>;

/** Route paths, so that no client spells them by hand. */
export const ApiPaths = {
  register: '/api/auth/register',
  login: '/api/auth/login',
  logout: '/api/auth/logout',
  /** Ends every session of the user, this one included, and closes all their sockets. */
  logoutEverywhere: '/api/auth/logout-everywhere',
  changePassword: '/api/auth/password',
  me: '/api/me',
  /** PATCH UpdateProfileBody → Profile (profile.ts). */
  myProfile: '/api/me/profile',
  /** PUT the raw image (Content-Type one of AVATAR_CONTENT_TYPES, at most MAX_AVATAR_BYTES) → Profile; DELETE → Profile. */
  myAvatar: '/api/me/avatar',
  /** GET ?usernames=a,b (ProfilesQuery) → ProfilesResponse. */
  profiles: '/api/profiles',
  /** GET → the picture (image/webp). Prefer a Profile's avatarUrl: it names the version, so it caches for good. */
  avatar: (username: string) => `/api/users/${encodeURIComponent(username)}/avatar`,
  people: '/api/people',
  send: '/send',
  conversations: '/api/conversations',
  messages: (peer: string) => `/api/conversations/${encodeURIComponent(peer)}/messages`,
  read: (peer: string) => `/api/conversations/${encodeURIComponent(peer)}/read`,
  /** PUT { muted }: my mute setting for the conversation with `peer` (body: MuteBody). */
  mute: (peer: string) => `/api/conversations/${encodeURIComponent(peer)}/mute`,
  /** PATCH ConversationSettingsBody: pin, archive, mark unread or mute the conversation with `peer`. */
  settings: (peer: string) => `/api/conversations/${encodeURIComponent(peer)}/settings`,
  search: '/api/search',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
} as const;

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/**
 * Optional on a send: the id of the sender's own socket (socket.io's `socket.id`) on the screen
 * that sends. That screen shows the message from the 202, so the server does not push it the
 * echo; the sender's other screens still get it. A socket of anyone else is ignored.
 */
export const SOCKET_ID_HEADER = 'x-socket-id';
/** What a socket id looks like (socket.io's are 20 base64url characters). */
export const SOCKET_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
