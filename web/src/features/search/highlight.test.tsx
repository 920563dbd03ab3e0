// Search snippets: highlights come from the server's ranges, by slicing the plain text; nothing in
// a message is ever read as markup, and no slice splits an emoji.
import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Highlighted, snippetParts } from './highlight';

const marks = (container: HTMLElement) => [...container.querySelectorAll('mark')].map((m) => m.textContent);

describe('search snippets', () => {
  it('marks exactly the ranges it is given', () => {
    const { container } = render(<Highlighted text="the quarterly report is late" matches={[{ start: 4, end: 13 }, { start: 14, end: 20 }]} />);
    expect(marks(container)).toEqual(['quarterly', 'report']);
    expect(container.textContent).toBe('the quarterly report is late');
  });

  it('shows markup in a message as text', () => {
    const text = '<img src=x onerror="alert(1)"> hello';
    const { container } = render(<Highlighted text={text} matches={[{ start: 31, end: 36 }]} />);
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toBe(text);
    expect(marks(container)).toEqual(['hello']);
  });

  it('cuts long text around the first match, at a word, with ellipses', () => {
    const text = `${'lorem ipsum '.repeat(20)}needle ${'dolor sit '.repeat(30)}`;
    const start = text.indexOf('needle');
    const snippet = snippetParts(text, [{ start, end: start + 6 }]);
    expect(snippet.before).toBe(true);
    expect(snippet.after).toBe(true);
    expect(snippet.parts[0]?.text.startsWith('lorem') || snippet.parts[0]?.text.startsWith('ipsum')).toBe(true);
    expect(snippet.parts.find((p) => p.match)?.text).toBe('needle');
  });

  it('never splits an emoji at a cut', () => {
    const text = `${'😀'.repeat(30)}word`;
    const start = text.indexOf('word');
    const joined = snippetParts(text, [{ start, end: start + 4 }], 5)
      .parts.map((p) => p.text)
      .join('');
    expect(joined).toMatch(/^(😀)+word$/u);
  });

  it('drops direction overrides inside a match after slicing, so the ranges still hold', () => {
    // U+202E before the matched word: removing it first would shift the range by one.
    const text = 'see \u202Eword here';
    const { container } = render(<Highlighted text={text} matches={[{ start: 5, end: 9 }]} />);
    expect(marks(container)).toEqual(['word']);
    expect(container.textContent).toBe('see word here');
    expect(container.querySelector('bdi')).not.toBeNull();
  });

  it('ignores ranges that are out of bounds, empty or overlapping', () => {
    const snippet = snippetParts('short text', [{ start: 0, end: 5 }, { start: 3, end: 7 }, { start: 6, end: 6 }, { start: 8, end: 99 }]);
    expect(snippet.parts).toEqual([
      { text: 'short', match: true },
      { text: ' text', match: false },
    ]);
  });
});
