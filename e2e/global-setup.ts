// Starts what the tests talk to: Kafka (KAFKA_BROKERS if set, else a local broker on a free
// port), then the built server with the built web app. The returned function stops both.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKafka, type KafkaCluster } from '../scripts/lib/kafka-local.mjs';
import { SERVER_ENTRY, freePort, startServerProcess, tempDataDir, testServerEnv, type ServerProcess } from '../scripts/lib/server-process.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB_DIST = path.join(ROOT, 'web/dist');

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(`The web app is not built (${WEB_DIST}/index.html is missing). Run \`npm run build\` at the repository root first.`);
  }
  if (!existsSync(SERVER_ENTRY)) {
    throw new Error(`The server is not built (${SERVER_ENTRY} is missing). Run \`npm run build\` at the repository root first.`);
  }

  let kafka: KafkaCluster | undefined;
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    kafka = await startKafka({ port: 0 });
    brokers = kafka.bootstrap;
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = tempDataDir('messenger-e2e-');
  let server: ServerProcess;
  try {
    server = await startServerProcess({
      env: testServerEnv({
        kafkaBrokers: brokers,
        dataDir,
        port,
        KAFKA_TOPIC_PREFIX: `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
        WEB_DIST,
        ALLOWED_ORIGINS: `${url},http://localhost:${port}`,
        SOCKET_EVENTS_PER_SECOND: '1000',
      }),
      cwd: ROOT,
    });
  } catch (error) {
    await kafka?.stop();
    throw error;
  }
  process.env.E2E_BASE_URL = url;
  console.log(`[e2e] server at ${url}, Kafka at ${brokers}${kafka ? ' (started for this run)' : ''}`);

  return async () => {
    await server.stop('SIGTERM', 10_000);
    await kafka?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
