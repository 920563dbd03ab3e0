// A search result's text as React elements: a snippet around the first match, the matched words
// in <mark>. Built by slicing the plain text at the server's UTF-16 ranges, so nothing in a message
// is ever read as markup. displayText() runs on each slice, after the slicing: it drops characters,
// and doing it first would move every range.
import type { SearchMatch } from '@messenger/protocol';
import type { ReactNode } from 'react';
import { displayText } from '../../lib/bidi';

export interface SnippetPart {
  text: string;
  match: boolean;
}

export interface Snippet {
  parts: SnippetPart[];
  /** Text was cut before / after the snippet. */
  before: boolean;
  after: boolean;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Never cut between the two halves of a surrogate pair (an emoji would show as "�"). */
function safeCut(text: string, at: number): number {
  return at > 0 && at < text.length && isLowSurrogate(text.charCodeAt(at)) ? at - 1 : at;
}

/**
 * The text from `context` code units before the first match to about `length` in all, split at the
 * matches. Ranges that are out of bounds, empty or overlapping are skipped: the text still shows.
 */
export function snippetParts(text: string, matches: readonly SearchMatch[], context = 40, length = 160): Snippet {
  const valid: SearchMatch[] = [];
  let last = 0;
  for (const m of matches) {
    if (m.start < last || m.end <= m.start || m.end > text.length) continue;
    valid.push(m);
    last = m.end;
  }
  const first = valid[0];
  let from = first ? Math.max(0, first.start - context) : 0;
  // Start at a word when one begins close by, not in the middle of one.
  if (from > 0 && first && text[from - 1] !== ' ') {
    const space = text.indexOf(' ', from);
    if (space >= 0 && space < first.start) from = space + 1;
  }
  from = safeCut(text, from);
  const to = safeCut(text, Math.min(text.length, Math.max(from + length, first?.end ?? 0)));
  const parts: SnippetPart[] = [];
  let at = from;
  for (const m of valid) {
    if (m.end <= from) continue;
    if (m.start >= to) break;
    const start = Math.max(m.start, from);
    const end = Math.min(m.end, to);
    if (start > at) parts.push({ text: text.slice(at, start), match: false });
    parts.push({ text: text.slice(start, end), match: true });
    at = end;
  }
  if (at < to) parts.push({ text: text.slice(at, to), match: false });
  return { parts, before: from > 0, after: to < text.length };
}

/** The snippet, isolated (<bdi>) so right-to-left text keeps to itself. */
export function Highlighted({ text, matches }: { text: string; matches: readonly SearchMatch[] }): ReactNode {
  const snippet = snippetParts(text, matches);
  return (
    <bdi className="search-snippet">
      {snippet.before && '…'}
      {snippet.parts.map((part, i) => (part.match ? <mark key={i}>{displayText(part.text)}</mark> : <span key={i}>{displayText(part.text)}</span>))}
      {snippet.after && '…'}
    </bdi>
  );
}
