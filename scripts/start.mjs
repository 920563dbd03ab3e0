#!/usr/bin/env node
// `npm start`: the whole messenger on one machine. Uses KAFKA_BROKERS when it is set; otherwise
// starts (or reuses) a local Kafka on 127.0.0.1:9092. Builds what is stale, runs the server (which
// creates its topics and serves the web app), and prints the URL. Ctrl-C stops everything.
// `npm start -- --db postgres` also starts a local Postgres (data/postgres) and points
// DATABASE_URL at it; without the option the server keeps its embedded SQLite file.
// `npm start -- --instances 3` is `npm run cluster` (scripts/cluster.mjs), which it runs.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { portInUse, startKafka, waitForBrokers } from './lib/kafka-local.mjs';
import { ROOT, appPostgres, buildApp } from './lib/launch.mjs';
import { PrereqError, UsageError, checkNode, runMain } from './lib/prereqs.mjs';
import { SERVER_NODE_ARGS } from './lib/server-process.mjs';
import { superviseServer } from './lib/supervise.mjs';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line) => console.log(`[start] ${line}`);

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

const USAGE = `Usage: npm start [-- --db sqlite|postgres] [-- --instances <n>] [-- --help]

Starts the whole messenger: a local Kafka on 127.0.0.1:9092 (or the cluster in KAFKA_BROKERS),
then the server with the web app at http://localhost:3000 (PORT and HOST change it).
--db postgres also starts a local Postgres (data in data/postgres; as the system user
messenger-pg when run as root) unless DATABASE_URL names one. The default is the embedded SQLite.
--instances 2..9 runs a local cluster instead (npm run cluster: 3 Kafka brokers, Postgres, that
many servers behind HAProxy); it needs Postgres, so --db sqlite is refused with it.
Ctrl-C stops everything. Configuration is by environment variables: see README.md.`;

/** `npm start -- --instances n`: hands over to scripts/cluster.mjs, passing signals on. */
function runCluster(instances) {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/cluster.mjs'), '--instances', String(instances)], { stdio: 'inherit' });
  // A terminal's Ctrl-C reaches the child by itself (same process group); a SIGTERM sent to us
  // alone (a service manager) is passed on, and we leave when it has stopped everything.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

await runMain(async () => {
  checkNode();
  const { values } = parseArgs({
    options: { help: { type: 'boolean', short: 'h', default: false }, db: { type: 'string' }, instances: { type: 'string', default: '1' } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.db !== undefined && values.db !== 'sqlite' && values.db !== 'postgres') throw new PrereqError(`--db must be sqlite or postgres, not ${values.db}`);
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > 9) throw new UsageError(`--instances must be a whole number from 1 to 9, not ${values.instances}`);
  if (instances > 1) {
    if (values.db === 'sqlite') throw new UsageError('--instances needs --db postgres: several servers cannot share one SQLite file');
    runCluster(instances);
    return;
  }
  const dataDir = process.env.DATA_DIR ?? path.join(ROOT, 'data');
  let postgres;
  let databaseUrl = process.env.DATABASE_URL;
  if (values.db === 'postgres') ({ databaseUrl, postgres } = await appPostgres({ stateDir: path.join(dataDir, 'postgres'), log: say }));
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
    buildApp({ log: say });
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
    args: [...SERVER_NODE_ARGS, path.join(ROOT, 'server/dist/server.js')],
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
