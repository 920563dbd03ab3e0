// Types for kafka-local.mjs, so TypeScript tests and scripts can start their own Kafka.
import type { ChildProcess } from 'node:child_process';

export interface KafkaNode {
  id: number;
  port: number;
  controllerPort: number;
  dir: string;
  child: ChildProcess | undefined;
  exited: Promise<number | string | null> | undefined;
}

export interface ScramUser {
  username: string;
  password: string;
  /** The same password in a 0600 file, for KAFKA_SASL_PASSWORD_FILE. */
  passwordFile: string;
}

/** A secure cluster's material: SASL_SSL only, SCRAM-SHA-512, ACLs enforced. */
export interface KafkaSecurity {
  dir: string;
  caFile: string;
  keystoreFile: string;
  /** The super user. */
  admin: ScramUser;
  users: Record<string, ScramUser>;
}

export interface KafkaCluster {
  version: string;
  nodes: KafkaNode[];
  dataDir: string;
  bootstrap: string;
  security: KafkaSecurity | undefined;
  startNode(id: number): Promise<void>;
  killNode(id: number): Promise<void>;
  stopNode(id: number, graceMs?: number): Promise<void>;
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  logTail(id: number, lines?: number): string;
}

export function startKafka(options?: {
  brokers?: 1 | 3;
  port?: number;
  dataDir?: string;
  heap?: string;
  version?: string;
  /** SASL_SSL only, with these SCRAM users besides an `admin` super user; no ACLs yet. */
  secure?: { users?: string[] };
  log?: (line: string) => void;
}): Promise<KafkaCluster>;

export function waitForBrokers(cluster: KafkaCluster, expected: number, timeoutMs?: number): Promise<void>;
export function freePort(): Promise<number>;
export function reapOrphans(): number;
export function kafkaVersion(): string;
