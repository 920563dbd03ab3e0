// Types for supervise.mjs, for the TypeScript tests.
import type { ChildProcess, SpawnOptions } from 'node:child_process';

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Supervisor {
  readonly child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function superviseServer(options: {
  command: string;
  args: string[];
  spawnOptions?: SpawnOptions;
  onOutput?: (chunk: Buffer) => void;
  onListening?: (child: ChildProcess) => void;
  onRestart?: (event: ServerExit & { delayMs: number; restart: number; maxRestarts: number }) => void;
  onGiveUp: (event: ServerExit & { listening: boolean; restarts: number }) => void;
  maxRestarts?: number;
  windowMs?: number;
  firstDelayMs?: number;
}): Supervisor;
