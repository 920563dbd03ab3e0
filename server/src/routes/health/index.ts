// Liveness (/healthz: the process answers) and readiness (/readyz: Kafka and the DB answer).
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
      const ok = kafka && database;
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: { kafka, database } });
    },
  );
};

export default routes;
