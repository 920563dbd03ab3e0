// Liveness (/healthz: the process answers) and readiness (/readyz: Kafka and the DB answer, and
// both consumers hold their group assignments, so messages sent now get stored and pushed).
import { HealthResponse } from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedCheck } from './cached-check.js';

// /readyz is unauthenticated and not rate-limited (probes must always get through), so it must
// not cost a Kafka round trip per call: concurrent probes share one, and its answer is reused
// this long. Readiness still follows Kafka within about this much plus the ping's own timeout.
const KAFKA_CHECK_TTL_MS = 1000;
const KAFKA_PING_TIMEOUT_MS = 2000;

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const kafkaReachable = cachedCheck(() => {
    app.metrics.readinessKafkaChecks.inc();
    return app.bus.ping(KAFKA_PING_TIMEOUT_MS);
  }, KAFKA_CHECK_TTL_MS);

  app.get(
    '/healthz',
    { schema: { tags: ['ops'], response: { 200: HealthResponse } }, config: { rateLimit: false } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['ops'], response: { 200: HealthResponse, 503: HealthResponse } }, config: { rateLimit: false } },
    async (_request, reply) => {
      const [kafka, database] = await Promise.all([kafkaReachable(), app.database.ping()]);
      // Both consumers: the shared history group (storing) and our own live group (pushing).
      const consumer = app.bus.consumerState() === 'consuming' && app.bus.liveState() === 'consuming';
      const ok = kafka && database && consumer;
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: { kafka, database, consumer } });
    },
  );
};

export default routes;
