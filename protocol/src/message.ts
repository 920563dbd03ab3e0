// A chat message as clients see it: the record plus its receipt state. Where Kafka put it
// (partition, offset) stays on the server, which needs it for the delivery record; only the
// sender's POST /send answer carries it (SendResponse), for scripts that look the record up.
import { Type, type Static } from '@sinclair/typebox';
import { IsoTimestamp, MessageId, StoredMessageText, Username } from './primitives.js';
import { GroupRef } from './group-ref.js';
import { ReactionSummary, StoredReplyRef } from './actions.js';

export const ReceiptState = Type.Union([
  Type.Literal('sent'),
  Type.Literal('delivered'),
  Type.Literal('read'),
]);
export type ReceiptState = Static<typeof ReceiptState>;

export const ChatMessage = Type.Object(
  {
    id: MessageId,
    from: Username,
    to: Username,
    text: StoredMessageText,
    sentAt: IsoTimestamp,
    state: ReceiptState,
    /**
     * Set on a group message. Each member has their own copy: `to` is the member the copy is for
     * (the sender's own copy has `to` equal to `from`).
     */
    group: Type.Optional(GroupRef),
    /** On a reply: the message it answers, as quoted (actions.ts). */
    replyTo: Type.Optional(StoredReplyRef),
    /** When the author last edited the text; absent if never. */
    editedAt: Type.Optional(IsoTimestamp),
    /** Deleted for everyone by its author: `text` is '' and the text is gone from the store. */
    deleted: Type.Optional(Type.Literal(true)),
    /** Reactions, absent when there is none. */
    reactions: Type.Optional(Type.Array(ReactionSummary, { maxItems: 20 })),
  },
  { $id: 'ChatMessage' },
);
export type ChatMessage = Static<typeof ChatMessage>;

/** Order of receipt states; a state never moves backwards. */
export const RECEIPT_RANK: Record<ReceiptState, number> = { sent: 0, delivered: 1, read: 2 };

export function laterState(a: ReceiptState, b: ReceiptState): ReceiptState {
  return RECEIPT_RANK[a] >= RECEIPT_RANK[b] ? a : b;
}
