#!/usr/bin/env node
// `npm run cluster`: the messenger as it runs in production, on one machine. Three Kafka brokers
// (replication factor 3, min.insync.replicas 2), Postgres, N server instances (3 by default) and
// HAProxy in front of them, which is the one URL clients use. Every piece is a real process: kill
// one instance (its pid is printed) and clients carry on through the others. Ctrl-C or SIGTERM
// stops the balancer, then the instances, then Kafka and Postgres; nothing is left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, portInUse, startKafka } from './lib/kafka-local.mjs';
import { checkHaproxy, haproxyConfig, haproxyUser, startHaproxy } from './lib/haproxy.mjs';
import { RUN_DIR, SERVER, linePrefixer, reapOrphans, waitReady } from './lib/instances.mjs';
import { ROOT, appPostgres, buildApp } from './lib/launch.mjs';
import { PrereqError, UsageError, checkJava, checkNode, runMain } from './lib/prereqs.mjs';
import { SERVER_NODE_ARGS } from './lib/server-process.mjs';
import { superviseServer } from './lib/supervise.mjs';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line) => console.log(`[cluster] ${line}`);
const NAMES = 'abcdefghi';
const runRecord = path.join(RUN_DIR, `${process.pid}.json`);

const USAGE = `Usage: npm run cluster -- [options]

Starts a local messenger cluster: 3 Kafka brokers (KRaft, replication factor 3,
min.insync.replicas 2), Postgres, N server instances and HAProxy in front of them, then prints
the URL (the balancer) and each instance (URL, pid, INSTANCE_ID). Ctrl-C stops everything.
\`npm start -- --instances N\` does the same.

Options:
  --instances <n>   server instances, 1 to 9 (default 3)
  --port <n>        the balancer's port (default PORT or 3000); instance i listens on port+i.
                    0 picks free ports for all of them
  --kafka-port <n>  first broker's client port (default 19092); broker i listens on it+i-1.
                    0 picks free ports
  --data <dir>      where the brokers, Postgres and the instances keep their data
                    (default data/cluster; kept across runs)
  --fresh           use an empty temporary data directory, deleted on exit
  -h, --help        this help

Environment: KAFKA_BROKERS uses that Kafka instead of starting three brokers (with
TOPIC_REPLICATION_FACTOR, default 3); DATABASE_URL=postgres://... uses that Postgres; HOST is
the balancer's interface (default 127.0.0.1); HAPROXY_BIN the balancer's binary. Every other
server variable (README.md) is passed to the instances.`;

