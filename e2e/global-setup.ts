// Starts what the tests talk to: Kafka (KAFKA_BROKERS if set, else a local broker on a free
// port), then the built server with the built web app. The returned function stops both.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER_ENTRY = path.join(ROOT, 'server/dist/server.js');
const WEB_DIST = path.join(ROOT, 'web/dist');

interface LocalKafka {
  bootstrap: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
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

function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; output: string[] }> {
  const child = spawn(process.execPath, ['--enable-source-maps', SERVER_ENTRY], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 90 s:\n${output.join('')}`));
    }, 90_000);
    const onData = (d: Buffer) => {
      output.push(d.toString());
      if (output.length > 2000) output.splice(0, 1000);
      if (output.join('').includes('Server listening at')) {
        clearTimeout(timer);
        resolve({ child, output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code}):\n${output.join('')}`));
    });
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(`The web app is not built (${WEB_DIST}/index.html is missing). Run \`npm run build\` at the repository root first.`);
  }
  if (!existsSync(SERVER_ENTRY)) {
    throw new Error(`The server is not built (${SERVER_ENTRY} is missing). Run \`npm run build\` at the repository root first.`);
  }

  let kafka: LocalKafka | undefined;
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    const lib = pathToFileURL(path.join(ROOT, 'scripts/lib/kafka-local.mjs')).href;
    const { startKafka } = (await import(lib)) as { startKafka: (o: { port: number }) => Promise<LocalKafka> };
    kafka = await startKafka({ port: 0 });
    brokers = kafka.bootstrap;
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'messenger-e2e-'));
  let server: { child: ChildProcess; output: string[] };
  try {
    server = await startServer({
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      TOPIC_PARTITIONS: '3',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      WEB_DIST,
      ALLOWED_ORIGINS: `${url},http://localhost:${port}`,
      LOG_LEVEL: 'info',
      INBOX_COMMIT_INTERVAL_MS: '50',
      REGISTER_RATE_PER_MINUTE: '100000',
      LOGIN_RATE_PER_MINUTE: '100000',
      SEND_RATE_PER_MINUTE: '1000000',
      API_RATE_PER_MINUTE: '1000000',
      SOCKET_EVENTS_PER_SECOND: '1000',
    });
  } catch (error) {
    await kafka?.stop();
    throw error;
  }
  process.env.E2E_BASE_URL = url;
  console.log(`[e2e] server at ${url}, Kafka at ${brokers}${kafka ? ' (started for this run)' : ''}`);

  return async () => {
    const { child } = server;
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await kafka?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
