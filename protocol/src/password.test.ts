import { describe, expect, it } from 'vitest';
import { localPasswordProblem } from './password.js';

describe('localPasswordProblem', () => {
  it('counts characters as users do, not UTF-16 units', () => {
    expect(localPasswordProblem('alice', '🔒🔒🔒🔒🔒🔒🔒')).toBe('password_too_short'); // 7 characters, 14 units
    expect(localPasswordProblem('alice', '🔒🔒🔒🔒🔒🔒🔒🔒')).toBeNull();
  });
  it('refuses the username in any case, anywhere in the password', () => {
    expect(localPasswordProblem('alice', 'xxALICExx')).toBe('password_contains_username');
    expect(localPasswordProblem('alice', 'alice')).toBe('password_too_short');
    expect(localPasswordProblem('alice', 'my name is Alice!')).toBe('password_contains_username');
    expect(localPasswordProblem('alice', 'malicious intent')).toBeNull();
    expect(localPasswordProblem('alice', 'bob and carol')).toBeNull();
  });
});
