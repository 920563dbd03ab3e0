#!/usr/bin/env node
// `npm run kafka [-- --brokers 3] [-- --port 9092] [-- --fresh] [-- --secure]`: a local Apache
// Kafka in KRaft mode, fetched from Maven Central on first use. Runs in the foreground; Ctrl-C
// stops it. --secure: SASL/SCRAM over TLS only, with ACLs (docs/security.md).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { kafkaVersion, startKafka } from './lib/kafka-local.mjs';
import { grantAcls, serverAcls } from './lib/kafka-secure.mjs';
import { checkNode, runMain } from './lib/prereqs.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER_USER = 'messenger';

const USAGE = `Usage: npm run kafka -- [options]

Starts a local Apache Kafka ${kafkaVersion()} (KRaft, no ZooKeeper) and keeps it in the foreground.

Options:
  --brokers <1|3>  one node, or three with replication factor 3 and min.insync.replicas=2 (default 1)
  --port <n>       first client port (default 9092, or KAFKA_PORT); node i listens on port+i
  --data <dir>     data directory (default data/kafka for one node, a temp dir for three)
  --fresh          use an empty temporary data directory, deleted on exit
  --secure         SASL/SCRAM-SHA-512 over TLS only, ACLs enforced: a generated CA and broker
                   certificate, an admin super user and a "messenger" user allowed on the
                   topic prefix KAFKA_TOPIC_PREFIX (default messenger) only; prints the server's
                   settings (default data directory data/kafka-secure)
  -h, --help       this help

Environment: KAFKA_VERSION overrides the pinned version, KAFKA_CACHE_DIR the jar cache
(~/.cache/kafka-messenger), JAVA_HOME the JDK.`;

await runMain(async () => {
  checkNode();
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string', default: '1' },
      port: { type: 'string', default: process.env.KAFKA_PORT ?? '9092' },
      data: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      secure: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const brokers = Number(values.brokers);
  const port = Number(values.port);
  const defaultDir = path.join(ROOT, 'data', values.secure ? 'kafka-secure' : 'kafka');
  const dataDir = values.fresh ? undefined : (values.data ?? (brokers === 1 ? defaultDir : undefined));
  const started = Date.now();
  const kafka = await startKafka({ brokers, port, dataDir, secure: values.secure ? { users: [SERVER_USER] } : undefined, log: (line) => console.log(line) });
  console.log(`Kafka ${kafka.version} is ready at ${kafka.bootstrap} (${brokers} node${brokers > 1 ? 's' : ''}, ${((Date.now() - started) / 1000).toFixed(1)} s). Data: ${kafka.dataDir}`);
  if (kafka.security) {
    const prefix = process.env.KAFKA_TOPIC_PREFIX || 'messenger';
    await grantAcls(kafka.bootstrap, kafka.security, serverAcls(SERVER_USER, prefix));
    const user = kafka.security.users[SERVER_USER];
    // File paths only: the passwords stay in their 0600 files and never reach the terminal.
    console.log(`SASL_SSL only; "${SERVER_USER}" may use topics and groups under "${prefix}." and nothing else. Run the server with:`);
    console.log(
      `  KAFKA_BROKERS=${kafka.bootstrap} KAFKA_SSL=true KAFKA_SSL_CA_FILE=${kafka.security.caFile} KAFKA_SASL_MECHANISM=scram-sha-512 KAFKA_SASL_USERNAME=${SERVER_USER} KAFKA_SASL_PASSWORD_FILE=${user.passwordFile}`,
    );
    console.log(`Admin (super user) password: ${kafka.security.admin.passwordFile}`);
  }
  console.log(`Broker logs: ${kafka.nodes.map((n) => path.join(n.dir, 'server.log')).join(', ')}`);
  console.log('Press Ctrl-C to stop.');

  let stopping = false;
  const stop = async (signal, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Kafka...`);
    await kafka.stop();
    console.log('Kafka stopped.');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // A node that dies on its own ends the command, so nobody develops against half a cluster.
  for (const node of kafka.nodes) {
    void node.exited.then((code) => {
      if (stopping) return;
      console.error(`Kafka node ${node.id} exited (${code}). Last log lines:\n${kafka.logTail(node.id)}`);
      void stop('node exit', 1);
    });
  }
});
