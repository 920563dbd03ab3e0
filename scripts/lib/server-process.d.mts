// Types for server-process.mjs, for the TypeScript suites that start the real server.
import type { ChildProcess } from 'node:child_process';

export { freePort } from './kafka-local.mjs';
export const SERVER_ENTRY: string;
/** The node flags every launcher runs the server with. */
export const SERVER_NODE_ARGS: readonly string[];

export function testServerEnv(options: {
  kafkaBrokers: string;
  dataDir: string;
  port: number | string;
  [variable: string]: string | number;
}): Record<string, string>;

export function tempDataDir(prefix?: string): string;

export interface ServerProcess {
  url: string;
  env: Record<string, string>;
  child: ChildProcess;
  /** The server's recent output (stdout and stderr), oldest first. */
  output: string[];
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string | null>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string | null>;
}

export function startServerProcess(options: {
  env: Record<string, string>;
  nodeArgs?: string[];
  cwd?: string;
  timeoutMs?: number;
  keepOutput?: number;
  /** The server.js to run (default SERVER_ENTRY, this checkout's build). */
  entry?: string;
}): Promise<ServerProcess>;
