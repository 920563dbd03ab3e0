import { describe, expect, it } from 'vitest';
import { matchRanges, searchTerms } from './search.repository.js';

const marked = (text: string, q: string) => matchRanges(text, searchTerms(q)).map((m) => text.slice(m.start, m.end));

describe('search terms', () => {
  it('reads words only: punctuation and either store\'s operators separate, a trailing space ends the prefix', () => {
    expect(searchTerms('"foo" AND bar*')).toEqual({ words: ['foo', 'AND', 'bar'], prefix: true });
    expect(searchTerms('NEAR(a b) ')).toEqual({ words: ['NEAR', 'a', 'b'], prefix: false });
    expect(searchTerms("' & !:* -- ;")).toEqual({ words: [], prefix: false });
    // One letter is no prefix worth asking the index for: left out while typed, unless alone.
    expect(searchTerms('hello w')).toEqual({ words: ['hello'], prefix: false });
    expect(searchTerms('hello w ')).toEqual({ words: ['hello', 'w'], prefix: false });
    expect(searchTerms('w')).toEqual({ words: ['w'], prefix: false });
    // A decomposed é typed is one letter, as the index sees it.
    expect(searchTerms('cafe\u0301')).toEqual({ words: ['café'], prefix: true });
    expect(searchTerms('日本語 テキスト')).toEqual({ words: ['日本語', 'テキスト'], prefix: true });
  });
});

describe('match ranges', () => {
  it('marks each matched word of the text in UTF-16 offsets, case and diacritics folded, the prefix on the last word', () => {
    expect(marked('Café au lait, CAFE noir', 'cafe ')).toEqual(['Café', 'CAFE']);
    expect(marked('hello help helicopter hell', 'hel')).toEqual(['hello', 'help', 'helicopter', 'hell']);
    expect(marked('hello help', 'hel ')).toEqual([]);
    expect(marked('e-mail alice@example.com', 'example')).toEqual(['example']);
    // After an astral emoji the offsets still slice the text right.
    const text = '🪁🪁 kite flying';
    expect(matchRanges(text, searchTerms('kite '))).toEqual([{ start: 5, end: 9 }]);
    expect(marked('no match here', 'absent')).toEqual([]);
  });
});
