// Turns http(s) URLs in message text into safe links. Everything else stays plain text: React
// escapes it, and nothing here ever builds HTML from the message. Bidi overrides are dropped and
// each link label is isolated, so neither can make a link or file name read backwards (bidi.ts).
import type { ReactNode } from 'react';
import { displayText } from '../../lib/bidi';

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

export function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function linkify(original: string): ReactNode[] {
  const text = displayText(original);
  const out: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    let raw = match[0];
    const trailing = TRAILING.exec(raw)?.[0] ?? '';
    // Keep a closing parenthesis that belongs to the URL, e.g. wikipedia links.
    if (trailing) raw = raw.slice(0, raw.length - trailing.length);
    const href = safeHref(raw);
    if (!href) continue;
    if (start > last) out.push(text.slice(last, start));
    out.push(
      <a key={`${start}-${raw}`} href={href} target="_blank" rel="noopener noreferrer">
        <bdi>{raw}</bdi>
      </a>,
    );
    last = start + raw.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
