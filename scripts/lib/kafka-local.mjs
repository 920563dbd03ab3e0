// A real Apache Kafka for development and tests: the broker's jars come from Maven Central (the
// pom in scripts/kafka), are cached under ~/.cache/kafka-messenger/kafka-<version>, and run in
// KRaft mode (combined broker + controller per node) with `java -cp`. One node by default, or
// three with replication factor 3 and min.insync.replicas=2 for fault tests.
//
// Every JVM this module starts is recorded in a pid file; a later start kills JVMs whose owner
// died without stopping them (a SIGKILLed test runner), so no broker is ever left behind.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, isProcessOf, reapOrphanRecords } from './orphans.mjs';
import { kafkajsSecurity, prepareSecurity, scramFormatArgs, secureProperties } from './kafka-secure.mjs';
import { PrereqError, checkJava, checkMaven, javaBinary } from './prereqs.mjs';

const POM = fileURLToPath(new URL('../kafka/pom.xml', import.meta.url));

/** The version pinned in scripts/kafka/pom.xml, unless KAFKA_VERSION overrides it. */
export function kafkaVersion() {
  if (process.env.KAFKA_VERSION) return process.env.KAFKA_VERSION;
  const pinned = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(fs.readFileSync(POM, 'utf8'));
  if (!pinned) throw new Error(`no <kafka.version> in ${POM}`);
  return pinned[1];
}

export function cacheRoot() {
  if (process.env.KAFKA_CACHE_DIR) return process.env.KAFKA_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'kafka-messenger');
}

/**
 * Fetches the broker's jars once per version and returns the folder that holds them. The folder
 * only appears, by rename, once Maven has finished, so an interrupted download is never reused.
 */
export function ensureKafkaJars({ version = kafkaVersion(), log = () => {} } = {}) {
  const libs = path.join(cacheRoot(), `kafka-${version}`, 'libs');
  if (fs.existsSync(path.join(libs, '.complete'))) return libs;
  checkMaven();
  const partial = `${libs}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(libs), { recursive: true });
  log(`Fetching Apache Kafka ${version} from Maven Central (once; cached in ${path.dirname(libs)})...`);
  const started = Date.now();
  const mvn = spawnSync(
    'mvn',
    ['-q', '-B', '-f', POM, `-Dkafka.version=${version}`, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${partial}`],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (mvn.error || mvn.status !== 0) {
    fs.rmSync(partial, { recursive: true, force: true });
    const tail = `${mvn.stdout ?? ''}${mvn.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
    throw new PrereqError(`Maven could not fetch Kafka ${version} from Maven Central (${tail || mvn.error?.message}); check network access to repo.maven.apache.org.`);
  }
  fs.writeFileSync(path.join(partial, '.complete'), `${version}\n`);
  fs.rmSync(libs, { recursive: true, force: true });
  fs.renameSync(partial, libs);
  log(`Fetched Kafka ${version} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return libs;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// ---------------------------------------------------------------------------------------------
// Leftover JVMs from owners that died

const runDir = () => path.join(cacheRoot(), 'run');

/** Kills brokers whose owning process is gone. */
export function reapOrphans() {
  return reapOrphanRecords(runDir(), (record) => {
    let killed = 0;
    for (const pid of record.jvms ?? []) {
      if (isAlive(pid) && isProcessOf(pid, 'kafka.Kafka')) {
        process.kill(pid, 'SIGKILL');
        killed += 1;
      }
    }
    return killed;
  });
}

// ---------------------------------------------------------------------------------------------
// Configuration

function nodeProperties({ nodeId, nodes, dataDir, brokerCount, security }) {
  const node = nodes.find((n) => n.id === nodeId);
  const voters = nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',');
  const replicas = brokerCount === 1 ? 1 : 3;
  const minIsr = brokerCount === 1 ? 1 : 2;
  return [
    '# Written by scripts/lib/kafka-local.mjs: a development broker, not a production config.',
    'process.roles=broker,controller',
    `node.id=${nodeId}`,
    `controller.quorum.voters=${voters}`,
    ...(security
      ? secureProperties(security, node)
      : [
          `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
          `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
          'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
          'controller.listener.names=CONTROLLER',
          'inter.broker.listener.name=PLAINTEXT',
        ]),
    `log.dirs=${path.join(dataDir, `node-${nodeId}`, 'log')}`,
    // Groups start at once instead of waiting 3 s for more members: tests and `npm start` are snappier.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minIsr}`,
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    'num.partitions=1',
    'unclean.leader.election.enable=false',
    // Small segments and a week of retention: a dev box should not fill its disk.
    'log.segment.bytes=67108864',
    'log.retention.hours=168',
    '',
  ].join('\n');
}

