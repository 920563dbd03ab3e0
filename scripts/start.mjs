#!/usr/bin/env node
// `npm start`: the whole messenger on one machine. Uses KAFKA_BROKERS when it is set; otherwise
// starts (or reuses) a local Kafka on 127.0.0.1:9092. Builds what is stale, runs the server (which
// creates its topics and serves the web app), and prints the URL. Ctrl-C stops everything.
// `npm start -- --db postgres` also starts a local Postgres (data/postgres) and points
// DATABASE_URL at it; without the option the server keeps its embedded SQLite file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { portInUse, startKafka, waitForBrokers } from './lib/kafka-local.mjs';
import { ensureDatabase, startPostgres } from './lib/postgres-local.mjs';
import { PrereqError, checkNode, runMain } from './lib/prereqs.mjs';
import { superviseServer } from './lib/supervise.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line) => console.log(`[start] ${line}`);

/** Newest modification time under `dir` (skipping dependencies and build output). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new PrereqError(`${what} failed (exit ${result.status ?? result.signal}); see the output above.`);
}

function build() {
  if (!fs.existsSync(path.join(ROOT, 'node_modules'))) {
    throw new PrereqError('dependencies are not installed: run `npm ci` first.');
  }
  // tsc -b is incremental: a no-op when nothing changed.
  run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b'], 'Building the server (tsc -b)');
  const webIndex = path.join(ROOT, 'web/dist/index.html');
  const webSources = Math.max(newestMtime(path.join(ROOT, 'web')), newestMtime(path.join(ROOT, 'protocol/src')));
  if (!fs.existsSync(webIndex) || fs.statSync(webIndex).mtimeMs < webSources) {
    say('Building the web app (vite build)...');
    run('npm', ['run', '--silent', 'build', '-w', 'web'], 'Building the web app');
  }
}

/** A Kafka already listening on the port (say, from `npm run kafka`) is reused, not fought over. */
async function reachableKafka(port) {
  if (!(await portInUse(port))) return false;
  try {
    await waitForBrokers({ nodes: [{ id: 1, port, child: { exitCode: null, signalCode: null } }] }, 1, 3_000);
    return true;
  } catch {
    return false;
  }
}

const USAGE = `Usage: npm start [-- --db sqlite|postgres] [-- --help]

Starts the whole messenger: a local Kafka on 127.0.0.1:9092 (or the cluster in KAFKA_BROKERS),
then the server with the web app at http://localhost:3000 (PORT and HOST change it).
--db postgres also starts a local Postgres (data in data/postgres; as the system user
messenger-pg when run as root) unless DATABASE_URL names one. The default is the embedded SQLite.
Ctrl-C stops everything. Configuration is by environment variables: see README.md.`;

await runMain(async () => {
  checkNode();
  const { values } = parseArgs({
    options: { help: { type: 'boolean', short: 'h', default: false }, db: { type: 'string', default: 'sqlite' } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.db !== 'sqlite' && values.db !== 'postgres') throw new PrereqError(`--db must be sqlite or postgres, not ${values.db}`);
  const dataDir = process.env.DATA_DIR ?? path.join(ROOT, 'data');
  let postgres;
  let databaseUrl = process.env.DATABASE_URL;
  if (values.db === 'postgres') {
    if (databaseUrl?.startsWith('postgres')) say('Using the Postgres in DATABASE_URL.');
    else {
      say('Starting a local Postgres...');
      postgres = await startPostgres({ stateDir: path.join(dataDir, 'postgres'), port: Number(process.env.POSTGRES_PORT ?? 0), log: say });
      await ensureDatabase(postgres.url('postgres'), 'messenger');
      databaseUrl = postgres.url('messenger');
      say(`Postgres ${postgres.version} is ready at ${postgres.safeUrl('messenger')} (password in ${path.join(dataDir, 'postgres', 'superuser-password')}).`);
    }
  }
  let kafka;
  let brokers = process.env.KAFKA_BROKERS;
  if (brokers) {
    say(`Using the Kafka cluster at ${brokers} (KAFKA_BROKERS).`);
  } else {
    const port = Number(process.env.KAFKA_PORT ?? 9092);
    if (await reachableKafka(port)) {
      brokers = `127.0.0.1:${port}`;
      say(`Reusing the Kafka already running at ${brokers}.`);
    } else {
      say('Starting a local Kafka (KRaft, one node)...');
      kafka = await startKafka({ brokers: 1, port, dataDir: path.join(ROOT, 'data', 'kafka'), log: say });
      brokers = kafka.bootstrap;
      say(`Kafka ${kafka.version} is ready at ${brokers} (${elapsed()}).`);
    }
  }

  const stopServices = async () => {
    if (postgres) await postgres.stop();
    postgres = undefined;
    if (kafka) await kafka.stop();
  };
  try {
    build();
  } catch (error) {
    await stopServices();
    throw error;
  }

  const port = process.env.PORT ?? '3000';
  const host = process.env.HOST ?? '127.0.0.1';
  const url = `http://${host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host}:${port}`;
  let announced = false;
  let stopping = false;
  const supervisor = superviseServer({
    command: process.execPath,
    args: ['--enable-source-maps', path.join(ROOT, 'server/dist/server.js')],
    spawnOptions: {
      cwd: ROOT,
      env: { ...process.env, KAFKA_BROKERS: brokers, PORT: port, HOST: host, DATA_DIR: dataDir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
    },
    onOutput: (chunk) => process.stdout.write(chunk),
    onListening: () => {
      if (!announced) say(`The messenger is running at ${url}  (ready in ${elapsed()}; API docs at ${url}/docs). Ctrl-C stops it.`);
      announced = true;
    },
    onRestart: ({ code, signal, delayMs, restart, maxRestarts }) =>
      console.error(`[start] The server exited (${code ?? signal}); restarting it in ${delayMs / 1000} s (restart ${restart} of at most ${maxRestarts}).`),
    onGiveUp: ({ code, signal, listening, restarts }) => {
      stopping = true;
      const why = listening ? ` after ${restarts} restarts` : '';
      console.error(`[start] The server exited (${code ?? signal})${why}; stopping ${postgres ? 'Postgres and ' : ''}Kafka.`);
      void stopServices().then(() => process.exit(code || 1));
    },
  });

  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping the server${postgres ? ', Postgres' : ''} and Kafka...`);
    await supervisor.stop('SIGTERM');
    await stopServices();
    say('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
});
