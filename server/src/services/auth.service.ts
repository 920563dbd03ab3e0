// Accounts and sessions: argon2id password hashes, random bearer tokens stored as SHA-256.
// API tokens (msk_…) authenticate here too, as sessions with fewer scopes.
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { API_SCOPES, API_TOKEN_PREFIX, isValidUsername, normalizeUsername, type ApiScope } from '@messenger/protocol';
import { LRUCache } from 'lru-cache';
import { createHash, randomBytes } from 'node:crypto';
import type { IntegrationsRepository } from '../db/integrations.repository.js';
import type { UsersRepository } from '../db/users.repository.js';
import { errors } from '../errors.js';
import type { DomainEvents } from './domain-events.js';
import { LoginThrottle } from './login-throttle.js';
import { passwordProblem } from './password-policy.js';

export interface Session {
  username: string;
  /** SHA-256 of the token, hex. Never the token itself. */
  tokenHash: string;
  /** Null: an API token without expiry. */
  expiresAt: string | null;
  /** What it may do: every scope for a signed-in session. */
  scopes: readonly ApiScope[];
  /** The API token's id; null for a signed-in session (the only kind that manages the account). */
  tokenId: string | null;
}

export interface AuthServiceOptions {
  users: UsersRepository;
  integrations: IntegrationsRepository;
  sessionTtlMs: number;
  argon2: { memoryCost: number; timeCost: number };
  loginLimits: { perAccount: number; perAddress: number };
  /**
   * Told of every revocation once it is stored, and awaited: the realtime hub closes the
   * sockets and has every other process drop the sessions from its cache before we answer.
   */
  events: DomainEvents;
}

/**
 * How long a checked session is trusted without asking the store again. Also the longest a
 * revocation waits for other processes to confirm they dropped it (realtime/hub.ts): past that,
 * whatever a silent process cached before the revocation has expired anyway.
 */
export const SESSION_RECHECK_MS = 5_000;
const MAX_CACHED_SESSIONS = 50_000;
const LOGIN_WINDOW_MS = 60_000;
// Worst case each tracked account holds perAccount small records: with the defaults, ~10k
// accounts and ~10k addresses stay in the low megabytes.
const MAX_THROTTLED_KEYS = 10_000;
/**
 * A token's last use is written when it is older than this: at most one write per token per
 * minute, not one per request (and lookups happen only every SESSION_RECHECK_MS anyway).
 */
export const LAST_USED_GRANULARITY_MS = 60_000;
const ALL_SCOPES: readonly ApiScope[] = API_SCOPES;

