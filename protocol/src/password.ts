// The password rules a client can check before sending (OWASP ASVS 5, V6.2). The server checks
// them again, and also refuses passwords from a list of common and breached ones that is too
// large to ship to clients.
import { MIN_PASSWORD_LENGTH } from './primitives.js';
import type { ErrorCode } from './errors.js';

export type PasswordProblem = Extract<ErrorCode, 'password_too_short' | 'password_contains_username' | 'password_too_common'>;

/** What to tell the user for each refusal; the server answers with these words too. */
export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  password_too_short: `Use at least ${MIN_PASSWORD_LENGTH} characters.`,
  password_contains_username: 'The password must not contain your username.',
  password_too_common: 'That password is on a list of common or leaked passwords, which attackers try first. Choose another.',
};

/** The rules in one sentence, for a hint under a new-password field. */
export const PASSWORD_RULES_SUMMARY = `At least ${MIN_PASSWORD_LENGTH} characters, not containing your username, and not a common password.`;

/**
 * The rules that need no list: length, counted in code points as users count characters, and
 * not the username (any case) nor containing it. `username` is the folded name.
 */
export function localPasswordProblem(username: string, password: string): PasswordProblem | null {
  if ([...password].length < MIN_PASSWORD_LENGTH || password.trim().length === 0) return 'password_too_short';
  if (username.length > 0 && password.toLowerCase().includes(username.toLowerCase())) return 'password_contains_username';
  return null;
}
