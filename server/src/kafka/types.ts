// The shapes the Kafka modules share with each other and with their callers: the bus options,
// a record as read from the topic, and the two errors the rest of the server tells apart.
import type { Logger } from 'pino';
import type { Secret } from '../secret.js';
import type { ConsumerState } from './join-tracker.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  messagesTopic: string;
  dlqTopic: string;
  partitions: number;
  replicationFactor: number;
  historyGroup: string;
  liveGroupPrefix: string;
  inboxGroupPrefix: string;
  /** This process's transactional id for group fan-outs: stable per INSTANCE_ID (fanout-producer.ts). */
  transactionalId: string;
  sendTimeoutMs: number;
  connectTimeoutMs: number;
  inboxCommitIntervalMs: number;
  /** The history group's session timeout: how long a dead instance holds its partitions. */
  sessionTimeoutMs: number;
  /** TLS to the brokers (system CAs unless `ca` is given); undefined: plaintext. */
  ssl?: { ca?: string[] } | undefined;
  sasl?: { mechanism: 'scram-sha-512' | 'scram-sha-256'; username: string; password: Secret<string> } | undefined;
  logger: Logger;
}

/** A record as read from the topic, before any validation. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

export interface ProduceResult {
  partition: number;
  offset: number;
}

export type BatchHandler = (records: RawRecord[]) => Promise<void>;

export interface ConsumerOptions {
  handler: BatchHandler;
  /** Delivery has stopped for good (repeated crashes, or no join within joinTimeoutMs). */
  onFatal: (error: unknown) => void;
  /** The member id this store's previous process held in the history group, if known. */
  previousMemberId?: string | undefined;
  /** Called on every join with our member id, to be remembered for the next start. */
  onJoined?: (memberId: string) => void;
  onStateChange?: (state: ConsumerState) => void;
  joinTimeoutMs: number;
}

export class KafkaUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaUnavailableError';
  }
}

/** The brokers refused our credentials or our ACLs: retrying will not help, an operator must. */
export class KafkaAccessDeniedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaAccessDeniedError';
  }
}
