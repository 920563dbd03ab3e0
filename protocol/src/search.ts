// Full-text search over the history the asker may read (GET /api/search). Answers carry plain
// text and match ranges, never markup: a client renders the highlights itself, safely.
import { Type, type Static } from '@sinclair/typebox';
import { GroupId, GroupRef } from './group-ref.js';
import { ChatMessage } from './message.js';
import { MessageId, Username } from './primitives.js';

export const MAX_SEARCH_QUERY_LENGTH = 200;
export const MAX_SEARCH_LIMIT = 50;

export const SearchQuery = Type.Object(
  {
    /**
     * Words to find, in any order, in any case; the last word also matches as a prefix unless
     * the text ends with a space. Punctuation separates words and is otherwise ignored: no
     * operators, so nothing a person types is a syntax error.
     */
    q: Type.String({ minLength: 1, maxLength: MAX_SEARCH_QUERY_LENGTH }),
    /** Only the 1:1 conversation with this person. */
    peer: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** Only this group (you must be a member). Not together with `peer`. */
    group: Type.Optional(GroupId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEARCH_LIMIT })),
    /** `nextBefore` of the previous page: results found before that one. */
    before: Type.Optional(MessageId),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuery>;

/** A matched word in `message.text`: [start, end) in UTF-16 code units, as String.slice takes them. */
export const SearchMatch = Type.Object({ start: Type.Integer({ minimum: 0 }), end: Type.Integer({ minimum: 1 }) });
export type SearchMatch = Static<typeof SearchMatch>;

export const SearchHit = Type.Object({
  message: ChatMessage,
  /** Where the message is: the other person of a 1:1 conversation, or the group. */
  conversation: Type.Union([Type.Object({ peer: Username }), Type.Object({ group: GroupRef })]),
  /** The words that matched, in text order, not overlapping. */
  matches: Type.Array(SearchMatch),
});
export type SearchHit = Static<typeof SearchHit>;

export const SearchResponse = Type.Object({
  /** Newest first. */
  results: Type.Array(SearchHit),
  /** Pass as `before` for more results; null when there are none. */
  nextBefore: Type.Union([MessageId, Type.Null()]),
});
export type SearchResponse = Static<typeof SearchResponse>;

/**
 * The words of a search text, as both stores' indexes split text: runs of letters and digits,
 * anything else a separator. NFC first, so that a decomposed "é" typed is one letter.
 */
export function searchWords(q: string): string[] {
  return q.normalize('NFC').match(/[\p{L}\p{N}\p{Co}]+/gu) ?? [];
}
