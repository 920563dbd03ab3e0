// Turns a chat message into what the OS shows: plain, short, and safe for every notifier.
import { mentions, type ChatMessage } from '@messenger/protocol';
import { plainMarkdown } from './markdown.js';

export const APP_NAME = 'chat-notifier';
export const MAX_BODY_CHARS = 200;
/**
 * Room for "<group name> · <Display Name> (@<sender>) mentioned you" with a 32-character sender,
 * a display name cut to MAX_NAME_IN_TITLE and at least MIN_GROUP_IN_TITLE of the group's name.
 */
export const MAX_TITLE_CHARS = 100;
/** A display name may hold 64 characters; a title shows at most this many of them. */
export const MAX_NAME_IN_TITLE = 31;

// C0 and C1 controls, DEL, bidi marks, embeddings, overrides and isolates, and the invisible
// characters that could disguise text. Not ZWNJ/ZWJ (U+200C/U+200D): emoji sequences and
// scripts such as Persian are spelt with them, and they cannot reorder or hide anything.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** One line of plain text: control characters removed, white space runs collapsed. */
export function plain(text: string): string {
  return text.replace(CONTROL, '').replace(/\s+/g, ' ').trim();
}

/** Shortens to at most `max` characters (code points, never splitting a surrogate pair), adding "…". */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('').trimEnd()}…`;
}

/** Escapes the few characters notification servers with body markup would interpret. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface Formatted {
  title: string;
  body: string;
  /**
   * The conversation, for grouping bubbles: the sender's username, or `#<groupId>` for a group
   * (the server's conversation key; `#` is not allowed in usernames, so the two never collide).
   */
  conversation: string;
  /** The web app's page for it, the click target: `/c/<user>` or `/g/<groupId>`. */
  path: string;
}

/** The parts of a message the notification shows. */
export type Shown = Pick<ChatMessage, 'from' | 'text' | 'group'>;

/** A person's display name: null when none, undefined when not known (names.ts). */
export type NameOf = (username: string) => string | null | undefined;

/** "Display Name (@username)", or the username when there is no other name to show. */
function senderLabel(username: string, names: NameOf | undefined): string {
  const user = plain(username);
  const name = plain(names?.(username) ?? '');
  return name && name !== user ? `${truncate(name, MAX_NAME_IN_TITLE)} (@${user})` : user;
}

/** A group's name gets what the sender leaves of the title, but never less than this. */
const MIN_GROUP_IN_TITLE = 16;
const MENTION_MARK = ' mentioned you';

function isMention(message: Shown, me: string | undefined): boolean {
  // In a 1:1 chat every message is for me; the marker only tells a mention apart in a group.
  return message.group !== undefined && me !== undefined && mentions(message.text, me);
}

/**
 * Title = sender (1:1) or "Group · Sender" (group; "… mentioned you" when the text @mentions `me`),
 * body = the text's words (Markdown markers dropped) as one plain, truncated line. The group name
 * comes from the message (its name when sent) and is stripped like any text a stranger could choose.
 */
export function formatMessage(message: Shown, me?: string, names?: NameOf): Formatted {
  // A text of nothing but markers ("-" is an empty list item, ">" an empty quote) says what was typed.
  const body = truncate(plain(plainMarkdown(message.text)) || plain(message.text), MAX_BODY_CHARS);
  const sender = senderLabel(message.from, names);
  if (!message.group) {
    return {
      title: truncate(sender, MAX_TITLE_CHARS),
      body: body.length > 0 ? body : '(empty message)',
      conversation: message.from,
      path: `/c/${encodeURIComponent(message.from)}`,
    };
  }
  const { id, name } = message.group;
  const who = `${sender}${isMention(message, me) ? MENTION_MARK : ''}`;
  // The name is cut, not the sender or the marker: who wrote, and that it is for me, matter most.
  const room = Math.max(MIN_GROUP_IN_TITLE, MAX_TITLE_CHARS - 3 - Array.from(who).length);
  const title = `${truncate(plain(name) || 'Group', room)} · ${who}`;
  return {
    title: truncate(title, MAX_TITLE_CHARS),
    body: body.length > 0 ? body : '(empty message)',
    conversation: `#${id}`,
    path: `/g/${encodeURIComponent(id)}`,
  };
}

/**
 * Several catch-up messages of one conversation become one notification: the latest text and the
 * count, or, when some of them mention `me`, the latest of those (a mention matters more than
 * the chatter after it). `count`: how many it sums up, when more than the `messages` given.
 */
export function formatSummary(messages: Shown[], me?: string, opts: { count?: number; names?: NameOf } = {}): Formatted {
  const last = messages[messages.length - 1];
  if (!last) throw new Error('formatSummary needs at least one message');
  const count = opts.count ?? messages.length;
  const lead = messages.findLast((m) => isMention(m, me)) ?? last;
  const one = formatMessage(lead, me, opts.names);
  if (count <= 1) return one;
  return { ...one, body: truncate(`(${count} new) ${one.body}`, MAX_BODY_CHARS) };
}

/**
 * The conversation a message belongs to, as notifications group it: the sender's username, or
 * `#<groupId>` (`#` is not allowed in usernames, so the two never collide).
 */
export function conversationOf(message: Pick<ChatMessage, 'from' | 'group'>): string {
  return message.group ? `#${message.group.id}` : message.from;
}

/** The web app's page `path` (from Formatted) on `server`. */
export function appUrl(server: string, path: string): string {
  return `${server.replace(/\/+$/, '')}${path}`;
}
