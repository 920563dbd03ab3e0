// POST /hooks/<id>/<secret>: the secret URL a tool posts `{ "text" }` to. No session: the URL is
// the credential, so it is checked before anything else (a wrong one is 404 whatever the body),
// rate limited per webhook, and never logged (logger.ts redacts the path).
import {
  ErrorBody,
  IDEMPOTENCY_HEADER,
  IncomingWebhookBody,
  IncomingWebhookParams,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  SendResponse,
} from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { errors } from '../../errors.js';
import type { VerifiedWebhook } from '../../services/webhooks.service.js';

const Headers = Type.Object({
  [IDEMPOTENCY_HEADER]: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH, pattern: '^[\\x21-\\x7e]+$' })),
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { webhooksService: webhooks } = app;
  // What the URL opened, per request: set first thing, read by the rate limiter and the handler.
  const opened = new WeakMap<FastifyRequest, VerifiedWebhook>();

  app.post(
    '/hooks/:id/:secret',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Post a message through an incoming webhook; it comes from the webhook\'s bot',
        description:
          'The same answers as POST /send: 202 once Kafka holds it, 503 with Retry-After when it cannot, and the same Idempotency-Key from the same webhook always yields the same message id. A wrong, rotated or revoked URL is 404 not_found, before the body is read. RateLimit-* headers count this webhook\'s posts per minute (WEBHOOK_RATE_PER_MINUTE).',
        params: IncomingWebhookParams,
        headers: Headers,
        body: IncomingWebhookBody,
        response: { 202: SendResponse, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 429: ErrorBody, 503: ErrorBody },
        // The secret URL is the credential, not a session or token.
        security: [],
      },
      onRequest: async (request) => {
        const { id, secret } = request.params as { id: string; secret: string };
        const hook = await webhooks.verify(id, secret);
        if (hook) opened.set(request, hook);
      },
      // After the rate limiter (which runs after onRequest above), before the body is parsed.
      preParsing: async (request) => {
        if (!opened.has(request)) throw errors.notFound('No such webhook.');
      },
      config: {
        rateLimit: {
          max: app.config.limits.webhookPerMinute,
          timeWindow: '1 minute',
          // A webhook's own budget; wrong URLs spend their address's, so guessing is throttled
          // too and a stranger who knows an id cannot spend the webhook's.
          keyGenerator: (request: FastifyRequest) => {
            const hook = opened.get(request);
            return hook ? `webhook:${hook.id}` : `webhook-miss:${request.ip}`;
          },
        },
      },
    },
    async (request, reply) => {
      const hook = opened.get(request);
      if (!hook) throw errors.notFound('No such webhook.');
      const result = await webhooks.post(hook, request.body.text, request.headers[IDEMPOTENCY_HEADER]);
      return reply.code(202).send(result);
    },
  );
};

export default routes;
