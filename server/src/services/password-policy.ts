// The password policy (OWASP ASVS 5, V6.2): at least 8 characters, not the username nor
// containing it, and not one of the common or breached passwords attackers try first.
//
// The list is `passwords-common` of @zxcvbn-ts/language-common (MIT, maintained with zxcvbn-ts):
// 49,233 passwords ranked by frequency in breach corpora, of which 17,950 are 8 characters or
// more; shorter ones are refused by length anyway. Compared case-insensitively: "Password1"
// is as guessable as "password1".
import { dictionary } from '@zxcvbn-ts/language-common';
import { MIN_PASSWORD_LENGTH, localPasswordProblem, type PasswordProblem } from '@messenger/protocol';

let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'].filter((p) => p.length >= MIN_PASSWORD_LENGTH).map((p) => p.toLowerCase()));
  return common;
}

/** Why `password` may not be chosen by `username` (folded), or null when it may. */
export function passwordProblem(username: string, password: string): PasswordProblem | null {
  return localPasswordProblem(username, password) ?? (commonPasswords().has(password.toLowerCase()) ? 'password_too_common' : null);
}

/** How many list entries the policy refuses; for tests and the docs. */
export function commonPasswordCount(): number {
  return commonPasswords().size;
}
