// The server instances of `npm run cluster`: their output, their readiness, and the run records
// that let a later start stop the instances of a cluster that was SIGKILLed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reapOrphans as reapOrphanBalancers } from './haproxy.mjs';
import { reapOrphans as reapOrphanBrokers } from './kafka-local.mjs';
import { ROOT } from './launch.mjs';
import { isAlive, isProcessOf, reapOrphanRecords } from './orphans.mjs';
import { reapOrphans as reapOrphanPostgres } from './postgres-local.mjs';

export const SERVER = path.join(ROOT, 'server/dist/server.js');

// A cluster SIGKILLed leaves its processes running. The brokers, Postgres and HAProxy have run
// records in their libs; the instances are ours, so we keep theirs (their pids, and a --fresh
// data dir). The next start stops them all, then removes the dir, once nothing writes into it.
export const RUN_DIR = path.join(os.tmpdir(), 'messenger-cluster-run');
export function reapOrphans() {
  let stopped = reapOrphanBalancers() + reapOrphanBrokers() + reapOrphanPostgres();
  const dirs = [];
  reapOrphanRecords(RUN_DIR, ({ pids = [], temporary }) => {
    for (const pid of pids) {
      if (isAlive(pid) && isProcessOf(pid, SERVER)) {
        process.kill(pid, 'SIGKILL');
        stopped += 1;
      }
    }
    if (temporary) dirs.push(temporary);
    return 0;
  });
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  return stopped;
}

/**
 * Whether a log line is a passed health check. The balancer asks each instance GET /readyz every
 * second, and the server logs every request (two lines): kept, they would drown everything else.
 * A failing check still shows its answer.
 */
function healthCheckFilter() {
  const checks = new Set();
  return (line) => {
    if (!line.includes('"reqId"')) return false;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      return false;
    }
    if (entry.req?.url === '/readyz') {
      if (checks.size > 1_000) checks.clear(); // requests that never completed: bounded
      checks.add(entry.reqId);
      return true;
    }
    return checks.delete(entry.reqId) && entry.res?.statusCode === 200;
  };
}

/** Prefixes each complete line of a child's output with its name; keeps a partial line for later. */
export function linePrefixer(prefix, write) {
  let partial = '';
  const isHealthCheck = healthCheckFilter();
  return (chunk) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (!isHealthCheck(line)) write(`${prefix}${line}\n`);
  };
}

/** Polls an instance's /readyz until it answers 200 (true), it is gone, or `timeoutMs` pass (false). */
export async function waitReady(url, isGone, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isGone()) return false;
    const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}
