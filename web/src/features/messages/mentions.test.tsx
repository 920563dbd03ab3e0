import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { mentionQueryAt, mentionRanges } from './mentions';
import { richText } from './rich-text';

describe('mentions', () => {
  it('finds mentions by the protocol rule: not in e-mail addresses, trailing dots dropped', () => {
    expect(mentionRanges('hi @Bob and @carol.')).toEqual([
      [3, 7, 'bob'],
      [12, 18, 'carol'],
    ]);
    expect(mentionRanges('mail me at dan@example.com')).toEqual([]);
    expect(mentionRanges('@al is too short, @alice_2 is fine')).toEqual([[18, 26, 'alice_2']]);
  });

  it('highlights mentions, mine more strongly, and leaves links alone', () => {
    const { container } = render(<div>{richText('@alice see https://example.com/@bob cc @bob', 'alice')}</div>);
    const me = container.querySelectorAll('.mention-me');
    expect([...me].map((e) => e.textContent)).toEqual(['@alice']);
    const all = container.querySelectorAll('.mention');
    expect([...all].map((e) => e.textContent)).toEqual(['@alice', '@bob']);
    expect(container.querySelector('a')?.textContent).toBe('https://example.com/@bob');
    expect(container.textContent).toBe('@alice see https://example.com/@bob cc @bob');
  });

  it('finds the mention being typed before the caret, not one in an e-mail address or already finished', () => {
    expect(mentionQueryAt('hi @Bo', 6)).toEqual({ start: 3, query: 'bo' });
    expect(mentionQueryAt('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQueryAt('mail dan@exa', 12)).toBeNull();
    expect(mentionQueryAt('hi @bob there', 13)).toBeNull();
    expect(mentionQueryAt('hi @bob there', 7)).toEqual({ start: 3, query: 'bob' });
  });
});
