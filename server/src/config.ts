// The server's one validated configuration. Only this file reads process.env.
import { DEFAULT_MAX_GROUP_MEMBERS } from '@messenger/protocol';
import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fs from 'node:fs';
import path from 'node:path';
import { parseTrustProxy, type TrustProxy } from './net/client-address.js';
import { parseSigningKeys, type SigningKey } from './delivery/record-signature.js';
import { Secret } from './secret.js';

const Int = (def: number, min: number, max: number) => Type.Integer({ default: def, minimum: min, maximum: max });
const Bool = (def: boolean) => Type.Union([Type.Literal('true'), Type.Literal('false')], { default: String(def) });

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
  INBOX_COMMIT_INTERVAL_MS: Int(1000, 10, 60_000),
  KAFKA_JOIN_TIMEOUT_MS: Int(60_000, 1000, 3_600_000),
  // Kafka refuses less than group.min.session.timeout.ms (6 s by default).
  KAFKA_SESSION_TIMEOUT_MS: Int(10_000, 6_000, 300_000),
  KAFKA_SSL: Bool(false),
  KAFKA_SSL_CA_FILE: Type.String({ default: '' }),
  KAFKA_SASL_MECHANISM: Type.Union([Type.Literal('none'), Type.Literal('scram-sha-512'), Type.Literal('scram-sha-256')], { default: 'none' }),
  KAFKA_SASL_USERNAME: Type.String({ default: '', pattern: '^[^\\s]{0,256}$' }),
  KAFKA_SASL_PASSWORD: Type.String({ default: '' }),
  KAFKA_SASL_PASSWORD_FILE: Type.String({ default: '' }),
  RECORD_SIGNING_KEYS: Type.String({ default: '' }),
  RECORD_SIGNING_KEYS_FILE: Type.String({ default: '' }),
  DATA_DIR: Type.String({ default: 'data', minLength: 1 }),
  DATABASE_FILE: Type.String({ default: '' }),
  // Empty or sqlite:[path]: the embedded SQLite file. postgres://…: a Postgres server.
  DATABASE_URL: Type.String({ default: '' }),
  DATABASE_POOL_MAX: Int(10, 1, 1000),
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
  // Posts per minute to one incoming webhook (and wrong-URL attempts per client address): a
  // runaway CI job spends its own webhook's budget, not the bot's or its owner's.
  WEBHOOK_RATE_PER_MINUTE: Int(60, 1, 1_000_000),
  // Avatar uploads per minute per user: each one decodes and re-encodes a picture, the costliest
  // request a signed-in user can make, so it gets a budget far below the API's.
  AVATAR_RATE_PER_MINUTE: Int(10, 1, 100_000),
  SOCKET_EVENTS_PER_SECOND: Int(20, 1, 10_000),
  SOCKETS_PER_USER: Int(20, 1, 10_000),
  SOCKET_HANDSHAKES_PER_MINUTE: Int(120, 1, 1_000_000),
  // Postgres only: how long a server process counts as alive after its last heartbeat. Users
  // of a process that dies go offline for their peers within 4/3 of this.
  PRESENCE_LEASE_MS: Int(15_000, 1000, 300_000),
  // Members per group, the owner included. A group message is one Kafka record per member
  // (docs/architecture.md, "Groups"), so this bounds one send's transaction.
  GROUP_MAX_MEMBERS: Int(DEFAULT_MAX_GROUP_MEMBERS, 2, 10_000),
  // How long after sending its author may edit a message or delete it for everyone; 0: always.
  // The default (48 h) lets a typo be fixed without letting old history be rewritten silently.
  // Up to 10 years, so a typo in the value is refused rather than read as "forever".
  MESSAGE_EDIT_WINDOW_SECONDS: Int(172_800, 0, 315_360_000),
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
const SECRET_VARIABLES = new Set(['METRICS_TOKEN', 'KAFKA_SASL_PASSWORD', 'RECORD_SIGNING_KEYS', 'DATABASE_URL']);

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | {
      kind: 'postgres';
      /** May carry a password: revealed only to the pool. */
      url: Secret<string>;
      /** The URL without its password, for log lines. */
      display: string;
      poolMax: number;
    };

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
    /** Each process's live group is this plus a random suffix, new on every start. */
    liveGroupPrefix: string;
    /** INSTANCE_ID ('' when unset): which process this is, among those sharing a store or a group. */
    instanceId: string;
    inboxGroupPrefix: string;
    transactionalId: string;
    sendTimeoutMs: number;
    connectTimeoutMs: number;
    inboxCommitIntervalMs: number;
    /** Longest the history consumer may go without a group assignment before the process exits. */
    joinTimeoutMs: number;
    /**
     * How long the shared history group waits for a silent member: an instance that dies holds
     * its partitions (nothing of them is stored or pushed) this long before the group moves them.
     */
    sessionTimeoutMs: number;
    /** TLS to the brokers; `ca` replaces the system CAs when given (a private CA). */
    ssl: { ca?: string[] } | undefined;
    sasl: { mechanism: 'scram-sha-512' | 'scram-sha-256'; username: string; password: Secret<string> } | undefined;
  };
  recordSigning: {
    /** Newest first. Undefined: none configured, so `generatedKeyFile` is read or created. */
    keys: SigningKey[] | undefined;
    generatedKeyFile: string;
  };
  /** DATA_DIR, absolute: the server's own directory, kept owner-only (0700). */
  dataDir: string;
  database: DatabaseConfig;
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
    /** Posts per minute per incoming webhook (WEBHOOK_RATE_PER_MINUTE). */
    webhookPerMinute: number;
    /** Avatar uploads per minute per user (AVATAR_RATE_PER_MINUTE). */
    avatarPerMinute: number;
    socketEventsPerSecond: number;
    socketsPerUser: number;
    socketHandshakesPerMinute: number;
  };
  groups: {
    /** The most members a group may have, the owner included (GROUP_MAX_MEMBERS). */
    maxMembers: number;
  };
  messageActions: {
    /** MESSAGE_EDIT_WINDOW_SECONDS in ms: how long after sentAt its author may edit or delete for everyone; 0: no limit. */
    editWindowMs: number;
  };
  /** Postgres only: a process's presence lease (PRESENCE_LEASE_MS); renewed every third of it. */
  presenceLeaseMs: number;
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
      const name = e.path.slice(1);
      // A secret's value is never echoed, not even a wrong one.
      const shown = SECRET_VARIABLES.has(name) ? '(hidden)' : JSON.stringify(raw[name]);
      return `${name}=${shown}: ${e.message}`;
    });
    throw new ConfigError(problems);
  }
  const problems: string[] = [];
  let trustProxy: TrustProxy = false;
  try {
    trustProxy = parseTrustProxy(converted.TRUST_PROXY);
  } catch (error) {
    problems.push(`TRUST_PROXY=${JSON.stringify(converted.TRUST_PROXY)}: ${(error as Error).message}`);
  }
  const kafkaSecurity = readKafkaSecurity(converted, problems);
  const signingKeys = readSigningKeys(converted, problems);
  const database = readDatabase(converted, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return fromEnv(converted, trustProxy, kafkaSecurity, signingKeys, database);
}

