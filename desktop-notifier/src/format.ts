// Turns a chat message into what the OS shows: plain, short, and safe for every notifier.
import type { ChatMessage } from '@messenger/protocol';

export const APP_NAME = 'chat-notifier';
export const MAX_BODY_CHARS = 200;
export const MAX_TITLE_CHARS = 64;

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
  /** The conversation, for grouping and for the click target. */
  peer: string;
}

/** Title = sender, body = the text as one plain, truncated line. */
export function formatMessage(message: Pick<ChatMessage, 'from' | 'text'>, maxBody = MAX_BODY_CHARS): Formatted {
  const body = truncate(plain(message.text), maxBody);
  return {
    title: truncate(plain(message.from), MAX_TITLE_CHARS),
    body: body.length > 0 ? body : '(empty message)',
    peer: message.from,
  };
}

/** Several catch-up messages from one sender become one notification. */
export function formatSummary(messages: Pick<ChatMessage, 'from' | 'text'>[]): Formatted {
  const last = messages[messages.length - 1];
  if (!last) throw new Error('formatSummary needs at least one message');
  const one = formatMessage(last);
  if (messages.length === 1) return one;
  return { ...one, body: truncate(`(${messages.length} new) ${one.body}`, MAX_BODY_CHARS) };
}

/** The web app's page for a conversation. */
export function conversationUrl(server: string, peer: string): string {
  return `${server.replace(/\/+$/, '')}/c/${encodeURIComponent(peer)}`;
}
