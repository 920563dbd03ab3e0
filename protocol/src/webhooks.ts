// Incoming webhooks: a secret URL that posts as one of your bots to one user or group, for tools
// that can only POST JSON (docs/api.md "Incoming webhooks").
import { Type, type Static } from '@sinclair/typebox';
import { GroupId } from './group-ref.js';
import { IsoTimestamp, MessageText, Username } from './primitives.js';
import { TextFormats } from './text.js';

/** Every webhook secret starts with this, so secret scanners (and people) recognise a leaked one. */
export const WEBHOOK_SECRET_PREFIX = 'mwh_';
/** `mwh_` and 43 base64url characters: 256 random bits, safe in a URL path as it is. */
export const WEBHOOK_SECRET_PATTERN = '^mwh_[A-Za-z0-9_-]{43}$';

export const MAX_WEBHOOKS_PER_USER = 50;

/** Webhook ids are UUIDs; the secret is never an id. */
export const WebhookId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  minLength: 36,
  maxLength: 36,
});

/** Where a webhook's messages go: one person (or bot), or one group its bot is a member of. */
export const WebhookTarget = Type.Union([
  Type.Object({ user: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  Type.Object({ group: GroupId }, { additionalProperties: false }),
]);
export type WebhookTarget = Static<typeof WebhookTarget>;

export const CreateWebhookBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, format: TextFormats.message }),
    /** One of your bots: the webhook's messages come from it. */
    bot: Type.String({ minLength: 1, maxLength: 64 }),
    target: WebhookTarget,
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

/** A webhook as listed: never its secret nor its URL. */
export const Webhook = Type.Object({
  id: WebhookId,
  name: Type.String(),
  bot: Username,
  target: WebhookTarget,
  createdAt: IsoTimestamp,
  /** Updated at most once a minute per webhook. */
  lastUsedAt: Type.Union([IsoTimestamp, Type.Null()]),
});
export type Webhook = Static<typeof Webhook>;

/** The answer to a creation or a rotation, the only ones that carry the secret. */
export const CreatedWebhook = Type.Composite([
  Webhook,
  Type.Object({
    secret: Type.String({ pattern: WEBHOOK_SECRET_PATTERN }),
    /** Where to POST: this server's address as the creating request reached it, then `/hooks/<id>/<secret>`. */
    url: Type.String(),
  }),
]);
export type CreatedWebhook = Static<typeof CreatedWebhook>;

export const WebhooksResponse = Type.Object({ webhooks: Type.Array(Webhook) });
export type WebhooksResponse = Static<typeof WebhooksResponse>;

export const WebhookParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type WebhookParams = Static<typeof WebhookParams>;

/** The incoming URL's two segments; anything malformed is 404 like a wrong secret. */
export const IncomingWebhookParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  secret: Type.String({ minLength: 1, maxLength: 128 }),
});
export type IncomingWebhookParams = Static<typeof IncomingWebhookParams>;

/** What a tool posts: the same `{ "text" }` as Slack's and Mattermost's incoming webhooks. */
export const IncomingWebhookBody = Type.Object({ text: MessageText }, { additionalProperties: false });
export type IncomingWebhookBody = Static<typeof IncomingWebhookBody>;

export const WebhookPaths = {
  webhooks: '/api/webhooks',
  webhook: (id: string) => `/api/webhooks/${encodeURIComponent(id)}`,
  rotate: (id: string) => `/api/webhooks/${encodeURIComponent(id)}/rotate`,
  /** The secret URL's path. */
  incoming: (id: string, secret: string) => `/hooks/${encodeURIComponent(id)}/${encodeURIComponent(secret)}`,
} as const;
