// Bot accounts and API tokens: create, list, revoke. Only a signed-in session reaches these
// (plugins/auth.ts): a token never mints or revokes tokens.
import {
  API_TOKEN_PREFIX,
  MAX_BOTS_PER_USER,
  MAX_TOKENS_PER_USER,
  normalizeDisplayName,
  normalizeUsername,
  type ApiScope,
  type ApiToken,
  type Bot,
  type CreatedApiToken,
} from '@messenger/protocol';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IntegrationsRepository } from '../db/integrations.repository.js';
import { errors } from '../errors.js';
import { hashToken, parseScopes } from './auth.service.js';
import type { DomainEvents } from './domain-events.js';

export interface IntegrationsServiceOptions {
  integrations: IntegrationsRepository;
  events: DomainEvents;
  /** Drops revoked tokens from this process's authentication cache (auth.service.ts). */
  forget: (tokenHashes: Iterable<string>) => void;
  /** Drops a deleted account from this process's cache of known recipients. */
  forgetRecipient: (username: string) => void;
  checkedUsername: (raw: string) => string;
  /** Takes the account out of every group it is in, as leaving would (groups.service.ts). */
  leaveAllGroups: (username: string) => Promise<void>;
}

// Canonical order, so that a token's scopes read the same however they were asked for.
const SCOPE_ORDER: readonly ApiScope[] = ['send', 'read', 'receive'];

function listed(row: {
  id: string;
  username: string;
  name: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}): ApiToken {
  return {
    id: row.id,
    name: row.name,
    username: row.username,
    scopes: parseScopes(row.scopes),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

function bot(row: { username: string; display_name: string | null; created_at: string }): Bot {
  return { username: row.username, displayName: row.display_name, createdAt: row.created_at };
}

export function createIntegrationsService({ integrations, events, forget, forgetRecipient, checkedUsername, leaveAllGroups }: IntegrationsServiceOptions) {
  async function revoked(tokenHashes: string[], reason: string) {
    if (tokenHashes.length === 0) return;
    // After the commit: a lookup that starts later reads the revocation.
    forget(tokenHashes);
    // Closes the tokens' sockets here and on every other instance before we answer.
    await events.emit('sessionsRevoked', { tokenHashes, reason });
  }

  return {
    async createBot(owner: string, rawUsername: string, displayName: string | undefined): Promise<Bot> {
      const username = checkedUsername(rawUsername);
      if ((await integrations.countBots(owner)) >= MAX_BOTS_PER_USER) {
        throw errors.forbidden(`At most ${MAX_BOTS_PER_USER} bots per account; delete one first.`);
      }
      const now = new Date().toISOString();
      // Stored as a person's display name is (trimmed, NFC): it is the bot's profile name too.
      const name = displayName === undefined ? null : normalizeDisplayName(displayName);
      if (!(await integrations.createBot(username, owner, name, now))) throw errors.usernameTaken();
      return { username, displayName: name, createdAt: now };
    },

    async listBots(owner: string): Promise<Bot[]> {
      return (await integrations.listBots(owner)).map(bot);
    },

    /** Someone else's bot is 404 like a missing one, so bot names cannot be probed here. */
    async deleteBot(owner: string, rawUsername: string) {
      const bot = await integrations.findOwnedBot(normalizeUsername(rawUsername), owner);
      if (!bot) throw errors.notFound('No such bot of yours.');
      // Groups first: if that fails half-way, the bot still exists and the delete can be retried.
      // Its members see it leave, as when anyone leaves.
      await leaveAllGroups(bot.username);
      const hashes = await integrations.deleteBot(bot.username, owner, new Date().toISOString());
      if (hashes === undefined) throw errors.notFound('No such bot of yours.');
      // Other instances forget it within their cache's few seconds (send.service.ts).
      forgetRecipient(bot.username);
      await revoked(hashes, 'bot deleted');
    },

    async createToken(
      creator: string,
      body: { name: string; scopes: ApiScope[]; bot?: string; expiresAt?: string },
    ): Promise<CreatedApiToken> {
      const now = new Date();
      if (body.expiresAt !== undefined && Date.parse(body.expiresAt) <= now.getTime()) {
        throw errors.validation('expiresAt must be in the future.');
      }
      let username = creator;
      if (body.bot !== undefined) {
        const owned = await integrations.findOwnedBot(normalizeUsername(body.bot), creator);
        if (!owned) throw errors.notFound('No such bot of yours.');
        username = owned.username;
      }
      if ((await integrations.countLiveTokens(creator, now.toISOString())) >= MAX_TOKENS_PER_USER) {
        throw errors.forbidden(`At most ${MAX_TOKENS_PER_USER} live tokens per account; revoke one first.`);
      }
      // 256 random bits: a token is a bearer secret, never typed, so SHA-256 at rest is enough
      // (argon2 protects guessable passwords; nothing here is guessable).
      const secret = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const scopes = SCOPE_ORDER.filter((s) => body.scopes.includes(s));
      const expiresAt = body.expiresAt === undefined ? null : new Date(body.expiresAt).toISOString();
      const id = randomUUID();
      await integrations.createToken({
        id,
        tokenHash: hashToken(secret),
        username,
        createdBy: creator,
        name: body.name,
        scopes: scopes.join(' '),
        createdAt: now.toISOString(),
        expiresAt,
      });
      return { id, name: body.name, username, scopes, createdAt: now.toISOString(), expiresAt, lastUsedAt: null, secret };
    },

    async listTokens(creator: string): Promise<ApiToken[]> {
      return (await integrations.listTokens(creator, new Date().toISOString())).map(listed);
    },

    /** Someone else's token is 404 like a missing one. */
    async revokeToken(creator: string, id: string) {
      const hash = await integrations.revokeToken(id, creator, new Date().toISOString());
      if (hash === undefined) throw errors.notFound('No such token of yours.');
      await revoked([hash], 'token revoked');
    },
  };
}

export type IntegrationsService = ReturnType<typeof createIntegrationsService>;
