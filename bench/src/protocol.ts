// Messages between the orchestrator (main.ts) and the load worker processes (load-worker.ts).
import type { BenchUser } from './env.js';
import type { Arrival } from './group-tally.js';

export interface WorkerUser extends BenchUser {
  /** Position in the run's user list: users below `activeCount` send and receive. */
  index: number;
}

/** A group the run sends to: its id and its members, by their index in the run's user list. */
export interface RunGroup {
  id: string;
  members: number[];
}

export type ToWorker =
  | {
      cmd: 'init';
      workerId: number;
      /** server instances: sockets and POSTs are spread over them round-robin */
      urls: string[];
      users: WorkerUser[];
      recipients: string[];
      socketsPerUser: number;
    }
  | { cmd: 'connect'; concurrency: number; timeoutMs: number }
  | {
      cmd: 'run';
      tag: string;
      /** messages per second for this worker */
      rate: number;
      durationMs: number;
      warmupMs: number;
      startAt: number;
      textBytes: number;
      activeCount: number;
      maxOutstanding: number;
      connections: number;
      /**
       * Group mode: each send goes to POST /api/groups/:id/messages of a random group, from a
       * random member of it this worker holds; every member's copy is counted apart.
       */
      groups?: RunGroup[];
    }
  | { cmd: 'count' }
  | { cmd: 'collect' }
  | { cmd: 'close' };

export interface WorkerResult {
  workerId: number;
  accepted: string[];
  sendErrors: Record<string, number>;
  /** key → times received by the recipient's socket */
  received: [string, number][];
  stray: number;
  /** frames the sockets received, by event */
  frames: Record<string, number>;
  latencies: Float64Array;
  /** POST /send start → its 202 arrived, ms, after the warm-up */
  answerLatencies: Float64Array;
  sentPerSecond: number[];
  deliveredPerSecond: number[];
  acknowledged: number;
  ackErrors: number;
  /** how often the generator hit its outstanding-request cap (open loop broken) */
  capped: number;
  /** the most the generator was behind schedule, ms */
  maxSlipMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  eventLoopUtilization: number;
  wallMs: number;
  disconnects: number;
  /** group mode: what this worker's members got, and what each accepted message owes */
  group?: {
    /** accepted message key → members of its group when sent */
    expected: [string, number][];
    arrivals: Arrival[];
    duplicates: number;
  };
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'connected'; ms: number; connected: number; failed: number; firstError?: string }
  /** expected: deliveries owed for what was accepted (= accepted, or copies in group mode) */
  | { type: 'sent'; issued: number; accepted: number; expected: number }
  | { type: 'count'; received: number }
  | { type: 'result'; result: WorkerResult }
  | { type: 'error'; message: string };
