// Message actions (issue 18): reply, edit, delete for everyone, delete for me, reactions.
//
// A reply is an ordinary message that names the one it answers (`replyTo`). Every other action is
// a change: a record of its own on the messages topic (ChangeRecordV3 in record.ts), keyed by the
// person whose view it changes, produced with the same idempotency and signature as a message and
// checked by the same consumer. Nothing in the log is edited in place; the history store applies
// each change to the message it names, and clients get the message's new state as
// `message:update` (socket.ts), live and on catch-up.
import { Type, type Static } from '@sinclair/typebox';
import { IsoTimestamp, MessageId, MessageText, Username } from './primitives.js';
import { MAX_EMOJI_LENGTH, TextFormats } from './text.js';

/** How much of the original a reply quotes; the quote is a snapshot taken when the reply was sent. */
export const REPLY_EXCERPT_LENGTH = 200;

/**
 * The message a reply answers, as quoted in the reply. `text` is cut to REPLY_EXCERPT_LENGTH
 * characters (code points, never half a surrogate pair); it reads '' once the original was
 * deleted for everyone (then `deleted` is true), since a deleted message's text is gone everywhere.
 */
export const ReplyRef = Type.Object(
  {
    id: MessageId,
    from: Username,
    text: Type.String({ maxLength: REPLY_EXCERPT_LENGTH * 2, format: TextFormats.wellFormed }),
    deleted: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
export type ReplyRef = Static<typeof ReplyRef>;

/**
 * A quote as it leaves the server (history, pushes): only bounded, like StoredMessageText, so the
 * response serializer carries no input-only format and a row stored before a rule still loads.
 */
export const StoredReplyRef = Type.Object({
  id: MessageId,
  from: Username,
  text: Type.String({ maxLength: REPLY_EXCERPT_LENGTH * 2 }),
  deleted: Type.Optional(Type.Literal(true)),
});

/** One emoji (isReactionEmoji() in text.ts): a reaction is not a message. */
export const ReactionEmoji = Type.String({ minLength: 1, maxLength: MAX_EMOJI_LENGTH, format: TextFormats.emoji });
export type ReactionEmoji = Static<typeof ReactionEmoji>;

/** The quick set shown first under a message; the picker offers any emoji. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;

/** How many different emoji one message may carry; one more is refused (too_many_reactions). */
export const MAX_DISTINCT_REACTIONS = 20;

/** The reactions on a message: each emoji with who reacted with it, in the order they did. */
export const ReactionSummary = Type.Object(
  // Only bounded on the way out (see StoredReplyRef); the routes check the emoji on the way in.
  { emoji: Type.String({ minLength: 1, maxLength: MAX_EMOJI_LENGTH }), users: Type.Array(Username, { minItems: 1 }) },
  { additionalProperties: false },
);
export type ReactionSummary = Static<typeof ReactionSummary>;

/**
 * What a change does:
 * - `edit`: the author replaces the text (`text` on the record);
 * - `delete`: the author deletes it for everyone: the text is gone from the store, the message
 *   stays as "deleted" so the conversation keeps its shape;
 * - `hide`: someone deletes it for themselves only: gone from their own history and screens;
 * - `react` / `unreact`: someone adds or takes back a reaction (`emoji` on the record).
 */
export const ChangeKind = Type.Union([
  Type.Literal('edit'),
  Type.Literal('delete'),
  Type.Literal('hide'),
  Type.Literal('react'),
  Type.Literal('unreact'),
]);
export type ChangeKind = Static<typeof ChangeKind>;

/** A change as clients see it, beside the message's new state (`message:update`). */
export const MessageChangeInfo = Type.Object({
  /** The change's own id: clients acknowledge it with `message:ack` like a message id. */
  id: MessageId,
  kind: ChangeKind,
  /** Who made it. */
  by: Username,
  at: IsoTimestamp,
});
export type MessageChangeInfo = Static<typeof MessageChangeInfo>;

/** PATCH /api/messages/:id: the author's new text. */
export const EditMessageBody = Type.Object(
  { text: MessageText },
  { additionalProperties: false },
);
export type EditMessageBody = Static<typeof EditMessageBody>;

/** DELETE /api/messages/:id?for=everyone|me. Required: deleting for everyone cannot be undone. */
export const DeleteMessageQuery = Type.Object(
  { for: Type.Union([Type.Literal('everyone'), Type.Literal('me')]) },
  { additionalProperties: false },
);
export type DeleteMessageQuery = Static<typeof DeleteMessageQuery>;

export const MessageParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type MessageParams = Static<typeof MessageParams>;

export const ReactionParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  emoji: Type.String({ minLength: 1, maxLength: 64 }),
});
export type ReactionParams = Static<typeof ReactionParams>;

/** 202 from every action route, once Kafka holds the change (all copies of it, in a group). */
export const ChangeResponse = Type.Object({
  /** The change's id; the same Idempotency-Key gives the same id. */
  id: MessageId,
  messageId: MessageId,
  kind: ChangeKind,
  at: IsoTimestamp,
});
export type ChangeResponse = Static<typeof ChangeResponse>;

export const MessageActionPaths = {
  /** PATCH EditMessageBody (the author edits); DELETE ?for=everyone|me. */
  message: (id: string) => `/api/messages/${encodeURIComponent(id)}`,
  /** PUT: add my reaction; DELETE: take it back. The emoji is percent-encoded in the path. */
  reaction: (id: string, emoji: string) => `/api/messages/${encodeURIComponent(id)}/reactions/${encodeURIComponent(emoji)}`,
} as const;
