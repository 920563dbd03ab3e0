// Liveness (/healthz: the process answers) and readiness (/readyz: Kafka and the DB answer, and
// the history consumer holds its group assignment, so messages sent now get delivered).
import { HealthResponse } from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    { schema: { tags: ['ops'], response: { 200: HealthResponse } }, config: { rateLimit: false } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['ops'], response: { 200: HealthResponse, 503: HealthResponse } }, config: { rateLimit: false } },
    async (_request, reply) => {
      const [kafka, database] = await Promise.all([app.bus.ping(2000), Promise.resolve(app.database.ping())]);
      const consumer = app.bus.consumerState() === 'consuming';
      const ok = kafka && database && consumer;
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: { kafka, database, consumer } });
    },
  );
};

export default routes;
