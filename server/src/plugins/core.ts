// The process's long-lived parts: the database, the Kafka bus, metrics, realtime and services.
// Built once here and decorated onto the app; closed here in the reverse order.
import fp from 'fastify-plugin';
import path from 'node:path';
import { plaintextRemoteBrokers, type Config } from '../config.js';
import { openDatabase, type OpenedDatabase } from '../db/database.js';
import { createIdempotencyRepository, type IdempotencyRepository } from '../db/idempotency.repository.js';
import { createKafkaMembersRepository, type KafkaMembersRepository } from '../db/kafka-members.repository.js';
import { createMessageActionsRepository, type MessageActionsRepository } from '../db/message-actions.repository.js';
import { createMessagesRepository, type MessagesRepository } from '../db/messages.repository.js';
import { createMessageChangesRepository, type MessageChangesRepository } from '../db/message-changes.repository.js';
import { openPubSubPool } from '../db/postgres.js';
import { createPresenceRepository } from '../db/presence.repository.js';
import { createUsersRepository, type UsersRepository } from '../db/users.repository.js';
import { createProfilesRepository, type ProfilesRepository } from '../db/profiles.repository.js';
import { createIntegrationsRepository, type IntegrationsRepository } from '../db/integrations.repository.js';
import { createWebhooksRepository, type WebhooksRepository } from '../db/webhooks.repository.js';
import { createConversationSettingsRepository, type ConversationSettingsRepository } from '../db/conversation-settings.repository.js';
import { createRecordCodec, type RecordCodec } from '../delivery/record-codec.js';
import { createRecordSigner, loadOrCreateKeyFile } from '../delivery/record-signature.js';
import { Watermark } from '../delivery/watermark.js';
import { createStoredPositionsRepository, parseStoredAnnouncement, STORED_CHANNEL } from '../db/stored-positions.repository.js';
import { createKafkaBus, KafkaAccessDeniedError, type KafkaBus } from '../kafka/bus.js';
import { createRealtime, type Realtime } from '../realtime/hub.js';
import { createAuthService, type AuthService } from '../services/auth.service.js';
import { createIntegrationsService, type IntegrationsService } from '../services/integrations.service.js';
import { createGroupMessagesRepository, type GroupMessagesRepository } from '../db/group-messages.repository.js';
import { createHistoryWindowRepository, type HistoryWindowRepository } from '../db/history-window.repository.js';
import { createSearchRepository, type SearchRepository } from '../db/search.repository.js';
import { createGroupsRepository, type GroupsRepository } from '../db/groups.repository.js';
import { createConversationsService, type ConversationsService } from '../services/conversations.service.js';
import { createDomainEvents } from '../services/domain-events.js';
import { createGroupsService, type GroupsService } from '../services/groups.service.js';
import { SWEEP_INTERVAL_MS, sweepEnded } from '../services/housekeeping.js';
import { createPeers, type Peers } from '../services/peers.js';
import { createProfilesService, type ProfilesService } from '../services/profiles.service.js';
import { createReadService, type ReadService } from '../services/read.service.js';
import { createMessageActionsService, type MessageActionsService } from '../services/message-actions.service.js';
import { createSendService, type SendService } from '../services/send.service.js';
import { createWebhooksService, type WebhooksService } from '../services/webhooks.service.js';
import { createMetrics, type Metrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: OpenedDatabase;
    repos: {
      users: UsersRepository;
      messages: MessagesRepository;
      messageChanges: MessageChangesRepository;
      messageActions: MessageActionsRepository;
      idempotency: IdempotencyRepository;
      kafkaMembers: KafkaMembersRepository;
      groups: GroupsRepository;
      groupMessages: GroupMessagesRepository;
      historyWindow: HistoryWindowRepository;
      search: SearchRepository;
      integrations: IntegrationsRepository;
      webhooks: WebhooksRepository;
      conversationSettings: ConversationSettingsRepository;
      profiles: ProfilesRepository;
    };
    bus: KafkaBus;
    recordCodec: RecordCodec;
    /** How far the history store is filled, per partition (delivery/watermark.ts). */
    storedWatermark: Watermark;
    metrics: Metrics;
    realtime: Realtime;
    authService: AuthService;
    sendService: SendService;
    /** Edits, deletes, hides and reactions: checked, then produced as change records. */
    messageActionsService: MessageActionsService;
    readService: ReadService;
    /** The 1:1 conversation list and its owner's settings (mute, pin, archive, unread mark). */
    conversationsService: ConversationsService;
    groupsService: GroupsService;
    /** Bots and API tokens. */
    integrationsService: IntegrationsService;
    /** Incoming webhooks. */
    webhooksService: WebhooksService;
    /** Who counts as whose peer for presence (services/peers.ts). */
    peers: Peers;
    /** Display names and pictures. */
    profilesService: ProfilesService;
  }
}

