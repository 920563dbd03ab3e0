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

export interface KafkaCluster {
  version: string;
  nodes: KafkaNode[];
  dataDir: string;
  bootstrap: string;
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
  log?: (line: string) => void;
}): Promise<KafkaCluster>;

export function waitForBrokers(cluster: KafkaCluster, expected: number, timeoutMs?: number): Promise<void>;
export function freePort(): Promise<number>;
export function reapOrphans(): number;
export function kafkaVersion(): string;
