// The server's one validated configuration. Only this file reads process.env.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import path from 'node:path';
import { parseTrustProxy, type TrustProxy } from './net/client-address.js';

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
  DATA_DIR: Type.String({ default: 'data', minLength: 1 }),
  DATABASE_FILE: Type.String({ default: '' }),
  WEB_DIST: Type.String({ default: 'web/dist' }),
  // Empty: only the server's own origin (see ownOrigins). The Vite dev server's proxy presents
  // its pages under the server's origin, so development needs no extra entry here.
  ALLOWED_ORIGINS: Type.String({ default: '' }),
  SESSION_TTL_HOURS: Int(720, 1, 24 * 365),
  TRUST_PROXY: Type.String({ default: '', maxLength: 2000 }),
  COOKIE_SECURE: Type.Union([Type.Literal('auto'), Type.Literal('true'), Type.Literal('false')], { default: 'auto' }),
  SEND_RATE_PER_MINUTE: Int(600, 1, 1_000_000),
  LOGIN_RATE_PER_MINUTE: Int(10, 1, 100_000),
  LOGIN_IP_RATE_PER_MINUTE: Int(100, 1, 1_000_000),
  REGISTER_RATE_PER_MINUTE: Int(30, 1, 100_000),
  API_RATE_PER_MINUTE: Int(1200, 1, 1_000_000),
  SOCKET_EVENTS_PER_SECOND: Int(20, 1, 10_000),
  SOCKETS_PER_USER: Int(20, 1, 10_000),
  SOCKET_HANDSHAKES_PER_MINUTE: Int(120, 1, 1_000_000),
  // Empty: /metrics does not exist. Set: it answers only `Authorization: Bearer <token>`.
  METRICS_TOKEN: Type.String({ default: '', pattern: '^$|^[A-Za-z0-9._~+/=-]{16,256}$' }),
  ARGON2_MEMORY_KIB: Int(19_456, 19_456, 1_048_576),
  ARGON2_TIME_COST: Int(2, 2, 20),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
});
type Env = Static<typeof EnvSchema>;
// Their values never appear in error messages (which go to logs).
const SECRET_VARIABLES = new Set(['METRICS_TOKEN']);

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
    inboxGroupPrefix: string;
    sendTimeoutMs: number;
    connectTimeoutMs: number;
    inboxCommitIntervalMs: number;
  };
  /** DATA_DIR, absolute: the server's own directory, kept owner-only (0700). */
  dataDir: string;
  databaseFile: string;
  webDist: string;
  allowedOrigins: string[];
  sessionTtlMs: number;
  cookieSecure: 'auto' | boolean;
  /** Which peers may tell us the client's address and scheme (X-Forwarded-For / -Proto). */
  trustProxy: TrustProxy;
  limits: {
    sendPerMinute: number;
    /** Failed logins per account per minute, from all addresses together. */
    loginPerMinute: number;
    /** Failed logins per client address per minute, over all accounts. */
    loginPerAddressPerMinute: number;
    registerPerMinute: number;
    apiPerMinute: number;
    socketEventsPerSecond: number;
    socketsPerUser: number;
    socketHandshakesPerMinute: number;
  };
  /** The bearer token /metrics requires; undefined when /metrics is off. */
  metricsToken: string | undefined;
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
    const problems = [...Value.Errors(EnvSchema, converted)].map((e) => {
      const key = e.path.slice(1);
      const shown = SECRET_VARIABLES.has(key) ? '(hidden)' : JSON.stringify(raw[key]);
      return `${key}=${shown}: ${e.message}`;
    });
    throw new ConfigError(problems);
  }
  let trustProxy: TrustProxy;
  try {
    trustProxy = parseTrustProxy(converted.TRUST_PROXY);
  } catch (error) {
    throw new ConfigError([`TRUST_PROXY=${JSON.stringify(converted.TRUST_PROXY)}: ${(error as Error).message}`]);
  }
  return fromEnv(converted, trustProxy);
}

function fromEnv(env: Env, trustProxy: TrustProxy): Config {
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
      inboxGroupPrefix: `${prefix}.inbox.`,
      sendTimeoutMs: env.KAFKA_SEND_TIMEOUT_MS,
      connectTimeoutMs: env.KAFKA_CONNECT_TIMEOUT_MS,
      inboxCommitIntervalMs: env.INBOX_COMMIT_INTERVAL_MS,
    },
    dataDir,
    databaseFile: env.DATABASE_FILE ? path.resolve(env.DATABASE_FILE) : path.join(dataDir, 'messenger.sqlite'),
    webDist: path.resolve(env.WEB_DIST),
    allowedOrigins: env.ALLOWED_ORIGINS
      ? env.ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean)
      : ownOrigins(env.HOST, env.PORT),
    sessionTtlMs: env.SESSION_TTL_HOURS * 3_600_000,
    cookieSecure: env.COOKIE_SECURE === 'auto' ? 'auto' : env.COOKIE_SECURE === 'true',
    trustProxy,
    limits: {
      sendPerMinute: env.SEND_RATE_PER_MINUTE,
      loginPerMinute: env.LOGIN_RATE_PER_MINUTE,
      loginPerAddressPerMinute: env.LOGIN_IP_RATE_PER_MINUTE,
      registerPerMinute: env.REGISTER_RATE_PER_MINUTE,
      apiPerMinute: env.API_RATE_PER_MINUTE,
      socketEventsPerSecond: env.SOCKET_EVENTS_PER_SECOND,
      socketsPerUser: env.SOCKETS_PER_USER,
      socketHandshakesPerMinute: env.SOCKET_HANDSHAKES_PER_MINUTE,
    },
    metricsToken: env.METRICS_TOKEN || undefined,
    argon2: { memoryCost: env.ARGON2_MEMORY_KIB, timeCost: env.ARGON2_TIME_COST },
    logLevel: env.LOG_LEVEL,
  };
}

/**
 * The origins under which this server serves the web app when nobody says otherwise: its
 * loopback names, plus HOST itself when that is a name rather than a wildcard. A deployment
 * behind a proxy (https://chat.example.com) lists its public origin in ALLOWED_ORIGINS.
 */
function ownOrigins(host: string, port: number): string[] {
  const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  const named = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  if (!wildcard && !origins.includes(`http://${named}:${port}`)) origins.push(`http://${named}:${port}`);
  return origins;
}