const CONNECT_DEADLINE_MS = 60_000;

export default fp(
  async (app, opts: { config: Config }) => {
    const { config } = opts;
    const inDataDir = config.database.kind === 'sqlite' && !path.relative(config.dataDir, config.database.file).startsWith('..');
    const database = await openDatabase(config.database, {
      ownDir: inDataDir ? config.dataDir : undefined,
      onTightened: ({ path: target, was }) =>
        app.log.warn({ path: target, was: was.toString(8) }, 'data was readable by other local users; made it owner-only'),
      onConnectionError: (error) => app.log.warn({ reason: error.message }, 'a Postgres connection failed; it will be replaced'),
    });
    app.log.info(
      config.database.kind === 'sqlite' ? { database: 'sqlite', file: config.database.file } : { database: 'postgres', url: config.database.display },
      'database ready',
    );
    // Zero-config `npm start`: without configured keys, one is generated into the (now owner-only)
    // data dir.
    const signingKeys = config.recordSigning.keys ?? loadOrCreateKeyFile(config.recordSigning.generatedKeyFile);
    const recordCodec = createRecordCodec(createRecordSigner(signingKeys), config.kafka.messagesTopic);
    const repos = {
      users: createUsersRepository(database.db),
      messages: createMessagesRepository(database.db, { dialect: database.dialect }),
      messageChanges: createMessageChangesRepository(database.db),
      messageActions: createMessageActionsRepository(database.db),
      idempotency: createIdempotencyRepository(database.db),
      kafkaMembers: createKafkaMembersRepository(database.db),
      groups: createGroupsRepository(database.db),
      groupMessages: createGroupMessagesRepository(database.db),
      historyWindow: createHistoryWindowRepository(database.db),
      search: createSearchRepository(database.db, { dialect: database.dialect }),
      integrations: createIntegrationsRepository(database.db),
      webhooks: createWebhooksRepository(database.db),
      conversationSettings: createConversationSettingsRepository(database.db),
      profiles: createProfilesRepository(database.db),
    };
    const metrics = createMetrics();
    const storedPositions = createStoredPositionsRepository(database.db);
    const storedWatermark = new Watermark(() => storedPositions.read(config.kafka.messagesTopic), app.log.child({ module: 'delivery' }) as never);
    const bus = createKafkaBus({ ...config.kafka, logger: app.log.child({ module: 'kafka' }) as never });

    // Kafka may still be starting next to us (npm start, compose): retry, but never forever.
    const deadline = Date.now() + CONNECT_DEADLINE_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await bus.connect();
        break;
      } catch (error) {
        // Refused credentials or ACLs do not heal by waiting: say so at once.
        const denied = error instanceof KafkaAccessDeniedError;
        if (denied || Date.now() > deadline) {
          await database.close();
          await bus.close();
          const brokers = config.kafka.brokers.join(',');
          throw new Error(
            denied
              ? `Kafka at ${brokers} refused the server: ${error.message}. Check KAFKA_SASL_* and the ACLs (docs/security.md).`
              : `Kafka at ${brokers} is unreachable: ${(error as Error).message}`,
          );
        }
        app.log.warn({ attempt, brokers: config.kafka.brokers, reason: (error as Error).message }, 'Kafka not reachable yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** attempt)));
      }
    }

    // Other instances' stores, heard at once (Postgres). Without it, or while it is down, the
    // watermark polls the table.
    const listening = database.listen?.(
      STORED_CHANNEL,
      (payload) => {
        const positions = parseStoredAnnouncement(payload, config.kafka.messagesTopic);
        if (positions) storedWatermark.advance(positions);
      },
      (error) => app.log.warn({ reason: error.message }, 'lost the LISTEN connection for stored positions; polling until it is back'),
    );

    const exposed = plaintextRemoteBrokers(config.kafka);
    if (exposed.length > 0) {
      app.log.warn({ brokers: exposed }, 'Kafka is reached without TLS over the network: set KAFKA_SSL and SASL (docs/security.md)');
    }

    const events = createDomainEvents();
    const postgres = config.database.kind === 'postgres' ? config.database : undefined;
    const authService = createAuthService({
      users: repos.users,
      integrations: repos.integrations,
      events,
      sessionTtlMs: config.sessionTtlMs,
      argon2: config.argon2,
      loginLimits: { perAccount: config.limits.loginPerMinute, perAddress: config.limits.loginPerAddressPerMinute },
    });
    const groupsService = createGroupsService({
      groups: repos.groups,
      groupMessages: repos.groupMessages,
      users: repos.users,
      conversationSettings: repos.conversationSettings,
      events,
      maxMembers: config.groups.maxMembers,
    });
    const peers = createPeers({ messages: repos.messages, groups: repos.groups });
    const profilesService = createProfilesService({ profiles: repos.profiles, events });
    const realtime = createRealtime({
      server: app.server,
      config,
      auth: authService,
      messages: repos.messages,
      changes: repos.messageChanges,
      groups: repos.groups,
      groupsService,
      peers,
      profiles: profilesService,
      bus,
      storedPositions: () => storedWatermark.positions(),
      storedNow: async () => {
        await storedWatermark.refresh();
        return storedWatermark.positions();
      },
      metrics,
      logger: app.log.child({ module: 'realtime' }) as never,
      events,
      cluster: postgres
        ? {
            pubsub: openPubSubPool({
              url: postgres.url.reveal(),
              onConnectionError: (error) => app.log.warn({ reason: error.message }, 'a Postgres pub/sub connection failed; it will be replaced'),
            }),
            presence: createPresenceRepository(database.db),
          }
        : undefined,
    });
    try {
      await realtime.start();
    } catch (error) {
      await realtime.close().catch(() => undefined);
      await bus.close();
      await database.close();
      throw error;
    }
    const readService = createReadService({ messages: repos.messages, groupMessages: repos.groupMessages, events });
    const sendService = createSendService({
      bus,
      codec: recordCodec,
      users: repos.users,
      groups: repos.groups,
      messageActions: repos.messageActions,
      idempotency: repos.idempotency,
      metrics,
      retryAfterSeconds: Math.max(1, Math.ceil(config.kafka.sendTimeoutMs / 1000)),
    });
    const messageActionsService = createMessageActionsService({
      bus,
      codec: recordCodec,
      messages: repos.messageActions,
      idempotency: repos.idempotency,
      metrics,
      retryAfterSeconds: Math.max(1, Math.ceil(config.kafka.sendTimeoutMs / 1000)),
      editWindowMs: config.messageActions.editWindowMs,
    });

    app.decorate('config', config);
    app.decorate('database', database);
    app.decorate('repos', repos);
    app.decorate('bus', bus);
    app.decorate('recordCodec', recordCodec);
    app.decorate('storedWatermark', storedWatermark);
    app.decorate('metrics', metrics);
    app.decorate('realtime', realtime);
    app.decorate('authService', authService);
    app.decorate('sendService', sendService);
    app.decorate('messageActionsService', messageActionsService);
    app.decorate('readService', readService);
    app.decorate('conversationsService', createConversationsService({ messages: repos.messages, settings: repos.conversationSettings, groups: repos.groups, events }));
    app.decorate('groupsService', groupsService);
    app.decorate(
      'integrationsService',
      createIntegrationsService({
        integrations: repos.integrations,
        events,
        forget: (hashes) => authService.forget(hashes),
        forgetRecipient: (username) => sendService.forgetRecipient(username),
        checkedUsername: (raw) => authService.checkedUsername(raw),
        leaveAllGroups: async (username) => {
          for (const group of await groupsService.list(username)) await groupsService.removeMember(username, group.id, username);
        },
      }),
    );
    app.decorate(
      'webhooksService',
      createWebhooksService({ webhooks: repos.webhooks, integrations: repos.integrations, users: repos.users, groups: repos.groups, send: sendService }),
    );
    app.decorate('peers', peers);
    app.decorate('profilesService', profilesService);

    // Expired sessions, week-old idempotency keys and week-dead API tokens go hourly. A failed
    // sweep (database down) is only logged: the next one catches up.
    const sweep = setInterval(() => {
      sweepEnded(repos, new Date()).catch((error: unknown) => app.log.warn({ err: error }, 'housekeeping sweep failed'));
    }, SWEEP_INTERVAL_MS);
    sweep.unref();

    // Sockets go first so clients reconnect elsewhere while we drain; then Kafka, then the DB.
    app.addHook('preClose', async () => {
      await realtime.close();
    });
    app.addHook('onClose', async () => {
      clearInterval(sweep);
      await bus.close();
      storedWatermark.stop();
      await listening?.close();
      await database.close();
    });
  },
  { name: 'core' },
);
