// The messages between the rebalance measurement (rebalance.ts) and its member processes.

export type ClientName = 'kafkajs' | 'platformatic';
/** classic: JoinGroup/SyncGroup (eager in kafkajs); consumer: KIP-848, assignment by the broker. */
export type GroupProtocol = 'classic' | 'consumer';

export interface MemberConfig {
  name: string;
  client: ClientName;
  protocol: GroupProtocol;
  /** Static membership (group.instance.id, KIP-345); none for a dynamic member. */
  groupInstanceId?: string;
  brokers: string;
  topic: string;
  groupId: string;
  partitions: number;
  sessionTimeoutMs: number;
  heartbeatMs: number;
  rebalanceTimeoutMs: number;
  maxWaitMs: number;
}

/** [partition, seq, produce time, consume time] (ms since the epoch, one host, one clock). */
export type Row = [number, number, number, number];

export type MemberMessage =
  | { type: 'started'; at: number }
  | { type: 'assigned'; at: number; memberId: string; partitions: number[] }
  | { type: 'records'; rows: Row[] }
  | { type: 'left'; at: number }
  | { type: 'error'; message: string };
