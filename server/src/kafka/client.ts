// The one Kafka instance every client of ours comes from: brokers, TLS and SASL, timeouts, and
// how kafkajs' own log lines reach ours. Also how to read a broker's refusal out of its errors.
import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaBusOptions } from './types.js';

// CONCURRENT_TRANSACTIONS ("another concurrent operation on the same transaction"): a group
// fan-out's next transaction began while the broker still wrote the last one's commit markers;
// the transactional producer retries it at once. "The group is rebalancing": a heartbeat during
// a rebalance (every start of a second instance), answered by rejoining.
const TRANSIENT_KAFKA_ERRORS =
  /Topic creation errors|coordinator is loading|coordinator is not available|not the correct coordinator|no leader for this topic-partition|leader is not available|not the leader for this partition|rebalance in progress|group is rebalancing|another concurrent operation on the same transaction/i;
// We bound the producer's retries on purpose so /send can answer 503 within KAFKA_SEND_TIMEOUT_MS;
// duplicates from a client's retry are stopped by Idempotency-Key and by message-id dedupe.
const QUIET_KAFKA_WARNINGS = /^Limiting retries for the idempotent producer/;

/**
 * What both of our consumers (history and live) share: a heartbeat a second, fetches that wait
 * at most 250 ms for data (delivery latency), no topic created by reading, bounded retries.
 */
export const CONSUMER_DEFAULTS = {
  heartbeatInterval: 1_000,
  maxWaitTimeInMs: 250,
  allowAutoTopicCreation: false,
  // Read committed (kafkajs' default, spelled out): a group message's copies are written in one
  // transaction, and a half-written or aborted fan-out must never be stored or pushed.
  readUncommitted: false,
  retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
} as const;

export function createKafkaClient(options: KafkaBusOptions): Kafka {
  const log = options.logger;
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // The certificate is always verified (rejectUnauthorized stays on); a private CA is trusted
    // by naming it, never by turning checks off. The internal cluster (internals.ts) inherits both.
    ssl: options.ssl ? { ...(options.ssl.ca ? { ca: options.ssl.ca } : {}), rejectUnauthorized: true } : undefined,
    sasl: options.sasl ? saslOptions(options.sasl) : undefined,
    connectionTimeout: options.connectTimeoutMs,
    requestTimeout: Math.max(options.sendTimeoutMs, 5000),
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      const fields = { kafka: entry.namespace, ...extra };
      // kafkajs logs errors it is about to retry (a coordinator still loading after a broker
      // start, a leader moving) at ERROR; they are normal, and a newcomer should not see red on
      // every start; nor is "Topic creation errors", the topic-already-exists answer our
      // create-if-missing gets on every later start. Real failures still reject the calls.
      const transient = TRANSIENT_KAFKA_ERRORS.test(String(extra.error ?? '')) || TRANSIENT_KAFKA_ERRORS.test(message);
      if (transient || QUIET_KAFKA_WARNINGS.test(message)) log.debug(fields, message);
      else if (entry.level <= KafkaLogLevel.ERROR) log.error(fields, message);
      else log.warn(fields, message);
    },
  });
}

/** The broker's refusal (bad SCRAM credentials, a missing ACL) inside a kafkajs error, if any. */
export function accessDenial(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const e = error as { name?: unknown; type?: unknown; message?: unknown; originalError?: unknown; cause?: unknown; errors?: unknown };
  if (e.name === 'KafkaJSSASLAuthenticationError' || /AUTHORIZATION_FAILED|SASL_AUTHENTICATION_FAILED/.test(String(e.type))) return String(e.message);
  for (const inner of [e.originalError, e.cause, ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])]) {
    const found = accessDenial(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function saslOptions(sasl: NonNullable<KafkaBusOptions['sasl']>): SASLOptions {
  const credentials = { username: sasl.username, password: sasl.password.reveal() };
  return sasl.mechanism === 'scram-sha-512' ? { mechanism: 'scram-sha-512', ...credentials } : { mechanism: 'scram-sha-256', ...credentials };
}