/** A whole number in [min, max] from a command-line value, or a UsageError naming the option. */
function intOption(name, text, min, max) {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not ${text}`);
  return value;
}

/** `count` ports from `first` (0: free ones), each checked free, so a clash is one clear line. */
async function choosePorts(first, count, what) {
  const ports = [];
  for (let i = 0; i < count; i += 1) {
    let port = first === 0 ? await freePort() : first + i;
    while (first === 0 && ports.includes(port)) port = await freePort();
    if (first !== 0 && (await portInUse(port))) throw new PrereqError(`port ${port} (${what}) is already in use: stop what listens there or choose other ports with --port`);
    ports.push(port);
  }
  return ports;
}

await runMain(async () => {
  checkNode();
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '3' },
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      'kafka-port': { type: 'string', default: '19092' },
      data: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const count = intOption('instances', values.instances, 1, NAMES.length);
  const lbPort = intOption('port', values.port, 0, 65535 - NAMES.length);
  const kafkaPort = intOption('kafka-port', values['kafka-port'], 0, 65533);
  if (values.fresh && values.data) throw new UsageError('--fresh and --data exclude each other');
  // Every missing piece is named before anything starts, so a newcomer fixes them in one go.
  const haproxy = checkHaproxy();
  if (!process.env.KAFKA_BROKERS) checkJava();
  const reaped = reapOrphans();
  if (reaped > 0) say(`Stopped ${reaped} process${reaped > 1 ? 'es' : ''} left running by a cluster that was killed.`);

  const lbHost = process.env.HOST ?? '127.0.0.1';
  const [balancerPort, ...instancePorts] = await choosePorts(lbPort, count + 1, 'the balancer and instances');
  const url = `http://${lbHost === '127.0.0.1' || lbHost === '0.0.0.0' ? 'localhost' : lbHost}:${balancerPort}`;
  const fresh = values.fresh ? fs.mkdtempSync(path.join(os.tmpdir(), 'messenger-cluster-')) : undefined;
  const dataDir = path.resolve(fresh ?? values.data ?? path.join(ROOT, 'data', 'cluster'));
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  // Started pieces, stopped in reverse on the way out (or when a start fails half-way).
  let postgres;
  let kafka;
  let balancer;
  const supervisors = new Map();
  const recordInstances = () => {
    fs.mkdirSync(RUN_DIR, { recursive: true, mode: 0o700 });
    fs.writeFileSync(runRecord, JSON.stringify({ owner: process.pid, pids: [...supervisors.values()].map((s) => s.child.pid), temporary: fresh }));
  };
  // If we exit without stopAll() (an uncaught error), the instances go with us.
  const killInstancesSync = () => {
    for (const s of supervisors.values()) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    fs.rmSync(runRecord, { force: true });
  };
  process.on('exit', killInstancesSync);
  recordInstances();
  let stopping = false;
  let announced = false;
  const stopAll = async () => {
    if (balancer) await balancer.stop();
    await Promise.all([...supervisors.values()].map((s) => s.stop('SIGTERM')));
    fs.rmSync(runRecord, { force: true });
    await Promise.all([postgres?.stop(), kafka?.stop()]);
    if (fresh) fs.rmSync(fresh, { recursive: true, force: true });
  };
  const shutdown = async (why, exitCode) => {
    if (stopping) return;
    stopping = true;
    say(`${why}: stopping the balancer, the instances, Kafka and Postgres...`);
    await stopAll();
    say('Stopped.');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  try {
    let databaseUrl;
    ({ postgres, databaseUrl } = await appPostgres({ stateDir: fresh ? undefined : path.join(dataDir, 'postgres'), log: say }));
    let brokers = process.env.KAFKA_BROKERS;
    if (brokers) say(`Using the Kafka cluster at ${brokers} (KAFKA_BROKERS).`);
    else {
      say('Starting 3 Kafka brokers (KRaft, replication factor 3, min.insync.replicas 2)...');
      kafka = await startKafka({ brokers: 3, port: kafkaPort, dataDir: path.join(dataDir, 'kafka'), log: say });
      brokers = kafka.bootstrap;
      say(`Kafka ${kafka.version} is ready at ${brokers} (${elapsed()}).`);
    }
    buildApp({ log: say });

    const instances = instancePorts.map((port, i) => ({ name: NAMES[i], port, url: `http://127.0.0.1:${port}` }));
    const allowedOrigins = [`http://localhost:${balancerPort}`, `http://127.0.0.1:${balancerPort}`];
    if (!['127.0.0.1', '0.0.0.0', 'localhost'].includes(lbHost)) allowedOrigins.push(`http://${lbHost}:${balancerPort}`);
    const appDir = path.join(dataDir, 'app');
    fs.mkdirSync(appDir, { recursive: true, mode: 0o700 });
    for (const instance of instances) {
      const env = {
        ...process.env,
        KAFKA_BROKERS: brokers,
        TOPIC_REPLICATION_FACTOR: process.env.TOPIC_REPLICATION_FACTOR ?? '3',
        // Names the process; until instances share one history group, it also gives each its own.
        INSTANCE_ID: instance.name,
        HOST: '127.0.0.1',
        PORT: String(instance.port),
        // One DATA_DIR for all: the record-signing key generated there on first start is created
        // atomically (record-signature.ts), so every instance signs and verifies with the same key.
        DATA_DIR: appDir,
        DATABASE_URL: databaseUrl,
        // Clients reach the instances through the balancer: its origin, and its X-Forwarded-For
        // (from loopback only), are the ones that count for cookies, CORS and rate limits.
        ALLOWED_ORIGINS: process.env.ALLOWED_ORIGINS ?? [...allowedOrigins, `http://localhost:${instance.port}`, `http://127.0.0.1:${instance.port}`].join(','),
        TRUST_PROXY: process.env.TRUST_PROXY ?? 'loopback',
      };
      const write = linePrefixer(`[${instance.name}] `, (line) => process.stdout.write(line));
      const supervisor = superviseServer({
        command: process.execPath,
        args: [...SERVER_NODE_ARGS, SERVER],
        spawnOptions: { cwd: ROOT, env },
        onOutput: write,
        onListening: (child) => {
          recordInstances();
          if (announced) say(`Instance ${instance.name} is back (pid ${child.pid}).`);
        },
        onRestart: ({ code, signal, delayMs, restart, maxRestarts }) =>
          say(`Instance ${instance.name} exited (${code ?? signal}); restarting it in ${delayMs / 1000} s (restart ${restart} of at most ${maxRestarts}).`),
        onGiveUp: ({ code, signal, listening, restarts }) => {
          supervisors.delete(instance.name);
          // One that never came up will not on a retry either (configuration): say so and stop.
          // One that ran and then kept crashing leaves the others serving, as in production.
          if (!listening) void shutdown(`Instance ${instance.name} exited (${code ?? signal}) before it listened`, 1);
          else if (supervisors.size === 0) void shutdown(`The last instance exited (${code ?? signal}) after ${restarts} restarts`, 1);
          else say(`Instance ${instance.name} exited (${code ?? signal}) after ${restarts} restarts; the balancer routes around it.`);
        },
      });
      supervisors.set(instance.name, supervisor);
    }
    recordInstances();

    const ready = await Promise.all(instances.map((s) => waitReady(s.url, () => stopping || !supervisors.has(s.name), 120_000)));
    if (stopping) return;
    const notReady = instances.filter((_, i) => !ready[i]).map((s) => s.name);
    if (notReady.length > 0) throw new PrereqError(`instance${notReady.length > 1 ? 's' : ''} ${notReady.join(', ')} did not become ready within 120 s (see their output above)`);

    // The balancer comes last: it starts with every instance up, so the URL printed next works
    // at once, rather than after each instance has passed `rise` health checks.
    balancer = await startHaproxy({
      configFile: path.join(dataDir, 'haproxy.cfg'),
      config: haproxyConfig({ host: lbHost, port: balancerPort, servers: instances.map((s) => ({ name: s.name, host: '127.0.0.1', port: s.port })), user: haproxyUser() }),
      port: balancerPort,
      log: (line) => console.log(`[haproxy] ${line}`),
    });
    void balancer.exited.then((code) => void shutdown(`HAProxy exited (${code})`, 1));

    say(`The messenger is running at ${url}  (HAProxy ${haproxy.version} → ${count} instance${count > 1 ? 's' : ''}; ready in ${elapsed()}). Ctrl-C stops it.`);
    for (const s of instances) say(`  instance ${s.name}: ${s.url}  pid ${supervisors.get(s.name)?.child.pid}  INSTANCE_ID=${s.name}`);
    say(`  Kafka: ${brokers}${kafka ? ' (3 brokers, replication factor 3, min.insync.replicas 2)' : ''}`);
    say(`  Postgres: ${postgres ? postgres.safeUrl('messenger') : 'DATABASE_URL'}`);
    say(`  Data: ${fresh ? `${dataDir} (deleted on exit)` : dataDir}`);
    announced = true;
  } catch (error) {
    if (!stopping) {
      stopping = true;
      await stopAll();
    }
    throw error;
  }
});
