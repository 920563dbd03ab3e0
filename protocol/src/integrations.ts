// Bot accounts and scoped API tokens: what scripts, bots and agents authenticate with instead of
// a person's password and session (docs/api.md "Tokens and bots").
import { Type, type Static } from '@sinclair/typebox';
import { IsoTimestamp, Username } from './primitives.js';
import { DisplayName } from './profile.js';
import { TextFormats } from './text.js';

/**
 * What a token may do. `send`: POST /send and group sends. `read`: conversations, history, groups
 * and read marks. `receive`: the socket (live messages, catch-up, acks). A signed-in session has
 * all three and is the only way to manage tokens, bots or the account.
 */
export const API_SCOPES = ['send', 'read', 'receive'] as const;
export type ApiScope = (typeof API_SCOPES)[number];
export const ApiScope = Type.Union(API_SCOPES.map((s) => Type.Literal(s)));

/** Every API token starts with this, so secret scanners (and people) recognise a leaked one. */
export const API_TOKEN_PREFIX = 'msk_';
/** `msk_` and 43 base64url characters: 256 random bits. */
export const API_TOKEN_PATTERN = '^msk_[A-Za-z0-9_-]{43}$';

export const MAX_TOKENS_PER_USER = 100;
export const MAX_BOTS_PER_USER = 20;

/** Token ids are UUIDs; the secret is never an id. */
export const ApiTokenId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  minLength: 36,
  maxLength: 36,
});

const TokenName = Type.String({ minLength: 1, maxLength: 64, format: TextFormats.message });

export const CreateApiTokenBody = Type.Object(
  {
    name: TokenName,
    scopes: Type.Array(ApiScope, { minItems: 1, maxItems: API_SCOPES.length, uniqueItems: true }),
    /** One of your bots; absent: a token for yourself. */
    bot: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** Absent: the token lives until revoked. Must be in the future. */
    expiresAt: Type.Optional(IsoTimestamp),
  },
  { additionalProperties: false },
);
export type CreateApiTokenBody = Static<typeof CreateApiTokenBody>;

/** A token as listed: never its secret. */
export const ApiToken = Type.Object({
  id: ApiTokenId,
  name: Type.String(),
  /** Who the token acts as: you, or one of your bots. */
  username: Username,
  scopes: Type.Array(ApiScope),
  createdAt: IsoTimestamp,
  expiresAt: Type.Union([IsoTimestamp, Type.Null()]),
  /** Updated at most once a minute per token. */
  lastUsedAt: Type.Union([IsoTimestamp, Type.Null()]),
});
export type ApiToken = Static<typeof ApiToken>;

/** The answer to a creation, the only one that carries the secret. */
export const CreatedApiToken = Type.Composite([ApiToken, Type.Object({ secret: Type.String({ pattern: API_TOKEN_PATTERN }) })]);
export type CreatedApiToken = Static<typeof CreatedApiToken>;

export const ApiTokensResponse = Type.Object({ tokens: Type.Array(ApiToken) });
export type ApiTokensResponse = Static<typeof ApiTokensResponse>;

export const ApiTokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type ApiTokenParams = Static<typeof ApiTokenParams>;

export const AccountKind = Type.Union([Type.Literal('person'), Type.Literal('bot')]);
export type AccountKind = Static<typeof AccountKind>;

export const CreateBotBody = Type.Object(
  {
    /** The bot's username: the same rules and the same namespace as people's. */
    username: Type.String({ minLength: 1, maxLength: 64 }),
    /** Shown as the bot's profile name: the same rules as a person's (profile.ts). */
    displayName: Type.Optional(DisplayName),
  },
  { additionalProperties: false },
);
export type CreateBotBody = Static<typeof CreateBotBody>;

export const Bot = Type.Object({
  username: Username,
  displayName: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoTimestamp,
});
export type Bot = Static<typeof Bot>;

export const BotsResponse = Type.Object({ bots: Type.Array(Bot) });
export type BotsResponse = Static<typeof BotsResponse>;

export const BotParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }) });
export type BotParams = Static<typeof BotParams>;

export const IntegrationPaths = {
  tokens: '/api/tokens',
  token: (id: string) => `/api/tokens/${encodeURIComponent(id)}`,
  bots: '/api/bots',
  bot: (username: string) => `/api/bots/${encodeURIComponent(username)}`,
} as const;
