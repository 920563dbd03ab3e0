// The server's one validated configuration. Only this file reads process.env.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import path from 'node:path';

const Int = (def: number, min: number, max: number) => Type.Integer({ default: def, minimum: min, maximum: max });

const EnvSchema = Type.Object({
  PORT: Int(3000, 0, 65535),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  KAFKA_BROKERS: Type.String({ default: '127.0.0.1:9092', pattern: '^[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*$' }),
  KAFKA_CLIENT_ID: Type.String({ default: 'messenger', pattern: '^[A-Za-z0-9._-]{1,64}$' }),
  KAFKA_TOPIC_PREFIX: Type.String({ default: 'messenger', pattern: '^[A-Za-z0-9._-]{1,100}$' }),
  TOPIC_PARTITIONS: Int(12, 1, 1000),
  TOPIC_REPLICATION_FACTOR: Int(1, 1, 7),
  INSTANCE_ID: Type.String({ default: '', pattern: '^[A-Za-z0-9._-]{0,64}$' }),
  KAFKA_SEND_TIMEOUT_MS: Int(5000, 100, 120_000),
  KAFKA_CONNECT_TIMEOUT_MS: Int(3000, 100, 60_000),
  INBOX_COMMIT_INTERVAL_MS: Int(200, 10, 60_000),
  KAFKA_JOIN_TIMEOUT_MS: Int(60_000, 1000, 3_600_000),
  DATA_DIR: Type.String({ default: 'data', minLength: 1 }),
  DATABASE_FILE: Type.String({ default: '' }),
  WEB_DIST: Type.String({ default: 'web/dist' }),
  ALLOWED_ORIGINS: Type.String({
    default: 'http://localhost:3000,http://127.0.0.1:3000,http://localhost:5173,http://127.0.0.1:5173',
  }),
  SESSION_TTL_HOURS: Int(720, 1, 24 * 365),
  COOKIE_SECURE: Type.Union([Type.Literal('auto'), Type.Literal('true'), Type.Literal('false')], { default: 'auto' }),
  SEND_RATE_PER_MINUTE: Int(600, 1, 1_000_000),
  LOGIN_RATE_PER_MINUTE: Int(10, 1, 100_000),
  REGISTER_RATE_PER_MINUTE: Int(30, 1, 100_000),
  API_RATE_PER_MINUTE: Int(1200, 1, 1_000_000),
  SOCKET_EVENTS_PER_SECOND: Int(20, 1, 10_000),
  ARGON2_MEMORY_KIB: Int(19_456, 19_456, 1_048_576),
  ARGON2_TIME_COST: Int(2, 2, 20),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
});
type Env = Static<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  kafka: {
    brokers: string[];
    clientId: string;
    topicPrefix: string;
    messagesTopic: string;
    dlqTopic: string;
    partitions: number;
    replicationFactor: number;
    historyGroup: string;
    /** INSTANCE_ID ('' when unset): which process this is, among those sharing a store or a group. */
    instanceId: string;
    inboxGroupPrefix: string;
    sendTimeoutMs: number;
    connectTimeoutMs: number;
    inboxCommitIntervalMs: number;
    /** Longest the history consumer may go without a group assignment before the process exits. */
    joinTimeoutMs: number;
  };
  databaseFile: string;
  webDist: string;
  allowedOrigins: string[];
  sessionTtlMs: number;
  cookieSecure: 'auto' | boolean;
  limits: {
    sendPerMinute: number;
    loginPerMinute: number;
    registerPerMinute: number;
    apiPerMinute: number;
    socketEventsPerSecond: number;
  };
  argon2: { memoryCost: number; timeCost: number };
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment once. Unknown variables are ignored. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw));
  if (!Value.Check(EnvSchema, converted)) {
    const problems = [...Value.Errors(EnvSchema, converted)].map(
      (e) => `${e.path.slice(1)}=${JSON.stringify(raw[e.path.slice(1)])}: ${e.message}`,
    );
    throw new ConfigError(problems);
  }
  return fromEnv(converted);
}

function fromEnv(env: Env): Config {
  const prefix = env.KAFKA_TOPIC_PREFIX;
  const messagesTopic = `${prefix}.messages`;
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    port: env.PORT,
    host: env.HOST,
    kafka: {
      brokers: env.KAFKA_BROKERS.split(','),
      clientId: env.KAFKA_CLIENT_ID,
      topicPrefix: prefix,
      messagesTopic,
      dlqTopic: `${messagesTopic}.dlq`,
      partitions: env.TOPIC_PARTITIONS,
      replicationFactor: env.TOPIC_REPLICATION_FACTOR,
      // Each server process materializes every message and routes it to its own sockets, so
      // several processes need distinct history groups (see docs/architecture.md).
      historyGroup: env.INSTANCE_ID ? `${prefix}.history.${env.INSTANCE_ID}` : `${prefix}.history`,
      instanceId: env.INSTANCE_ID,
      inboxGroupPrefix: `${prefix}.inbox.`,
      sendTimeoutMs: env.KAFKA_SEND_TIMEOUT_MS,
      connectTimeoutMs: env.KAFKA_CONNECT_TIMEOUT_MS,
      inboxCommitIntervalMs: env.INBOX_COMMIT_INTERVAL_MS,
      joinTimeoutMs: env.KAFKA_JOIN_TIMEOUT_MS,
    },
    databaseFile: env.DATABASE_FILE ? path.resolve(env.DATABASE_FILE) : path.join(dataDir, 'messenger.sqlite'),
    webDist: path.resolve(env.WEB_DIST),
    allowedOrigins: env.ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    sessionTtlMs: env.SESSION_TTL_HOURS * 3_600_000,
    cookieSecure: env.COOKIE_SECURE === 'auto' ? 'auto' : env.COOKIE_SECURE === 'true',
    limits: {
      sendPerMinute: env.SEND_RATE_PER_MINUTE,
      loginPerMinute: env.LOGIN_RATE_PER_MINUTE,
      registerPerMinute: env.REGISTER_RATE_PER_MINUTE,
      apiPerMinute: env.API_RATE_PER_MINUTE,
      socketEventsPerSecond: env.SOCKET_EVENTS_PER_SECOND,
    },
    argon2: { memoryCost: env.ARGON2_MEMORY_KIB, timeCost: env.ARGON2_TIME_COST },
    logLevel: env.LOG_LEVEL,
  };
}
