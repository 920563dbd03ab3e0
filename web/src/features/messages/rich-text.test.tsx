// The safe Markdown subset: what becomes formatting, what stays the characters typed, and that no
// input makes an element outside the subset or a link to anything but http(s).
import { render } from '@testing-library/react';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEmojiOnly, plainText, richText } from './rich-text';

function shown(text: string, me = 'alice') {
  const { container } = render(<div data-testid="text">{richText(text, me)}</div>);
  return container.firstElementChild as HTMLElement;
}

const ALLOWED = new Set(['DIV', 'P', 'SPAN', 'STRONG', 'EM', 'CODE', 'PRE', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'A', 'BDI', 'BR']);

describe('formatting', () => {
  it('renders bold, italic, inline code and code blocks', () => {
    const el = shown('**bold** and _italic_ and *also* and `a <b> c`\n\n```\nconst x = 1;\n  indented\n```');
    expect(el.querySelector('strong')?.textContent).toBe('bold');
    expect([...el.querySelectorAll('em')].map((e) => e.textContent)).toEqual(['italic', 'also']);
    expect(el.querySelector('p code')?.textContent).toBe('a <b> c');
    expect(el.querySelector('pre code')?.textContent).toBe('const x = 1;\n  indented');
  });

  it('renders quotes and lists', () => {
    const el = shown('> quoted\n\n- one\n- two\n\n3. three\n4. four');
    expect(el.querySelector('blockquote')?.textContent).toBe('quoted');
    expect([...el.querySelectorAll('ul li')].map((e) => e.textContent)).toEqual(['one', 'two']);
    const ol = el.querySelector('ol');
    expect(ol?.getAttribute('start')).toBe('3');
    expect([...(ol?.querySelectorAll('li') ?? [])].map((e) => e.textContent)).toEqual(['three', 'four']);
  });

  it('keeps snake_case words and a lone star as typed', () => {
    expect(shown('use some_long_name * 2').textContent).toBe('use some_long_name * 2');
    expect(shown('use some_long_name * 2').querySelector('em')).toBeNull();
  });

  it('lets a backslash keep a marker literal', () => {
    const el = shown('\\*not bold\\*');
    expect(el.textContent).toBe('*not bold*');
    expect(el.querySelector('em, strong')).toBeNull();
  });
});

describe('what stays as typed', () => {
  it.each([
    ['raw HTML', '<b>hi</b> <img src=x onerror=alert(1)>'],
    ['a heading', '# not a heading'],
    ['a rule', '---'],
    ['a Markdown link, whose label could lie', '[https://bank.example](https://evil.example)'],
    ['an image', '![x](https://example.com/x.png)'],
    ['a character reference', 'a&#x202E;b &amp; c'],
    ['indentation', '    four spaces are not code'],
  ])('%s', (_, text) => {
    const el = shown(text);
    expect(el.textContent).toBe(text.trim() === text ? text : text.trimStart());
    expect(el.querySelector('img, h1, hr, pre, b')).toBeNull();
    if (text.startsWith('[')) expect([...el.querySelectorAll('a')].map((a) => a.textContent)).toEqual(['https://bank.example', 'https://evil.example']);
  });
});

describe('links', () => {
  it('links http(s) and www. addresses, showing the address they open', () => {
    const el = shown('see https://example.com/a?b=1, and www.example.org/x.');
    const links = [...el.querySelectorAll('a')];
    expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
      ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
      ['www.example.org/x', 'http://www.example.org/x'],
    ]);
    for (const a of links) expect([a.target, a.rel]).toEqual(['_blank', 'noopener noreferrer']);
  });

  it('never links javascript:, data: or an e-mail address', () => {
    const el = shown('javascript:alert(1) data:text/html,x mail dan@example.com');
    expect(el.querySelector('a')).toBeNull();
    expect(el.textContent).toBe('javascript:alert(1) data:text/html,x mail dan@example.com');
  });
});

describe('safety', () => {
  it('drops bidi overrides in every kind of node', () => {
    const el = shown('photo\u202Etxt.exe `a\u202Eb` **c\u202Ed**');
    expect(el.textContent).toBe('phototxt.exe ab cd');
  });

  it('makes only the allowed elements and http(s) links, whatever the input', () => {
    const pieces = fc.constantFrom('*', '_', '`', '```', '>', '-', '1.', '<', '>', '[', ']', '(', ')', '!', '&', '#', ';', 'x', ' ', '\n', 'www.', 'https://a.b', 'javascript:', '\u202E', '@bob');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const { container, unmount } = render(<div>{richText(parts.join(''), 'alice')}</div>);
        for (const el of container.querySelectorAll('*')) expect(ALLOWED.has(el.tagName), el.tagName).toBe(true);
        for (const a of container.querySelectorAll('a')) expect(a.getAttribute('href')).toMatch(/^https?:\/\//);
        expect(container.textContent).not.toContain('\u202E');
        unmount();
      }),
      { numRuns: 200 },
    );
    // Rendering 200 trees on a shared, busy machine: a generous deadline, not a speed claim.
  }, 60_000);
});

describe('emoji-only messages', () => {
  it.each([['👍'], ['🎉🎉🎉'], ['👨‍👩‍👧'], ['🇰🇷'], ['1️⃣'], [' ❤️ ']])('%s is shown large', (text) => expect(isEmojiOnly(text)).toBe(true));
  it.each([['ok 👍'], ['1'], [''], ['   '], ['🎉'.repeat(9)], [':)']])('%j is not', (text) => expect(isEmojiOnly(text)).toBe(false));
});

describe('plain text for previews and notifications', () => {
  it.each([
    ['**Release** is _today_: run `npm test`', 'Release is today: run npm test'],
    ['> quoted\n\n- one\n- two', 'quoted one two'],
    ['```\nconst x = 1;\n```', 'const x = 1;'],
    ['see www.example.org', 'see www.example.org'],
    ['<b>as typed</b> [a](b)', '<b>as typed</b> [a](b)'],
    ['photo\u202Etxt.exe', 'phototxt.exe'],
  ])('%j → %j', (text, plain) => expect(plainText(text)).toBe(plain));
});
