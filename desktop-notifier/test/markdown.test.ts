import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMessage, formatSummary } from '../src/format.js';
import fs from 'node:fs';
import { OFF, plainMarkdown } from '../src/markdown.js';

describe('plainMarkdown', () => {
  it('switches off the same constructs as the web app, so both read a text alike', () => {
    const web = fs.readFileSync(new URL('../../web/src/features/messages/rich-text.tsx', import.meta.url), 'utf8');
    const list = /const OFF = \[([^\]]*)\]/.exec(web)?.[1] ?? '';
    expect([...list.matchAll(/'([^']+)'/g)].map((m) => m[1])).toEqual(OFF);
  });

  it('drops the markers of the subset the web app renders, as its list preview does', () => {
    expect(plainMarkdown('**Release** is _today_')).toBe('Release is today');
    expect(plainMarkdown('run `npm test` first')).toBe('run npm test first');
    expect(plainMarkdown('> quoted\n\nmine')).toBe('quoted mine');
    expect(plainMarkdown('- one\n- two\n1. three')).toBe('one two three');
    expect(plainMarkdown('```\nconst x = 1;\n```')).toBe('const x = 1;');
    expect(plainMarkdown('see www.example.com/a_b_c and https://x.test/*y*')).toBe('see www.example.com/a_b_c and https://x.test/*y*');
  });

  it('keeps what the web app does not render as Markdown, as typed', () => {
    // Headings, raw HTML, character references and [label](url) links are off in the web app.
    expect(plainMarkdown('# not a heading')).toBe('# not a heading');
    expect(plainMarkdown('<b>bold</b> &amp;')).toBe('<b>bold</b> &amp;');
    expect(plainMarkdown('[bank](https://evil.test)')).toBe('[bank](https://evil.test)');
    expect(plainMarkdown('    four spaces')).toBe('four spaces');
  });

  it('never throws and never returns a line break', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(plainMarkdown(s)).not.toMatch(/[\r\n]/);
      }),
    );
  });
});

describe('notification bodies', () => {
  it('show the words, not the Markdown markers', () => {
    expect(formatMessage({ from: 'alice', text: '**Deploy** done, see `log`\n> ok' }).body).toBe('Deploy done, see log ok');
    expect(formatSummary([{ from: 'alice', text: 'a' }, { from: 'alice', text: '_b_' }]).body).toBe('(2 new) b');
  });

  it('show the text as typed when it is only Markdown markers ("-" is an empty list item)', () => {
    for (const text of ['-', '>', '1.', '* ', '```']) expect(formatMessage({ from: 'alice', text }).body).toBe(text.trim());
  });

  it('show an empty-looking message as such', () => {
    expect(formatMessage({ from: 'alice', text: '**  **' }).body).toBe('** **');
    expect(formatMessage({ from: 'alice', text: '``' }).body).toBe('``');
  });
});
