// socket.io event maps and payload schemas. Events are named `entity:verb`.
import { Type, type Static } from '@sinclair/typebox';
import type { ErrorBody } from './errors.js';
import { ChatMessage, ReceiptState } from './message.js';
import { type GroupUpdate } from './group.js';
import { type ConversationUpdate } from './rest.js';
import { type Profile } from './profile.js';
import { GroupId } from './group-ref.js';
import { IsoTimestamp, MessageId, Username } from './primitives.js';
import { MessageChangeInfo } from './actions.js';

/** The socket.io path; the server and every client use it. */
export const SOCKET_PATH = '/socket.io';
/** Largest socket packet the server accepts; bigger ones disconnect the socket. */
export const MAX_SOCKET_PACKET_BYTES = 16 * 1024;

/**
 * What a refused socket handshake says in connect_error's `message` (details, when any, are in
 * its `data`: { code, message, retryAfterSeconds? }). Only `unauthorized` means "sign in again".
 */
export const CONNECT_ERROR = {
  unauthorized: 'unauthorized',
  /** An API token without the `receive` scope. */
  insufficientScope: 'insufficient_scope',
  unavailable: 'unavailable',
  tooManySockets: 'too_many_sockets',
  rateLimited: 'rate_limited',
} as const;
export type ConnectErrorCode = (typeof CONNECT_ERROR)[keyof typeof CONNECT_ERROR];

export type Ack<T> = { ok: true; data: T } | ({ ok: false } & ErrorBody);

/** A message pushed live or during catch-up. `readingNow` is true when the recipient has a
 * visible tab open on this conversation, so other screens (the desktop agent) stay quiet. */
export const DeliveredMessage = Type.Object({
  message: ChatMessage,
  readingNow: Type.Boolean(),
});
export type DeliveredMessage = Static<typeof DeliveredMessage>;

export const MessageBatch = Type.Object({
  messages: Type.Array(ChatMessage),
});
export type MessageBatch = Static<typeof MessageBatch>;

/**
 * A message changed (actions.ts): `message` is its whole state after the change, so applying an
 * update twice, or an older one after a newer, is harmless if clients keep the newest `change.at`
 * per message. `hidden`: the user deleted it for themselves; it leaves their view. Pushed live to
 * both sides' screens (every member's, in a group) and, on catch-up, the undelivered ones after
 * the `message:batch`es and before `sync:done`. Clients acknowledge `change.id` with `message:ack`.
 */
export const MessageUpdate = Type.Object({
  change: MessageChangeInfo,
  message: ChatMessage,
  hidden: Type.Optional(Type.Literal(true)),
});
export type MessageUpdate = Static<typeof MessageUpdate>;

export const SyncDone = Type.Object({ delivered: Type.Integer({ minimum: 0 }) });
export type SyncDone = Static<typeof SyncDone>;

/** Messages of one conversation that reached a state. */
export const ReceiptChange = Type.Object({
  /**
   * The other side of the conversation, from the point of view of the socket's user. In a group:
   * the member whose copy changed (the reader themself, for their own other screens).
   */
  peer: Username,
  /** Set when the messages are group messages. */
  group: Type.Optional(GroupId),
  ids: Type.Array(MessageId),
  state: ReceiptState,
  at: IsoTimestamp,
});
export type ReceiptChange = Static<typeof ReceiptChange>;

/**
 * One change, and in `more` the others of the same acknowledgement round (other peers, other
 * groups): a sender hears one frame per round. A client that ignores `more` still reads the first.
 */
export const ReceiptUpdate = Type.Object({ ...ReceiptChange.properties, more: Type.Optional(Type.Array(ReceiptChange)) });
export type ReceiptUpdate = Static<typeof ReceiptUpdate>;

export const PresenceUpdate = Type.Object({ username: Username, online: Type.Boolean() });
export type PresenceUpdate = Static<typeof PresenceUpdate>;

export const TypingUpdate = Type.Object({ from: Username, typing: Type.Boolean(), group: Type.Optional(GroupId) });
export type TypingUpdate = Static<typeof TypingUpdate>;

export const SessionRevoked = Type.Object({ reason: Type.String() });
export type SessionRevoked = Static<typeof SessionRevoked>;

export const MAX_ACK_IDS = 500;

