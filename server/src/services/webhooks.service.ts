// Incoming webhooks: create, list, rotate, revoke (a signed-in session only), and the secret URL's
// check and post. A post is a send by the webhook's bot through send.service, so it has the same
// 202/503/Idempotency-Key answers as POST /send.
import {
  MAX_WEBHOOKS_PER_USER,
  normalizeUsername,
  WEBHOOK_SECRET_PREFIX,
  type CreateWebhookBody,
  type SendResponse,
  type Webhook,
} from '@messenger/protocol';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { GroupsRepository } from '../db/groups.repository.js';
import type { IntegrationsRepository } from '../db/integrations.repository.js';
import type { UsersRepository } from '../db/users.repository.js';
import type { WebhooksRepository } from '../db/webhooks.repository.js';
import { errors } from '../errors.js';
import type { SendService } from './send.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** lastUsedAt is written at most this often per webhook: one write a minute, not one per post. */
const TOUCH_EVERY_MS = 60_000;

const sha256 = (secret: string) => createHash('sha256').update(secret).digest();
/** Compared against when the id matches nothing, so a miss costs what a wrong secret costs. */
const NO_HASH = sha256('no such webhook');

type Row = {
  id: string;
  name: string;
  bot: string;
  target_user: string | null;
  target_group: string | null;
  created_at: string;
  last_used_at: string | null;
};

function listed(row: Row): Webhook {
  const target = row.target_group !== null ? { group: row.target_group } : { user: row.target_user ?? '' };
  return { id: row.id, name: row.name, bot: row.bot, target, createdAt: row.created_at, lastUsedAt: row.last_used_at };
}

/** A webhook whose URL checked out: what a post needs. */
export type VerifiedWebhook = Webhook;

function newSecret() {
  // 256 random bits: never typed, never guessable, so SHA-256 at rest is enough (as for API tokens).
  const secret = WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64url');
  return { secret, hash: sha256(secret).toString('hex') };
}

export function createWebhooksService(deps: {
  webhooks: WebhooksRepository;
  integrations: Pick<IntegrationsRepository, 'findOwnedBot'>;
  users: Pick<UsersRepository, 'exists'>;
  groups: Pick<GroupsRepository, 'roleOf'>;
  send: Pick<SendService, 'send' | 'sendToGroup'>;
}) {
  /** `owner`'s webhook with a live bot, or 404 alike for someone else's, a missing or malformed id. */
  async function owned(owner: string, id: string) {
    const row = UUID.test(id) ? await deps.webhooks.findLive(id) : undefined;
    if (!row || row.created_by !== owner) throw errors.notFound('No such webhook of yours.');
    return row;
  }

  return {
    async create(owner: string, body: CreateWebhookBody): Promise<{ webhook: Webhook; secret: string }> {
      const bot = await deps.integrations.findOwnedBot(normalizeUsername(body.bot), owner);
      if (!bot) throw errors.notFound('No such bot of yours.');
      let targetUser: string | null = null;
      let targetGroup: string | null = null;
      if ('group' in body.target) {
        // The bot must be in the group now; a post checks again, since it may leave or be removed.
        if (!(await deps.groups.roleOf(body.target.group, bot.username))) throw errors.groupNotFound();
        targetGroup = body.target.group;
      } else {
        targetUser = normalizeUsername(body.target.user);
        if (targetUser === bot.username) throw errors.validation('A webhook cannot post to its own bot.');
        if (!(await deps.users.exists(targetUser))) throw errors.recipientNotFound(targetUser);
      }
      if ((await deps.webhooks.count(owner)) >= MAX_WEBHOOKS_PER_USER) {
        throw errors.forbidden(`At most ${MAX_WEBHOOKS_PER_USER} webhooks per account; revoke one first.`);
      }
      const { secret, hash } = newSecret();
      const row = {
        id: randomUUID(),
        name: body.name,
        bot: bot.username,
        target_user: targetUser,
        target_group: targetGroup,
        created_at: new Date().toISOString(),
        last_used_at: null,
      };
      await deps.webhooks.create({
        id: row.id,
        secretHash: hash,
        bot: row.bot,
        createdBy: owner,
        name: row.name,
        targetUser,
        targetGroup,
        createdAt: row.created_at,
      });
      return { webhook: listed(row), secret };
    },

    async list(owner: string): Promise<Webhook[]> {
      return (await deps.webhooks.list(owner)).map(listed);
    },

    /** A new secret; the old one stops working before this answers, on every instance (no cache). */
    async rotate(owner: string, id: string): Promise<{ webhook: Webhook; secret: string }> {
      const row = await owned(owner, id);
      const { secret, hash } = newSecret();
      if (!(await deps.webhooks.rotate(row.id, owner, hash))) throw errors.notFound('No such webhook of yours.');
      return { webhook: listed(row), secret };
    },

    async revoke(owner: string, id: string): Promise<void> {
      if (!UUID.test(id) || !(await deps.webhooks.revoke(id, owner))) throw errors.notFound('No such webhook of yours.');
    },

    /**
     * The webhook this id and secret open, or undefined. Always one lookup by id and one
     * constant-time comparison of SHA-256 digests, whatever is wrong: the time an answer takes
     * tells at most whether the id exists (a random UUID, worth nothing without the secret).
     * Not cached, so a rotation or revocation holds on every instance at once.
     */
    async verify(id: string, secret: string): Promise<VerifiedWebhook | undefined> {
      const row = UUID.test(id) ? await deps.webhooks.findLive(id) : undefined;
      const expected = row ? Buffer.from(row.secret_hash, 'hex') : NO_HASH;
      const given = sha256(secret);
      const same = expected.length === given.length && timingSafeEqual(expected, given);
      return row && same ? listed(row) : undefined;
    },

    /**
     * Sends `text` as the webhook's bot. Idempotency-Keys are the webhook's own: the same key on
     * another webhook of the same bot, or on the bot's /send, is another message. A space cannot
     * occur in a key (printable ASCII without it), so no /send key can collide with these.
     */
    async post(hook: VerifiedWebhook, text: string, idempotencyKey: string | undefined): Promise<SendResponse> {
      const key = idempotencyKey === undefined ? undefined : `webhook:${hook.id} ${idempotencyKey}`;
      const result =
        'group' in hook.target
          ? await deps.send.sendToGroup(hook.bot, hook.target.group, text, key)
          : await deps.send.send(hook.bot, hook.target.user, text, key);
      const now = Date.now();
      if (hook.lastUsedAt === null || now - Date.parse(hook.lastUsedAt) >= TOUCH_EVERY_MS) {
        // The message is in Kafka: a failed bookkeeping write must not turn its 202 into an error.
        await deps.webhooks.touch(hook.id, new Date(now).toISOString()).catch(() => undefined);
      }
      return result;
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
