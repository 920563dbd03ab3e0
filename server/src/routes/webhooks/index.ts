// Managing incoming webhooks. Every route here needs a signed-in session (no `scope` in the route
// config): an API token cannot mint a secret URL, as it cannot mint tokens.
import { CreatedWebhook, CreateWebhookBody, ErrorBody, WebhookParams, WebhookPaths, WebhooksResponse, type Webhook } from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { errors } from '../../errors.js';

const tags = ['webhooks'];
const asked = { 401: ErrorBody, 403: ErrorBody };

/**
 * The secret URL as the creating client reached this server (behind a trusted proxy, its
 * X-Forwarded-Proto and -Host): the address that client already knows works.
 */
function created(request: FastifyRequest, webhook: Webhook, secret: string): CreatedWebhook {
  return { ...webhook, secret, url: `${request.protocol}://${request.host}${WebhookPaths.incoming(webhook.id, secret)}` };
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { webhooksService: webhooks } = app;

  function me(session: { username: string } | null): string {
    if (!session) throw errors.unauthorized();
    return session.username;
  }

  app.post(
    '/api/webhooks',
    {
      schema: {
        tags,
        summary: 'Create an incoming webhook: a secret URL that posts as one of your bots; the secret is shown only in this answer',
        description:
          'target is { user } or { group }; a group must be one the bot is a member of (404 group_not_found otherwise, also when it leaves later). Someone else\'s bot is 404. The secret starts with mwh_ and is stored only as its SHA-256.',
        body: CreateWebhookBody,
        response: { 201: CreatedWebhook, 400: ErrorBody, ...asked, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      const { webhook, secret } = await webhooks.create(me(request.session), request.body);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(created(request, webhook, secret));
    },
  );

  app.get(
    '/api/webhooks',
    {
      schema: { tags, summary: 'Your incoming webhooks (never their secrets or URLs)', response: { 200: WebhooksResponse, ...asked } },
      preHandler: app.requireUser,
    },
    async (request) => ({ webhooks: await webhooks.list(me(request.session)) }),
  );

  app.post(
    '/api/webhooks/:id/rotate',
    {
      schema: {
        tags,
        summary: 'Give a webhook a new secret URL; the old one stops working before this answers',
        description: 'Idempotency-Keys used with the old URL still hold with the new one. Someone else\'s webhook is 404, like a missing one.',
        params: WebhookParams,
        response: { 200: CreatedWebhook, 400: ErrorBody, ...asked, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      const { webhook, secret } = await webhooks.rotate(me(request.session), request.params.id);
      reply.header('cache-control', 'no-store');
      return created(request, webhook, secret);
    },
  );

  app.delete(
    '/api/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Revoke a webhook: its URL stops working before this answers',
        description: 'Someone else\'s webhook is 404, like a missing one.',
        params: WebhookParams,
        response: { 204: Type.Null(), 400: ErrorBody, ...asked, 404: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      await webhooks.revoke(me(request.session), request.params.id);
      return reply.code(204).send(null);
    },
  );
};

export default routes;