export function parseScopes(stored: string): ApiScope[] {
  return stored.split(' ').filter((s): s is ApiScope => (API_SCOPES as readonly string[]).includes(s));
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createAuthService({ users, integrations, sessionTtlMs, argon2, loginLimits, events }: AuthServiceOptions) {
  // Algorithm.Argon2id is a const enum, which isolated modules cannot read; its value is 2.
  const ARGON2ID = 2 as Algorithm;
  const argonOptions = { algorithm: ARGON2ID, memoryCost: argon2.memoryCost, timeCost: argon2.timeCost, parallelism: 1 };
  // Verified against when the user does not exist, so a login takes as long either way and
  // response times do not reveal which usernames are registered.
  const dummyHash = hash('not-a-real-password', argonOptions);
  const throttle = new LoginThrottle({ ...loginLimits, windowMs: LOGIN_WINDOW_MS, maxTracked: MAX_THROTTLED_KEYS });

  /**
   * Verifies a password under the failed-login limits. Over a limit, nothing is verified (no
   * argon2 work for the attacker to spend) and the answer is the same whether or not the
   * account exists. `account` is the folded name as typed, valid or not.
   */
  async function verifyThrottled(account: string, password: string, clientAddress: string) {
    const verdict = throttle.begin(account.slice(0, 64), clientAddress);
    if (!verdict.allowed) throw errors.tooManyLoginFailures(verdict.retryAfterSeconds);
    const found = isValidUsername(account) ? await users.find(account) : undefined;
    // Bots have no password: refused like an unknown name, after the same argon2 work.
    const user = found?.kind === 'person' ? found : undefined;
    const ok = await verify(user?.password_hash ?? (await dummyHash), password).catch(() => false);
    if (!user || !ok) throw errors.invalidCredentials();
    throttle.succeeded(verdict.attempt);
    return user;
  }

  // Every request authenticates; a session checked in the last SESSION_RECHECK_MS is not looked
  // up again (a Postgres lookup costs ~0.15-0.35 ms of CPU per request here). A revocation drops
  // it on every process before the revoking request is answered (`forget`, told by the hub).
  // Unknown tokens are never cached.
  // ttlResolution 0: every get reads the clock, so nothing is trusted past its time.
  const recentSessions = new LRUCache<string, Session>({ max: MAX_CACHED_SESSIONS, ttlResolution: 0 });
  // Counts `forget` calls. A lookup that was in flight while sessions were forgotten may have
  // read a row from before the revocation: its answer is used once but not remembered.
  let forgets = 0;
  /** `now`: when the lookup started. Trusted until SESSION_RECHECK_MS after that, or its expiry. */
  function remember(session: Session, now: number) {
    const until = Math.min(now + SESSION_RECHECK_MS, session.expiresAt === null ? Infinity : Date.parse(session.expiresAt));
    // lru-cache counts a ttl from the set, which comes after the lookup: count from `now`.
    const ttl = Math.floor(until - Date.now());
    if (ttl >= 1) recentSessions.set(session.tokenHash, session, { ttl });
  }

  async function issueSession(username: string) {
    const token = randomBytes(32).toString('base64url');
    const now = new Date();
    const expiresAt = new Date(now.getTime() + sessionTtlMs).toISOString();
    await users.createSession(hashToken(token), username, now.toISOString(), expiresAt);
    return { token, expiresAt, user: { username } };
  }

  function checkPolicy(username: string, password: string) {
    const problem = passwordProblem(username, password);
    if (problem) throw errors.passwordRefused(problem);
  }

  function forget(tokenHashes: Iterable<string>) {
    forgets += 1;
    for (const tokenHash of tokenHashes) recentSessions.delete(tokenHash);
  }

  async function signedInSession(tokenHash: string, now: number): Promise<Session | null> {
    const row = await users.findActiveSession(tokenHash, new Date(now).toISOString());
    return row ? { username: row.username, tokenHash, expiresAt: row.expires_at, scopes: ALL_SCOPES, tokenId: null } : null;
  }

  async function apiTokenSession(tokenHash: string, now: number): Promise<Session | null> {
    const iso = new Date(now).toISOString();
    const row = await integrations.findActiveToken(tokenHash, iso);
    if (!row) return null;
    if (row.last_used_at === null || now - Date.parse(row.last_used_at) >= LAST_USED_GRANULARITY_MS) {
      // Advisory: a failed write must not fail the request it describes.
      await integrations.touchToken(row.id, iso).catch(() => undefined);
    }
    return { username: row.username, tokenHash, expiresAt: row.expires_at, scopes: parseScopes(row.scopes), tokenId: row.id };
  }

  function checkedUsername(raw: string): string {
    const username = normalizeUsername(raw);
    if (!isValidUsername(username)) {
      throw errors.validation('Usernames are 3 to 32 characters: a-z, 0-9, dot, dash or underscore.');
    }
    return username;
  }

  return {
    checkedUsername,

    /** Drops sessions another process revoked from this one's cache. */
    forget,

    async register(rawUsername: string, password: string) {
      const username = checkedUsername(rawUsername);
      checkPolicy(username, password);
      const passwordHash = await hash(password, argonOptions);
      if (!(await users.create(username, passwordHash, new Date().toISOString()))) throw errors.usernameTaken();
      return issueSession(username);
    },

    async login(rawUsername: string, password: string, clientAddress: string) {
      const user = await verifyThrottled(normalizeUsername(rawUsername), password, clientAddress);
      return issueSession(user.username);
    },

    /** The session a token belongs to, or null when it is unknown, expired or revoked. */
    async authenticate(token: string): Promise<Session | null> {
      if (token.length === 0 || token.length > 512) return null;
      const tokenHash = hashToken(token);
      const now = Date.now();
      const cached = recentSessions.get(tokenHash);
      if (cached) return cached;
      const forgetsBefore = forgets;
      const session = token.startsWith(API_TOKEN_PREFIX) ? await apiTokenSession(tokenHash, now) : await signedInSession(tokenHash, now);
      if (session && forgets === forgetsBefore) remember(session, now);
      return session;
    },

    async stillValid(tokenHash: string): Promise<boolean> {
      const now = new Date().toISOString();
      return (
        (await users.findActiveSession(tokenHash, now)) !== undefined || (await integrations.findActiveToken(tokenHash, now)) !== undefined
      );
    },

    async logout(session: Session) {
      await users.revokeSession(session.tokenHash, new Date().toISOString());
      // After the commit: a lookup that starts later reads the revocation.
      forget([session.tokenHash]);
      await events.emit('sessionsRevoked', { tokenHashes: [session.tokenHash], reason: 'logged out' });
    },

    /**
     * Changes the password and revokes every other session of the user; returns their token
     * hashes. The current password is verified under the login limits: a stolen session must
     * not become an unthrottled password oracle.
     */
    async changePassword(session: Session, currentPassword: string, newPassword: string, clientAddress: string) {
      await verifyThrottled(session.username, currentPassword, clientAddress);
      checkPolicy(session.username, newPassword);
      const passwordHash = await hash(newPassword, argonOptions);
      const revoked = await users.setPassword(session.username, passwordHash, new Date().toISOString(), session.tokenHash);
      forget(revoked);
      if (revoked.length > 0) await events.emit('sessionsRevoked', { tokenHashes: revoked, reason: 'password changed' });
      return revoked;
    },

    /** Ends every session of the user, the caller's included. */
    async logoutEverywhere(username: string) {
      const revoked = await users.revokeAllSessions(username, new Date().toISOString());
      forget(revoked);
      await events.emit('userSignedOut', { username, tokenHashes: revoked, reason: 'signed out everywhere' });
      return revoked;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
