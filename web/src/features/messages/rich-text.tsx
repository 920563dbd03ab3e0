// Message text with a small, safe subset of Markdown: **bold**, _italic_, `code`, ``` code blocks,
// > quotes and lists, plus links for http(s) URLs and `www.` addresses. The text is parsed into a
// syntax tree (micromark, CommonMark's reference parser, through mdast-util-from-markdown) and
// every node is turned into React elements here, one allowed kind at a time: nothing ever becomes
// HTML from a string, so there is nothing to sanitise. Constructs outside the subset are switched
// off in the parser, so they stay the characters the sender typed:
// - raw HTML (`<b>`), character references (`&#x202E;`), headings (`# x`), rules (`---`), images;
// - `[label](url)` links, whose label could claim one address and open another: a link always
//   shows the address it opens;
// - indented code: four leading spaces are indentation in a chat, not a code block.
// Text keeps its line breaks (the bubble is `white-space: pre-wrap`), mentions are highlighted, and
// bidi overrides are dropped from every text node (bidi.ts).
import type { Nodes, Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmAutolinkLiteralFromMarkdown } from 'mdast-util-gfm-autolink-literal';
import { gfmAutolinkLiteral } from 'micromark-extension-gfm-autolink-literal';
import type { ReactNode } from 'react';
import { displayText } from '../../lib/bidi';
import { highlightMentions } from './mentions';

const OFF = [
  'htmlFlow',
  'htmlText',
  'characterReference',
  'headingAtx',
  'setextUnderline',
  'thematicBreak',
  'labelStartImage',
  'labelStartLink',
  'labelEnd',
  'definition',
  'autolink',
  'codeIndented',
  'hardBreakEscape',
];

/** The address a link may open: http(s) only, so no `javascript:` or `data:` ever becomes one. */
export function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function parseMessage(text: string): Root {
  return fromMarkdown(text, {
    extensions: [gfmAutolinkLiteral(), { disable: { null: OFF } }],
    mdastExtensions: [gfmAutolinkLiteralFromMarkdown()],
  });
}

/** The message as React elements; `me` decides which mentions are mine. */
export function richText(text: string, me: string): ReactNode {
  return render(parseMessage(text), me, 'r');
}

function children(node: { children: Nodes[] }, me: string, key: string): ReactNode[] {
  return node.children.map((child, i) => render(child, me, `${key}.${i}`));
}

function render(node: Nodes, me: string, key: string): ReactNode {
  switch (node.type) {
    case 'root':
      return children(node, me, key);
    case 'paragraph':
      return <p key={key}>{children(node, me, key)}</p>;
    case 'text':
      return <span key={key}>{highlightMentions([displayText(node.value)], me)}</span>;
    case 'strong':
      return <strong key={key}>{children(node, me, key)}</strong>;
    case 'emphasis':
      return <em key={key}>{children(node, me, key)}</em>;
    case 'inlineCode':
      return <code key={key}>{displayText(node.value)}</code>;
    case 'code':
      return (
        <pre key={key}>
          <code>{displayText(node.value)}</code>
        </pre>
      );
    case 'blockquote':
      return <blockquote key={key}>{children(node, me, key)}</blockquote>;
    case 'list':
      return node.ordered ? (
        <ol key={key} start={node.start ?? 1}>
          {children(node, me, key)}
        </ol>
      ) : (
        <ul key={key}>{children(node, me, key)}</ul>
      );
    case 'listItem':
      return <li key={key}>{children(node, me, key)}</li>;
    case 'link': {
      // Only the autolink literal makes links here, so the label is the address itself: plain
      // text, with no mention highlighted inside a URL.
      const label = displayText(node.children.map((c) => ('value' in c ? c.value : '')).join(''));
      const href = safeHref(node.url);
      if (!href) return <span key={key}>{label}</span>;
      return (
        <a key={key} href={href} target="_blank" rel="noopener noreferrer">
          <bdi>{label}</bdi>
        </a>
      );
    }
    case 'break':
      return <br key={key} />;
    default:
      // Nothing else can come out of the parser as configured; should one, its text still shows.
      return 'value' in node && typeof node.value === 'string' ? <span key={key}>{displayText(node.value)}</span> : null;
  }
}

const BLOCKS = new Set(['paragraph', 'listItem', 'code', 'blockquote']);

/**
 * The message as one line of plain text, for previews and notifications: the words as rendered,
 * without the Markdown markers ("**Release** is _today_" → "Release is today"), blocks and line
 * breaks as single spaces. Bidi overrides are dropped as everywhere.
 */
export function plainText(text: string): string {
  const parts: string[] = [];
  const walk = (node: Nodes) => {
    if ('value' in node && typeof node.value === 'string') parts.push(node.value);
    if ('children' in node) for (const child of node.children as Nodes[]) walk(child);
    if (BLOCKS.has(node.type)) parts.push(' ');
  };
  walk(parseMessage(text));
  return displayText(parts.join('')).replace(/\s+/g, ' ').trim();
}

/**
 * True for a short message of nothing but emoji ("👍", "🎉🎉", "🇰🇷", "1️⃣"), which a messenger
 * shows larger. Counted in graphemes, so a family or a flag is one.
 */
export function isEmojiOnly(text: string, max = 8): boolean {
  const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text.trim())].map((s) => s.segment);
  const visible = graphemes.filter((g) => !/^\s+$/u.test(g));
  return visible.length > 0 && visible.length <= max && visible.every((g) => /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u.test(g));
}
