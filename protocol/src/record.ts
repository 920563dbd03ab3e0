// The Kafka record on the messages topic: versioned JSON value, key = recipient, id in a header.
import { Type, type Static } from '@sinclair/typebox';
import { GroupRef } from './group-ref.js';
import { IsoTimestamp, MessageId, MessageText, Username } from './primitives.js';
import { ChangeKind, ReactionEmoji, ReplyRef } from './actions.js';

export const CHAT_RECORD_VERSION = 1;
/** Version 2: a member's copy of a group message (version 1 plus `group`). 1:1 records stay version 1. */
export const GROUP_RECORD_VERSION = 2;
/** Version 3: a change to a message (edit, delete, hide, react, unreact), not a message. */
export const CHANGE_RECORD_VERSION = 3;

/** Header names on every record the server produces. */
export const RecordHeaders = {
  messageId: 'message-id',
  schemaVersion: 'schema-version',
  contentType: 'content-type',
  /**
   * The sender, so a consumer can route a record without parsing it (the key is the recipient).
   * Not signed: only a hint for skipping; the signed value's `from` is what counts.
   */
  sender: 'sender',
  /**
   * The socket the sender sent from (the send's X-Socket-Id), on a 1:1 record or the sender's own
   * group copy: that socket gets no echo. Not signed: it can only spare a socket of the signed
   * `from`, and the server checks that before it skips one.
   */
  originSocket: 'origin-socket',
  /** HMAC-SHA256 (base64url) over the record; see server/src/delivery/record-signature.ts. */
  signature: 'signature',
  /** Which of the servers' signing keys made `signature`, so keys can rotate. */
  signatureKeyId: 'signature-key-id',
} as const;

/** Header names on dead-letter records (`<topic>.dlq`). */
export const DlqHeaders = {
  error: 'dlq-error',
  reason: 'dlq-reason',
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
  failedAt: 'dlq-failed-at',
} as const;

/** Records larger than this are rejected by the consumer as poison. */
export const MAX_RECORD_BYTES = 64 * 1024;

export const ChatRecordV1 = Type.Object(
  {
    v: Type.Literal(CHAT_RECORD_VERSION),
    id: MessageId,
    from: Username,
    to: Username,
    text: MessageText,
    sentAt: IsoTimestamp,
    /** On a reply: the message it answers, quoted as it stood when the reply was sent. */
    replyTo: Type.Optional(ReplyRef),
  },
  { additionalProperties: false, $id: 'ChatRecordV1' },
);
export type ChatRecordV1 = Static<typeof ChatRecordV1>;

/**
 * One member's copy of a group message, keyed by that member like any record: the member's inbox
 * group counts it. Every copy of one message has the same id; the sender gets one too.
 */
export const ChatRecordV2 = Type.Object(
  { ...ChatRecordV1.properties, v: Type.Literal(GROUP_RECORD_VERSION), group: GroupRef },
  { additionalProperties: false, $id: 'ChatRecordV2' },
);
export type ChatRecordV2 = Static<typeof ChatRecordV2>;

export const ChatRecord = Type.Union([ChatRecordV1, ChatRecordV2]);
export type ChatRecord = ChatRecordV1 | ChatRecordV2;

/**
 * A change to a message (actions.ts), keyed by `to` like a message: the person whose view it
 * changes, so their inbox group counts it and catch-up brings it. The message-id header holds the
 * change's own `id`; the schema-version header says 3.
 * - 1:1: one record, `to` = the other side of the conversation from `from` (the author's edit goes
 *   to the recipient, a reaction by the recipient goes to the author); `hide` is keyed by `from`
 *   itself (`to` = `from`). The store applies it to the one row both sides read.
 * - Group: one record per member (the actor included), each with `group` set and `to` = that
 *   member, written in one Kafka transaction like a message's copies; `hide` is one record to
 *   the actor. Each applies to its member's copy.
 */
export const ChangeRecordV3 = Type.Object(
  {
    v: Type.Literal(CHANGE_RECORD_VERSION),
    /** The change's own id (a UUID): idempotency, dedupe, acknowledgement. */
    id: MessageId,
    kind: ChangeKind,
    /** The message it changes. */
    messageId: MessageId,
    /** Who made the change. Only the message's author may `edit` or `delete`. */
    from: Username,
    /** Whose view it changes: the record's key. */
    to: Username,
    at: IsoTimestamp,
    /** `edit`: the new text. */
    text: Type.Optional(MessageText),
    /** `react` and `unreact`: the emoji. */
    emoji: Type.Optional(ReactionEmoji),
    group: Type.Optional(GroupRef),
  },
  { additionalProperties: false, $id: 'ChangeRecordV3' },
);
export type ChangeRecordV3 = Static<typeof ChangeRecordV3>;

/** Anything the messages topic carries. */
export const TopicRecord = Type.Union([ChatRecordV1, ChatRecordV2, ChangeRecordV3]);
export type TopicRecord = ChatRecord | ChangeRecordV3;
