// The process's long-lived parts: the database, the Kafka bus, metrics, realtime and services.
// Built once here and decorated onto the app; closed here in the reverse order.
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { openDatabase, type OpenedDatabase } from '../db/database.js';
import { createIdempotencyRepository, type IdempotencyRepository } from '../db/idempotency.repository.js';
import { createKafkaMembersRepository, type KafkaMembersRepository } from '../db/kafka-members.repository.js';
import { createMessagesRepository, type MessagesRepository } from '../db/messages.repository.js';
import { createUsersRepository, type UsersRepository } from '../db/users.repository.js';
import { createKafkaBus, type KafkaBus } from '../kafka/bus.js';
import { createRealtime, type Realtime } from '../realtime/hub.js';
import { createAuthService, type AuthService } from '../services/auth.service.js';
import { createSendService, type SendService } from '../services/send.service.js';
import { createMetrics, type Metrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: OpenedDatabase;
    repos: {
      users: UsersRepository;
      messages: MessagesRepository;
      idempotency: IdempotencyRepository;
      kafkaMembers: KafkaMembersRepository;
    };
    bus: KafkaBus;
    metrics: Metrics;
    realtime: Realtime;
    authService: AuthService;
    sendService: SendService;
  }
}

const CONNECT_DEADLINE_MS = 60_000;

export default fp(
  async (app, opts: { config: Config }) => {
    const { config } = opts;
    const database = await openDatabase(config.databaseFile);
    const repos = {
      users: createUsersRepository(database.db),
      messages: createMessagesRepository(database.db),
      idempotency: createIdempotencyRepository(database.db),
      kafkaMembers: createKafkaMembersRepository(database.db),
    };
    const metrics = createMetrics();
    const bus = createKafkaBus({ ...config.kafka, logger: app.log.child({ module: 'kafka' }) as never });

    // Kafka may still be starting next to us (npm start, compose): retry, but never forever.
    const deadline = Date.now() + CONNECT_DEADLINE_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await bus.connect();
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          await database.close();
          await bus.close();
          throw new Error(`Kafka at ${config.kafka.brokers.join(',')} is unreachable: ${(error as Error).message}`);
        }
        app.log.warn({ attempt, brokers: config.kafka.brokers }, 'Kafka not reachable yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** attempt)));
      }
    }

    const authService = createAuthService({ users: repos.users, sessionTtlMs: config.sessionTtlMs, argon2: config.argon2 });
    const realtime = createRealtime({
      server: app.server,
      config,
      auth: authService,
      messages: repos.messages,
      bus,
      metrics,
      logger: app.log.child({ module: 'realtime' }) as never,
    });
    const sendService = createSendService({
      bus,
      users: repos.users,
      idempotency: repos.idempotency,
      metrics,
      retryAfterSeconds: Math.max(1, Math.ceil(config.kafka.sendTimeoutMs / 1000)),
    });

    app.decorate('config', config);
    app.decorate('database', database);
    app.decorate('repos', repos);
    app.decorate('bus', bus);
    app.decorate('metrics', metrics);
    app.decorate('realtime', realtime);
    app.decorate('authService', authService);
    app.decorate('sendService', sendService);

    // Expired sessions and week-old idempotency keys are swept hourly.
    const sweep = setInterval(() => {
      const now = new Date();
      void repos.users.deleteExpiredSessions(now.toISOString()).catch(() => undefined);
      void repos.idempotency.deleteOlderThan(new Date(now.getTime() - 7 * 86_400_000).toISOString()).catch(() => undefined);
    }, 3_600_000);
    sweep.unref();

    // Sockets go first so clients reconnect elsewhere while we drain; then Kafka, then the DB.
    app.addHook('preClose', async () => {
      await realtime.close();
    });
    app.addHook('onClose', async () => {
      clearInterval(sweep);
      await bus.close();
      await database.close();
    });
  },
  { name: 'core' },
);
