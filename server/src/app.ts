// Builds the whole app (not listening). Tests build it directly; server.ts listens.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { TEXT_FORMAT_CHECKS } from '@messenger/protocol';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { loggerOptions } from './logger.js';
import { trustFunction } from './net/client-address.js';
import authPlugin from './plugins/auth.js';
import corePlugin from './plugins/core.js';
import deliveryPlugin from './plugins/delivery.js';
import errorsPlugin, { frameworkError } from './plugins/errors.js';
import metricsPlugin from './plugins/metrics.js';
import securityPlugin from './plugins/security.js';
import swaggerPlugin from './plugins/swagger.js';
import webAppPlugin from './plugins/web-app.js';
import authRoutes from './routes/auth/index.js';
import conversationRoutes from './routes/conversations/index.js';
import groupRoutes from './routes/groups/index.js';
import groupMessageRoutes from './routes/groups/messages.js';
import healthRoutes from './routes/health/index.js';
import integrationRoutes from './routes/integrations/index.js';
import messageActionRoutes from './routes/messages/index.js';
import peopleRoutes from './routes/people/index.js';
import profileRoutes from './routes/profile/index.js';
import searchRoutes from './routes/search/index.js';
import sendRoutes from './routes/send/index.js';
import incomingWebhookRoutes from './routes/webhooks/incoming.js';
import webhookRoutes from './routes/webhooks/index.js';

/** JSON bodies are small: a 4,000-character message is at most ~24 KB even fully escaped. */
export const BODY_LIMIT_BYTES = 64 * 1024;

// Bodies are checked strictly (no type coercion, no silently dropped fields); query strings and
// params arrive as text, so those are coerced ("limit=20" → 20).
function validators() {
  const strict = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: true, strict: false });
  const coercing = new Ajv({ allErrors: false, coerceTypes: true, removeAdditional: false, useDefaults: true, strict: false });
  addFormats.default(strict);
  addFormats.default(coercing);
  // The contract's own formats (message text, well-formed text): the same checks TypeBox runs.
  for (const [name, validate] of Object.entries(TEXT_FORMAT_CHECKS)) {
    strict.addFormat(name, { type: 'string', validate });
    coercing.addFormat(name, { type: 'string', validate });
  }
  return { strict, coercing };
}

export async function buildApp(
  config: Config,
  options: { logger?: FastifyServerOptions['logger'] } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config.logLevel),
    bodyLimit: BODY_LIMIT_BYTES,
    // Long enough for a send that waits on Kafka, short enough that nothing hangs.
    requestTimeout: 30_000,
    forceCloseConnections: true,
    return503OnClosing: true,
    // request.ip and request.protocol believe X-Forwarded-For/-Proto only from trusted hops; the
    // rate limits, the login throttle and Secure cookies all follow from those two.
    trustProxy: config.trustProxy === false ? false : trustFunction(config.trustProxy),
    // The core plugin waits up to 60 s for a Kafka that is still starting beside us (npm start,
    // compose) and then fails with a clear message; Fastify's default 10 s would cut that wait
    // short with "Plugin did not start in time". Nothing else waits on a plugin: the history
    // consumer joins in the background.
    pluginTimeout: 75_000,
    frameworkErrors: frameworkError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only: Fastify's default text/plain parser would turn a stray body into a string.
  app.removeContentTypeParser('text/plain');
  const { strict, coercing } = validators();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : coercing.compile(schema),
  );

  await app.register(errorsPlugin);
  await app.register(corePlugin, { config });
  await app.register(authPlugin);
  await app.register(securityPlugin, { config });
  await app.register(metricsPlugin, {
    metrics: app.metrics,
    token: config.metricsToken,
    collectLag: async () => {
      app.metrics.undelivered.set(await app.repos.messages.countAllUndelivered());
      app.metrics.consumerLag.set({ group: config.kafka.historyGroup }, await app.bus.historyLag());
    },
  });
  await app.register(swaggerPlugin);
  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(peopleRoutes);
  await app.register(profileRoutes);
  await app.register(sendRoutes);
  await app.register(conversationRoutes);
  await app.register(searchRoutes);
  await app.register(groupRoutes);
  await app.register(groupMessageRoutes);
  await app.register(messageActionRoutes);
  await app.register(integrationRoutes);
  await app.register(webhookRoutes);
  await app.register(incomingWebhookRoutes);
  await app.register(deliveryPlugin);
  await app.register(webAppPlugin);
  return app;
}
