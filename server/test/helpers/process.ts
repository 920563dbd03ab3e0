// Runs the real server as a child process (node server/dist/server.js), so tests can SIGKILL it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { randomName } from './app.js';

const SERVER_ENTRY = fileURLToPath(new URL('../../dist/server.js', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  env: Record<string, string>;
  child: ChildProcess;
  output: string[];
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the server and resolves once /healthz answers. Reuse `env` to restart the same server. */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'messenger-proc-'));
  const port = env.PORT ?? String(await freePort());
  const fullEnv: Record<string, string> = {
    KAFKA_BROKERS: inject('kafkaBrokers'),
    KAFKA_TOPIC_PREFIX: randomName('p'),
    TOPIC_PARTITIONS: '3',
    HOST: '127.0.0.1',
    WEB_DIST: path.join(dataDir, 'no-web'),
    LOG_LEVEL: 'info',
    INBOX_COMMIT_INTERVAL_MS: '50',
    REGISTER_RATE_PER_MINUTE: '100000',
    LOGIN_RATE_PER_MINUTE: '100000',
    SEND_RATE_PER_MINUTE: '1000000',
    API_RATE_PER_MINUTE: '1000000',
    ...env,
    DATA_DIR: dataDir,
    PORT: port,
  };
  const child = spawn(process.execPath, ['--enable-source-maps', SERVER_ENTRY], {
    env: { PATH: process.env.PATH ?? '', ...fullEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Ready when Fastify says it listens (it does so only after Kafka and the DB are up).
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 90 s:\n${output.join('')}`));
    }, 90_000);
    const onData = (d: Buffer) => {
      output.push(d.toString());
      if (output.join('').includes('Server listening at')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code}):\n${output.join('')}`));
    });
  });
  return {
    url,
    env: fullEnv,
    child,
    output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