/**
 * Brokers reached in plaintext that are not on this machine: anyone on that network path can
 * read every message and, without SASL and ACLs, write and commit as it likes. The server warns.
 */
export function plaintextRemoteBrokers(kafka: Pick<Config['kafka'], 'brokers' | 'ssl'>): string[] {
  if (kafka.ssl) return [];
  return kafka.brokers.filter((broker) => {
    const host = broker.slice(0, broker.lastIndexOf(':')).replace(/^\[|\]$/g, '');
    return !(host === 'localhost' || host === '::1' || /^127\./.test(host));
  });
}

function readFile(variable: string, file: string, problems: string[]): string | undefined {
  try {
    return fs.readFileSync(path.resolve(file), 'utf8');
  } catch (error) {
    problems.push(`${variable}=${JSON.stringify(file)}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

function readKafkaSecurity(env: Env, problems: string[]): Pick<Config['kafka'], 'ssl' | 'sasl'> {
  const ssl = env.KAFKA_SSL === 'true';
  if (!ssl && env.KAFKA_SSL_CA_FILE) problems.push('KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not true');
  const ca = ssl && env.KAFKA_SSL_CA_FILE ? readFile('KAFKA_SSL_CA_FILE', env.KAFKA_SSL_CA_FILE, problems) : undefined;
  if (env.KAFKA_SASL_MECHANISM === 'none') {
    if (env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD || env.KAFKA_SASL_PASSWORD_FILE) {
      problems.push('KAFKA_SASL_USERNAME/PASSWORD are set but KAFKA_SASL_MECHANISM is none');
    }
    return { ssl: ssl ? (ca ? { ca: [ca] } : {}) : undefined, sasl: undefined };
  }
  // SCRAM never sends the password, but without TLS every message would cross the wire in clear
  // next to a credential that looks like protection: refuse the combination outright.
  if (!ssl) problems.push(`KAFKA_SASL_MECHANISM=${env.KAFKA_SASL_MECHANISM} needs KAFKA_SSL=true`);
  if (!env.KAFKA_SASL_USERNAME) problems.push(`KAFKA_SASL_MECHANISM=${env.KAFKA_SASL_MECHANISM} needs KAFKA_SASL_USERNAME`);
  let password: string | undefined;
  if (env.KAFKA_SASL_PASSWORD && env.KAFKA_SASL_PASSWORD_FILE) problems.push('set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both');
  else if (env.KAFKA_SASL_PASSWORD_FILE) password = readFile('KAFKA_SASL_PASSWORD_FILE', env.KAFKA_SASL_PASSWORD_FILE, problems)?.trim();
  else password = env.KAFKA_SASL_PASSWORD;
  if (!password) problems.push(`KAFKA_SASL_MECHANISM=${env.KAFKA_SASL_MECHANISM} needs a password (KAFKA_SASL_PASSWORD_FILE or KAFKA_SASL_PASSWORD)`);
  return {
    ssl: ca ? { ca: [ca] } : {},
    sasl: { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password: new Secret(password ?? '') },
  };
}

function readSigningKeys(env: Env, problems: string[]): SigningKey[] | undefined {
  if (env.RECORD_SIGNING_KEYS && env.RECORD_SIGNING_KEYS_FILE) {
    problems.push('set RECORD_SIGNING_KEYS or RECORD_SIGNING_KEYS_FILE, not both');
    return undefined;
  }
  const [variable, text] = env.RECORD_SIGNING_KEYS_FILE
    ? ['RECORD_SIGNING_KEYS_FILE', readFile('RECORD_SIGNING_KEYS_FILE', env.RECORD_SIGNING_KEYS_FILE, problems)]
    : ['RECORD_SIGNING_KEYS', env.RECORD_SIGNING_KEYS || undefined];
  if (text === undefined) return undefined;
  try {
    return parseSigningKeys(text);
  } catch (error) {
    problems.push(`${variable}: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * DATABASE_URL picks the store. Unset, `sqlite:` or `sqlite:<path>`: the embedded file (by
 * default DATABASE_FILE, else DATA_DIR/messenger.sqlite). `postgres://` or `postgresql://`: a
 * Postgres server, the production choice. The URL is never echoed: it may hold a password.
 */
function readDatabase(env: Env, problems: string[]): DatabaseConfig {
  const url = env.DATABASE_URL;
  const defaultFile = env.DATABASE_FILE ? path.resolve(env.DATABASE_FILE) : path.join(path.resolve(env.DATA_DIR), 'messenger.sqlite');
  if (url === '' || url.startsWith('sqlite:')) {
    // sqlite:relative/file, sqlite:/absolute/file and sqlite:///absolute/file all name a file.
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file && env.DATABASE_FILE) problems.push('DATABASE_URL names a SQLite file and DATABASE_FILE is set too: set one');
    return { kind: 'sqlite', file: file ? path.resolve(file) : defaultFile };
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    problems.push('DATABASE_URL=(hidden): must be sqlite:[path] or postgres://user:password@host[:port]/database');
    return { kind: 'sqlite', file: defaultFile };
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    problems.push('DATABASE_URL=(hidden): not a valid URL (percent-encode special characters in the password)');
  }
  if (parsed && (!parsed.hostname || parsed.pathname.length <= 1)) {
    problems.push('DATABASE_URL=(hidden): a postgres:// URL needs a host and a database name (postgres://user:password@host:5432/messenger)');
  }
  if (env.DATABASE_FILE) problems.push('DATABASE_FILE applies to SQLite only, but DATABASE_URL is a postgres:// URL');
  const display = parsed ? `${parsed.protocol}//${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.pathname}` : 'postgres://(invalid)';
  return { kind: 'postgres', url: new Secret(url), display, poolMax: env.DATABASE_POOL_MAX };
}

function fromEnv(
  env: Env,
  trustProxy: TrustProxy,
  kafkaSecurity: Pick<Config['kafka'], 'ssl' | 'sasl'>,
  signingKeys: SigningKey[] | undefined,
  database: DatabaseConfig,
): Config {
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
      // One history group for every instance: each message is stored once per cluster, the
      // partitions split among the instances. Each instance pushes to its own sockets from a live
      // group of its own (docs/architecture.md, "Several instances").
      historyGroup: `${prefix}.history`,
      liveGroupPrefix: `${prefix}.live.${env.INSTANCE_ID || 'server'}`,
      instanceId: env.INSTANCE_ID,
      inboxGroupPrefix: `${prefix}.inbox.`,
      // Stable per named instance, so a restart fences the dead process's open transaction at
      // once. Unnamed processes cannot know they are alone: a random id never fences another
      // one, and a crashed one's transaction expires with its timeout instead.
      transactionalId: `${prefix}.fanout.${env.INSTANCE_ID || `anon-${randomUUID().slice(0, 8)}`}`,
      sendTimeoutMs: env.KAFKA_SEND_TIMEOUT_MS,
      connectTimeoutMs: env.KAFKA_CONNECT_TIMEOUT_MS,
      inboxCommitIntervalMs: env.INBOX_COMMIT_INTERVAL_MS,
      joinTimeoutMs: env.KAFKA_JOIN_TIMEOUT_MS,
      sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
      ...kafkaSecurity,
    },
    dataDir,
    recordSigning: { keys: signingKeys, generatedKeyFile: path.join(dataDir, 'record-signing-keys') },
    database,
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
      webhookPerMinute: env.WEBHOOK_RATE_PER_MINUTE,
      avatarPerMinute: env.AVATAR_RATE_PER_MINUTE,
      socketEventsPerSecond: env.SOCKET_EVENTS_PER_SECOND,
      socketsPerUser: env.SOCKETS_PER_USER,
      socketHandshakesPerMinute: env.SOCKET_HANDSHAKES_PER_MINUTE,
    },
    groups: { maxMembers: env.GROUP_MAX_MEMBERS },
    messageActions: { editWindowMs: env.MESSAGE_EDIT_WINDOW_SECONDS * 1000 },
    presenceLeaseMs: env.PRESENCE_LEASE_MS,
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
