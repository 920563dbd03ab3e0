import { describe, expect, it } from 'vitest';
import { typingPhrase } from './typing-phrase';

describe('typingPhrase', () => {
  it('names one or two typers and counts three or more', () => {
    expect(typingPhrase([])).toBeNull();
    expect(typingPhrase(['alice'])).toBe('alice is typing…');
    expect(typingPhrase(['alice', 'bob'])).toBe('alice and bob are typing…');
    expect(typingPhrase(['alice', 'bob', 'carol'])).toBe('3 people are typing…');
    expect(typingPhrase(['a1', 'b2', 'c3', 'd4', 'e5'])).toBe('5 people are typing…');
  });
});
