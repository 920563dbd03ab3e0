import { describe, expect, it } from 'vitest';
import {
  check,
  displayNameProblem,
  MAX_DISPLAY_NAME_LENGTH,
  normalizeDisplayName,
  Profile,
  ProfilesQuery,
  UpdateProfileBody,
} from './index.js';

describe('display names', () => {
  it.each([
    ['Alice Liddell', 'Alice Liddell'],
    ['  Zoë  ', 'Zoë'],
    ['Zoe\u0308', 'Zoë'],
    ['محمد', 'محمد'],
    ['🦊'.repeat(MAX_DISPLAY_NAME_LENGTH), '🦊'.repeat(MAX_DISPLAY_NAME_LENGTH)],
    ['a\u200fb', 'a\u200fb'],
  ])('accepts %j, stored as %j', (raw, stored) => {
    expect(normalizeDisplayName(raw)).toBe(stored);
    expect(displayNameProblem(normalizeDisplayName(raw))).toBeUndefined();
    expect(check(UpdateProfileBody, { displayName: raw })).toBe(true);
  });

  it.each([
    ['', 'blank'],
    ['   ', 'blank'],
    ['\u200b', 'blank'],
    ['a'.repeat(MAX_DISPLAY_NAME_LENGTH + 1), 'too_long'],
    ['🦊'.repeat(MAX_DISPLAY_NAME_LENGTH + 1), 'too_long'],
    ['two\nlines', 'control_character'],
    ['tab\there', 'control_character'],
    ['line\u2028sep', 'control_character'],
    ['bell\u0007', 'control_character'],
    ['evil\u202egnp.exe', 'bidi_control'],
    ['\u2067isolate\u2069', 'bidi_control'],
    ['\ud800x', 'lone_surrogate'],
  ] as const)('refuses %j (%s)', (raw, problem) => {
    expect(displayNameProblem(normalizeDisplayName(raw))).toBe(problem);
    expect(check(UpdateProfileBody, { displayName: raw })).toBe(false);
  });

  it('clears with null, and takes nothing else', () => {
    expect(check(UpdateProfileBody, { displayName: null })).toBe(true);
    expect(check(UpdateProfileBody, {})).toBe(false);
    expect(check(UpdateProfileBody, { displayName: 'a', avatarUrl: 'x' })).toBe(false);
  });
});

describe('profiles', () => {
  it('takes only same-origin, versioned avatar paths', () => {
    const ok = { username: 'alice', displayName: null, avatarUrl: '/api/users/alice/avatar?v=0123456789abcdef' };
    expect(check(Profile, ok)).toBe(true);
    for (const avatarUrl of ['https://evil.example/a.png', 'javascript:alert(1)', '//evil.example/api/users/alice/avatar?v=1', '/api/users/alice/avatar', '/api/users/alice/avatar?v=3', '/api/users/alice/avatar?v=0123456789abcdef&x=1']) {
      expect(check(Profile, { ...ok, avatarUrl })).toBe(false);
    }
  });

  it('asks for 1 to 100 folded usernames', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `user${i}`).join(',');
    expect(check(ProfilesQuery, { usernames: 'alice' })).toBe(true);
    expect(check(ProfilesQuery, { usernames: names(100) })).toBe(true);
    expect(check(ProfilesQuery, { usernames: names(101) })).toBe(false);
    for (const usernames of ['', 'Alice', 'alice,', 'alice,,bob', 'al']) expect(check(ProfilesQuery, { usernames })).toBe(false);
  });
});
