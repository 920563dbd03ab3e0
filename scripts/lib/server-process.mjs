// The built server (server/dist/server.js) as a child process, for every suite that needs the
// real thing from outside: e2e, the desktop agent's integration test, the bench, the fault tests.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { freePort } from './kafka-local.mjs';

export const SERVER_ENTRY = fileURLToPath(new URL('../../server/dist/server.js', import.meta.url));

/**
 * How every launcher of ours runs the server (npm start, npm run cluster, the suites, the bench;
 * the Dockerfile repeats them): readable stack traces, and a 64 MiB young generation. The server
 * allocates per message (HTTP, records, frames); with V8's default 16 MiB semi-space, scavenges
 * took 11-18 % of its CPU at 2,000 msg/s, with 64 MiB 5.5 % (issue 15, docs/performance.md).
 */
export const SERVER_NODE_ARGS = ['--enable-source-maps', '--max-semi-space-size=64'];

/**
 * The environment of a server under test: its own topics, its own SQLite file in `dataDir`,
 * loopback only, no web app, and rate limits out of the way of the test's own load.
 */
export function testServerEnv({ kafkaBrokers, dataDir, port, ...overrides }) {
  return {
    KAFKA_BROKERS: kafkaBrokers,
    KAFKA_TOPIC_PREFIX: `t${randomBytes(5).toString('hex')}`,
    TOPIC_PARTITIONS: '3',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    WEB_DIST: path.join(dataDir, 'no-web'),
    LOG_LEVEL: 'info',
    INBOX_COMMIT_INTERVAL_MS: '50',
    REGISTER_RATE_PER_MINUTE: '100000',
    LOGIN_RATE_PER_MINUTE: '100000',
    LOGIN_IP_RATE_PER_MINUTE: '100000',
    SEND_RATE_PER_MINUTE: '1000000',
    API_RATE_PER_MINUTE: '1000000',
    SOCKET_HANDSHAKES_PER_MINUTE: '1000000',
    // /metrics exists only with a token; tests that read it send this one.
    METRICS_TOKEN: `test-metrics-${randomBytes(12).toString('hex')}`,
    ...Object.fromEntries(Object.entries(overrides).map(([name, value]) => [name, String(value)])),
  };
}

/** A fresh temporary data directory for one server. */
export function tempDataDir(prefix = 'messenger-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Spawns the server with exactly `env` (plus PATH) and resolves once GET /readyz answers 200,
 * that is once Kafka and the database are reachable. Rejects, with the server's output, if it
 * exits first or is not ready within `timeoutMs`. `entry` is another build's server.js (the bench's
 * --compare runs a second revision beside this checkout's).
 */
export async function startServerProcess({ env, nodeArgs = [], cwd, timeoutMs = 90_000, keepOutput = 2_000, entry = SERVER_ENTRY }) {
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [...nodeArgs, ...SERVER_NODE_ARGS, entry], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  const collect = (chunk) => {
    output.push(chunk.toString());
    if (output.length > keepOutput) output.splice(0, output.length - keepOutput);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  let exitedWith;
  void exited.then((code) => (exitedWith = code ?? 'exit'));

  const url = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitedWith !== undefined) throw new Error(`the server exited (${exitedWith}) before it was ready:\n${output.join('').slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready within ${timeoutMs / 1000} s:\n${output.join('').slice(-4000)}`);
    }
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    env,
    child,
    output,
    exited,
    /** Sends `signal` (SIGTERM: a clean shutdown) and resolves with the exit code; SIGKILL after `graceMs`. */
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