/** Client → server payloads. */
export const AckPayload = Type.Object(
  { ids: Type.Array(MessageId, { minItems: 1, maxItems: MAX_ACK_IDS }) },
  { additionalProperties: false },
);
export type AckPayload = Static<typeof AckPayload>;

export const TypingPayload = Type.Union([
  Type.Object({ to: Username, typing: Type.Boolean() }, { additionalProperties: false }),
  Type.Object({ group: GroupId, typing: Type.Boolean() }, { additionalProperties: false }),
]);
export type TypingPayload = Static<typeof TypingPayload>;

export const FocusPayload = Type.Object(
  {
    /** The conversation shown in a visible tab, or null when none is. */
    peer: Type.Union([Username, Type.Null()]),
    /** Instead of `peer`: the group shown. */
    group: Type.Optional(GroupId),
  },
  { additionalProperties: false },
);
export type FocusPayload = Static<typeof FocusPayload>;

export const PresenceQuery = Type.Object(
  { usernames: Type.Array(Username, { maxItems: 200 }) },
  { additionalProperties: false },
);
export type PresenceQuery = Static<typeof PresenceQuery>;

/**
 * The answer to presence:query. `strangers` are those asked about who share no conversation or
 * group with the asker: their presence is not shared, so a screen must not call them offline
 * (issue 18: a new chat said "offline" for someone who was online). Telling the asker who they
 * have talked with tells them nothing new.
 */
export const PresenceAnswer = Type.Object(
  { online: Type.Array(Username, { maxItems: 200 }), strangers: Type.Array(Username, { maxItems: 200 }) },
  { additionalProperties: false },
);
export type PresenceAnswer = Static<typeof PresenceAnswer>;

export const SocketEvents = {
  messageNew: 'message:new',
  messageBatch: 'message:batch',
  messageUpdate: 'message:update',
  syncDone: 'sync:done',
  receiptUpdate: 'receipt:update',
  presenceUpdate: 'presence:update',
  typingUpdate: 'typing:update',
  sessionRevoked: 'session:revoked',
  groupUpdate: 'group:update',
  conversationUpdate: 'conversation:update',
  profileUpdate: 'profile:update',
  messageAck: 'message:ack',
  typingSet: 'typing:set',
  focusSet: 'focus:set',
  presenceQuery: 'presence:query',
} as const;

export interface ServerToClientEvents {
  'message:new': (payload: DeliveredMessage) => void;
  /** Catch-up: older messages the client missed, oldest first. */
  'message:batch': (payload: MessageBatch) => void;
  /** A message was edited, deleted, hidden for me or reacted to: its new state. */
  'message:update': (payload: MessageUpdate) => void;
  /** Catch-up is complete; what follows is live. */
  'sync:done': (payload: SyncDone) => void;
  'receipt:update': (payload: ReceiptUpdate) => void;
  'presence:update': (payload: PresenceUpdate) => void;
  'typing:update': (payload: TypingUpdate) => void;
  'session:revoked': (payload: SessionRevoked) => void;
  /** A group of yours changed, or you left it or were removed (`group` null). */
  'group:update': (payload: GroupUpdate) => void;
  /** You changed your settings of a 1:1 conversation: mute, pin, archive, unread mark (your own screens only). */
  'conversation:update': (payload: ConversationUpdate) => void;
  /**
   * Someone's display name or picture changed: yours (all your screens), or that of an online
   * person who shares a conversation or group with you. Payload: their whole Profile (profile.ts).
   */
  'profile:update': (payload: Profile) => void;
}

export interface ClientToServerEvents {
  /** The client holds these messages (shown, stored or notified), or these changes' updates (`change.id`): they count as delivered. */
  'message:ack': (payload: AckPayload, ack?: (result: Ack<{ acknowledged: number }>) => void) => void;
  'typing:set': (payload: TypingPayload) => void;
  'focus:set': (payload: FocusPayload) => void;
  'presence:query': (payload: PresenceQuery, ack: (result: Ack<PresenceAnswer>) => void) => void;
}

/** socket.io handshake `auth` field. */
export const HandshakeAuth = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 512 }),
  /** 'web' tabs and 'agent' desktop notifiers; used for presence and notifications. */
  client: Type.Optional(Type.Union([Type.Literal('web'), Type.Literal('agent'), Type.Literal('bot')])),
});
export type HandshakeAuth = Static<typeof HandshakeAuth>;
