import { describe, expect, it } from 'vitest';
import { PresenceRegistry } from './presence.js';

describe('PresenceRegistry', () => {
  it('is online while any socket is connected', () => {
    const p = new PresenceRegistry();
    expect(p.add('bob', 's1')).toBe(true);
    expect(p.add('bob', 's2')).toBe(false);
    expect(p.remove('bob', 's1')).toBe(false);
    expect(p.isOnline('bob')).toBe(true);
    expect(p.remove('bob', 's2')).toBe(true);
    expect(p.isOnline('bob')).toBe(false);
  });

  it('tracks the conversation a visible tab shows, and forgets it on disconnect', () => {
    const p = new PresenceRegistry();
    p.add('bob', 's1');
    p.setFocus('bob', 's1', 'alice');
    expect(p.isReading('bob', 'alice')).toBe(true);
    expect(p.isReading('bob', 'carol')).toBe(false);
    p.setFocus('bob', 's1', null);
    expect(p.isReading('bob', 'alice')).toBe(false);
    p.setFocus('bob', 's1', 'alice');
    p.remove('bob', 's1');
    expect(p.isReading('bob', 'alice')).toBe(false);
  });
});
