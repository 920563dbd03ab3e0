// Message text as the words a person reads: the web app renders a small Markdown subset
// (web/src/features/messages/rich-text.tsx), and a notification shows the same words without the
// markers ("**Release** is _today_" → "Release is today"). Parsed with the same parser and the
// same switched-off constructs as the web app, so a text the web app shows literally (a heading,
// raw HTML, a [label](url) link) stays literal here too. Kept in the agent rather than shared
// through protocol/: the contract stays free of a Markdown parser the server never needs.
import type { Nodes } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmAutolinkLiteralFromMarkdown } from 'mdast-util-gfm-autolink-literal';
import { gfmAutolinkLiteral } from 'micromark-extension-gfm-autolink-literal';

/**
 * The constructs the web app does not render (rich-text.tsx's OFF): they stay as typed. A test
 * (markdown.test.ts) keeps the two lists the same.
 */
export const OFF = [
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

/** Block nodes: their ends become spaces, so "> a\n\nb" reads "a b", not "ab". */
const BLOCKS = new Set(['paragraph', 'listItem', 'code', 'blockquote']);

/** One line of the text's words; white space collapsed, control characters left to format.ts. */
export function plainMarkdown(text: string): string {
  const tree = fromMarkdown(text, {
    extensions: [gfmAutolinkLiteral(), { disable: { null: OFF } }],
    mdastExtensions: [gfmAutolinkLiteralFromMarkdown()],
  });
  const parts: string[] = [];
  // Iterative: a deeply nested text ("> > > …", sent by anyone) must not exhaust the stack.
  const stack: (Nodes | ' ')[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop() as Nodes | ' ';
    if (node === ' ') {
      parts.push(' ');
      continue;
    }
    if ('value' in node && typeof node.value === 'string') parts.push(node.value);
    if (BLOCKS.has(node.type)) stack.push(' ');
    if ('children' in node) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as Nodes);
  }
  return parts.join('').replace(/\s+/g, ' ').trim();
}