const LOG4J2 = [
  'status = warn',
  'appender.file.type = File',
  'appender.file.name = FILE',
  'appender.file.fileName = ${sys:kafka.logs.dir}/server.log',
  'appender.file.layout.type = PatternLayout',
  'appender.file.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.file.ref = FILE',
  'logger.kafkaRequest.name = kafka.request.logger',
  'logger.kafkaRequest.level = WARN',
  '',
].join('\n');

/**
 * A random cluster id as Kafka makes them: 16 bytes, base64url. Like Kafka's Uuid.randomUuid it
 * never starts with '-', which the formatter's argument parser would take for an option.
 */
function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Reads the cluster id of an already formatted data dir, so a restart keeps its data. */
function existingClusterId(dataDir, nodeId) {
  try {
    const meta = fs.readFileSync(path.join(dataDir, `node-${nodeId}`, 'log', 'meta.properties'), 'utf8');
    return /^cluster\.id=(.+)$/m.exec(meta)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

function javaArgs({ libs, nodeDir, heap, mainClass, args }) {
  return [
    `-Xmx${heap}`,
    '-Xms64m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${nodeDir}`,
    `-Dlog4j2.configurationFile=${path.join(nodeDir, 'log4j2.properties')}`,
    '-cp',
    `${libs}${path.sep}*`,
    mainClass,
    ...args,
  ];
}

// ---------------------------------------------------------------------------------------------
// Owner-only data: the segments hold every message, so no other local user may read them.

/** Creates `dir` as 0700, or makes an existing one owner-only (saying so). */
function ensurePrivateDir(dir, log) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const was = fs.statSync(dir).mode & 0o777;
  if (was & 0o077) {
    fs.chmodSync(dir, 0o700);
    log(`${dir} was readable by other local users (mode ${was.toString(8)}); made it owner-only (700).`);
  }
}

function writePrivateFile(file, text) {
  fs.writeFileSync(file, text, { mode: 0o600 });
  if (process.platform !== 'win32') fs.chmodSync(file, 0o600);
}

/**
 * Starts a JVM with umask 077, so every directory and file it creates (log dirs, segments,
 * indexes, checkpoints, server.log) is owner-only. Through `sh -c ... exec` rather than
 * process.umask(), which would change the umask of this whole process (a test runner) too.
 */
function spawnJava(args, options) {
  if (process.platform === 'win32') return spawn(javaBinary(), args, options);
  return spawn('/bin/sh', ['-c', 'umask 077 && exec "$0" "$@"', javaBinary(), ...args], options);
}

// ---------------------------------------------------------------------------------------------
// The cluster

/**
 * Starts `brokers` local Kafka nodes and resolves once all of them accept clients.
 *
 * @param {object} options
 * @param {1 | 3} [options.brokers]
 * @param {number} [options.port] first client port; 0 picks free ports (tests)
 * @param {string} [options.dataDir] kept across runs when given; a fresh temp dir otherwise
 * @param {string} [options.heap] JVM max heap per node
 * @param {{ users?: string[] }} [options.secure] SASL_SSL only, SCRAM users (plus an admin), ACLs
 *   enforced; see kafka-secure.mjs. The cluster's `security` then holds the CA and passwords.
 * @param {(line: string) => void} [options.log]
 */
export async function startKafka({ brokers = 1, port = 9092, dataDir, heap = '512m', version, secure, log = () => {} } = {}) {
  checkJava();
  if (![1, 3].includes(brokers)) throw new PrereqError(`--brokers must be 1 or 3, not ${brokers}`);
  reapOrphans();
  const libs = ensureKafkaJars({ version, log });
  const temporary = !dataDir;
  const root = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-messenger-'));
  ensurePrivateDir(root, log);

  const nodes = [];
  for (let i = 0; i < brokers; i += 1) {
    const clientPort = port === 0 ? await freePort() : port + i;
    if (port !== 0 && (await portInUse(clientPort))) {
      throw new PrereqError(`port ${clientPort} is already in use (is another Kafka running?): stop it, set KAFKA_PORT, or point KAFKA_BROKERS at it`);
    }
    let controllerPort = await freePort();
    while (nodes.some((n) => n.port === controllerPort || n.controllerPort === controllerPort) || controllerPort === clientPort) {
      controllerPort = await freePort();
    }
    nodes.push({ id: i + 1, port: clientPort, controllerPort, dir: path.join(root, `node-${i + 1}`), child: undefined, exited: undefined });
  }

  const clusterId = existingClusterId(root, 1) ?? newClusterId();
  const security = secure ? prepareSecurity(root, secure.users ?? [], existingClusterId(root, 1) !== undefined) : undefined;
  for (const node of nodes) {
    ensurePrivateDir(node.dir, log);
    writePrivateFile(path.join(node.dir, 'server.properties'), nodeProperties({ nodeId: node.id, nodes, dataDir: root, brokerCount: brokers, security }));
    writePrivateFile(path.join(node.dir, 'log4j2.properties'), LOG4J2);
  }
  // Format every node's storage (in parallel: each is a JVM start). --ignore-formatted keeps a reused dir.
  await Promise.all(
    nodes.map(
      (node) =>
        new Promise((resolve, reject) => {
          const child = spawnJava(
            javaArgs({
              libs,
              nodeDir: node.dir,
              heap: '256m',
              mainClass: 'kafka.tools.StorageTool',
              // SCRAM users must exist before the first start: the brokers authenticate to each other with one.
              args: ['format', '-t', clusterId, '-c', path.join(node.dir, 'server.properties'), '--ignore-formatted', ...(security ? scramFormatArgs(security) : [])],
            }),
            { stdio: ['ignore', 'pipe', 'pipe'] },
          );
          let output = '';
          child.stdout.on('data', (chunk) => (output += chunk));
          child.stderr.on('data', (chunk) => (output += chunk));
          child.once('error', reject);
          child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`formatting Kafka storage failed (exit ${code}): ${output.trim()}`))));
        }),
    ),
  );

  const cluster = {
    version: kafkaVersion(),
    nodes,
    dataDir: root,
    bootstrap: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    /** With `secure`: the CA file, the admin and the SCRAM users (passwords and their 0600 files). */
    security,
    /** Starts (or restarts) one node. */
    startNode: async (id) => {
      const node = nodes.find((n) => n.id === id);
      // Already running? A SIGKILLed child has exitCode null and signalCode set, so check both.
      if (node.child && node.child.exitCode === null && node.child.signalCode === null) return;
      const child = spawnJava(
        javaArgs({ libs, nodeDir: node.dir, heap, mainClass: 'kafka.Kafka', args: [path.join(node.dir, 'server.properties')] }),
        // Own process group: a terminal's Ctrl-C reaches us, and we stop the brokers in order.
        { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        if (stderr.length < 16_384) stderr += chunk;
      });
      node.child = child;
      node.stderr = () => stderr;
      node.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
      writePidFile();
    },
    /** SIGKILLs one node, as a crash would. */
    killNode: async (id) => {
      const node = nodes.find((n) => n.id === id);
      if (!node.child || node.child.exitCode !== null || node.child.signalCode !== null) return;
      node.child.kill('SIGKILL');
      await node.exited;
    },
    /** Stops one node cleanly (controlled shutdown), SIGKILL after `graceMs`. */
    stopNode: async (id, graceMs = 20_000) => {
      const node = nodes.find((n) => n.id === id);
      if (!node.child || node.child.exitCode !== null || node.child.signalCode !== null) return;
      node.child.kill('SIGTERM');
      const timer = setTimeout(() => node.child.kill('SIGKILL'), graceMs);
      await node.exited;
      clearTimeout(timer);
    },
    /** Resolves once every running node is in the cluster metadata. */
    waitReady: async (timeoutMs = 60_000) => waitForBrokers(cluster, nodes.length, timeoutMs),
    /** Stops every node, then removes a temporary data dir. */
    stop: async () => {
      process.off('exit', killAllSync);
      // Stopping the nodes one by one lets the last ones keep a quorum while the first shut down.
      await Promise.all(nodes.map((n) => cluster.stopNode(n.id, 15_000)));
      fs.rmSync(pidFile, { force: true });
      if (temporary) fs.rmSync(root, { recursive: true, force: true });
    },
    /** The tail of a node's server.log, for error messages. */
    logTail: (id, lines = 20) => {
      try {
        const text = fs.readFileSync(path.join(nodes.find((n) => n.id === id).dir, 'server.log'), 'utf8');
        return text.trim().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };

  const pidFile = path.join(runDir(), `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  function writePidFile() {
    fs.mkdirSync(runDir(), { recursive: true });
    fs.writeFileSync(pidFile, JSON.stringify({ owner: process.pid, jvms: nodes.map((n) => n.child?.pid).filter(Boolean) }));
  }
  function killAllSync() {
    for (const node of nodes) {
      if (node.child && node.child.exitCode === null) {
        try {
          process.kill(node.child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    fs.rmSync(pidFile, { force: true });
  }
  // If the owner exits without stop() (an uncaught error), the brokers go with it.
  process.on('exit', killAllSync);

  for (const node of nodes) await cluster.startNode(node.id);
  try {
    await cluster.waitReady();
  } catch (error) {
    const tail = cluster.logTail(1);
    await cluster.stop();
    throw new Error(`${error.message}\n--- broker log (node 1) ---\n${tail}\n${nodes[0].stderr?.() ?? ''}`);
  }
  return cluster;
}

/** Polls the cluster's metadata until `expected` brokers are registered and a controller is known. */
export async function waitForBrokers(cluster, expected, timeoutMs = 60_000) {
  const { Kafka, logLevel } = await import('kafkajs');
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    for (const node of cluster.nodes) {
      if (node.child && (node.child.exitCode !== null || node.child.signalCode !== null) && expected === cluster.nodes.length) {
        throw new Error(`Kafka node ${node.id} exited (${node.child.exitCode ?? node.child.signalCode}) while starting`);
      }
    }
    const kafka = new Kafka({
      ...(cluster.security ? kafkajsSecurity(cluster.security) : {}),
      clientId: 'kafka-local-probe',
      brokers: cluster.nodes.filter((n) => n.child && n.child.exitCode === null).map((n) => `127.0.0.1:${n.port}`),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const description = await admin.describeCluster();
      if (description.brokers.length >= expected && description.controller !== null && description.controller >= 0) {
        await admin.disconnect();
        return;
      }
      lastError = new Error(`${description.brokers.length} of ${expected} brokers registered`);
    } catch (error) {
      lastError = error;
    }
    await admin.disconnect().catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Kafka did not become ready within ${timeoutMs / 1000} s: ${lastError?.message ?? 'no answer'}`);
}
