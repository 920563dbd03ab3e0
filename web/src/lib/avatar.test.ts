import { describe, expect, it } from 'vitest';
import { hueOf, initialsOf } from './avatar';

describe('avatars', () => {
  it('gives a name the same hue every time, from the palette, and spreads names over it', () => {
    expect(hueOf('alice')).toBe(hueOf('alice'));
    const hues = new Set(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'].map(hueOf));
    expect(hues.size).toBeGreaterThanOrEqual(4);
    for (const hue of hues) expect([210, 260, 330, 20, 150, 190, 45, 290]).toContain(hue);
  });

  it('takes initials from a username or from the first two words of a group name', () => {
    expect(initialsOf('alice')).toBe('AL');
    expect(initialsOf('On-call rota')).toBe('OR');
    expect(initialsOf('  Platform team  ')).toBe('PT');
    expect(initialsOf('🚀 launch')).toBe('🚀L');
    expect(initialsOf('')).toBe('?');
  });
});
