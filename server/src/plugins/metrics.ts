// Prometheus metrics at /metrics: HTTP, produce latency, end-to-end delivery latency, sockets,
// and consumer lag. One registry per app instance, so tests can build several apps.
//
// Not public: the figures tell an outsider how many people are online and when they write.
// /metrics exists only when METRICS_TOKEN is set, and answers only that bearer token.
import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';
import { errors } from '../errors.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    produceLatency: new Histogram({
      name: 'kafka_produce_duration_seconds',
      help: 'Time from POST /send handing a record to Kafka until Kafka acknowledged it (acks=all)',
      labelNames: ['outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: 'message_delivery_latency_seconds',
      help: 'From sentAt (accepted by POST /send) to the push to the recipient room',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    consumed: new Counter({ name: 'messages_consumed_total', help: 'Valid records consumed', registers: [registry] }),
    deadLettered: new Counter({
      name: 'messages_dead_lettered_total',
      help: 'Records sent to the dead-letter topic',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    acked: new Counter({ name: 'messages_acknowledged_total', help: 'Messages acknowledged by a recipient client', registers: [registry] }),
    socketsOnline: new Gauge({ name: 'sockets_online', help: 'Connected sockets', registers: [registry] }),
    usersOnline: new Gauge({ name: 'users_online', help: 'Users with at least one socket', registers: [registry] }),
    consumerLag: new Gauge({
      name: 'kafka_consumer_lag',
      help: 'Records not yet consumed, per consumer group (measured at scrape time)',
      labelNames: ['group'] as const,
      registers: [registry],
    }),
    consumerConsuming: new Gauge({
      name: 'kafka_consumer_consuming',
      help: '1 while the consumer group member holds its assignment and consumes, 0 while it (re)joins',
      labelNames: ['group'] as const,
      registers: [registry],
    }),
    readinessKafkaChecks: new Counter({
      name: 'readiness_kafka_checks_total',
      help: 'Kafka round trips made to answer GET /readyz (shared and cached, not one per call)',
      registers: [registry],
    }),
    undelivered: new Gauge({
      name: 'messages_undelivered',
      help: 'Messages stored but not yet acknowledged by any client of their recipient (sum over all inbox groups)',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares in constant time; hashing first makes the lengths equal. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

export default fp(
  async (app, opts: { metrics: Metrics; token: string | undefined; collectLag: () => Promise<void> }) => {
    const { metrics } = opts;
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    const { token } = opts;
    if (!token) return;
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (!bearerMatches(request.headers.authorization, token)) {
        throw errors.unauthorized('/metrics needs Authorization: Bearer <METRICS_TOKEN>.');
      }
      await opts.collectLag().catch((error: unknown) => app.log.warn({ err: error }, 'lag collection failed'));
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
  { name: 'metrics' },
);
