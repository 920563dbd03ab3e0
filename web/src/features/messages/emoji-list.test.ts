import { isReactionEmoji, QUICK_REACTIONS } from '@messenger/protocol';
import { describe, expect, it } from 'vitest';
import { EMOJI, emojiName, searchEmoji } from './emoji-list';

describe('the picker’s emoji', () => {
  it('are each one emoji the server takes as a reaction, the quick set included', () => {
    const bad = EMOJI.filter((e) => !isReactionEmoji(e.emoji)).map((e) => e.emoji);
    expect(bad).toEqual([]);
    for (const quick of QUICK_REACTIONS) expect(EMOJI.map((e) => e.emoji)).toContain(quick);
  });

  it('are found by any word of their name or keywords, at a word’s start', () => {
    expect(searchEmoji('thumb').map((e) => e.emoji)).toEqual(['👍', '👎']);
    expect(searchEmoji('tada').map((e) => e.emoji)).toEqual(['🎉']);
    expect(searchEmoji('heart broken').map((e) => e.emoji)).toEqual(['💔']);
    expect(searchEmoji('xyzzy')).toEqual([]);
    expect(searchEmoji('  ')).toBe(EMOJI);
    expect(emojiName('👍')).toBe('thumbs up');
  });
});
