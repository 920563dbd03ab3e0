// `@username` mentions, highlighted; a mention of me more strongly. Which `@word` is a mention is
// the protocol's rule (mentionsIn), the same one the server uses to notify muted members, so the
// screen never highlights what the server does not count, or the other way round.
import { mentionsIn } from '@messenger/protocol';
import type { ReactNode } from 'react';

const CANDIDATE = /@[\p{L}\p{N}_.-]+/gu;

/** Where the mentions are in `text`: [start, end, username] (the `@` included in the range). */
export function mentionRanges(text: string): [number, number, string][] {
  const out: [number, number, string][] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    // The character before the `@` decides (an e-mail address mentions nobody), so it goes in.
    const before = match.index > 0 ? text.slice(match.index - 1, match.index) : '';
    const [name] = mentionsIn(before + match[0]);
    if (!name) continue;
    // The rule drops trailing dots ("thanks @bob."): highlight only the name.
    out.push([match.index, match.index + 1 + name.length, name]);
  }
  return out;
}

/** Splits the plain-text parts of `nodes` (rich-text's text nodes) around mentions. */
export function highlightMentions(nodes: readonly ReactNode[], me: string): ReactNode[] {
  const out: ReactNode[] = [];
  nodes.forEach((node, n) => {
    if (typeof node !== 'string') return void out.push(node);
    let last = 0;
    for (const [start, end, name] of mentionRanges(node)) {
      if (start > last) out.push(node.slice(last, start));
      const mine = name === me.toLowerCase();
      out.push(
        <span key={`m-${n}-${start}`} className={`mention${mine ? ' mention-me' : ''}`} data-mention={name} data-testid={mine ? 'mention-me' : 'mention'}>
          {node.slice(start, end)}
        </span>,
      );
      last = end;
    }
    if (last < node.length) out.push(node.slice(last));
  });
  return out;
}

const TYPING_MENTION = /(^|[^\p{L}\p{N}_.@-])@([a-z0-9_.-]{0,32})$/iu;

/** The `@name` being typed just before the caret, if any: where its `@` is, and the name so far. */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | null {
  const match = TYPING_MENTION.exec(text.slice(0, caret));
  if (!match) return null;
  const query = match[2] ?? '';
  return { start: caret - query.length - 1, query: query.toLowerCase() };
}
