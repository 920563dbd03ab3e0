// `npm start` and compose may start the server while Kafka is still coming up beside it. The core
// plugin waits up to 60 s for Kafka; Fastify's default 10 s plugin timeout used to cut that short
// ("Plugin did not start in time: 'core'"), so a server started 15 s before its broker exited.
import { afterAll, expect, it } from 'vitest';
import { startKafka, type KafkaCluster } from '../../../scripts/lib/kafka-local.mjs';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/process.js';

let kafka: KafkaCluster | undefined;
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop();
  await kafka?.stop();
}, 60_000);

it('starts when Kafka comes up more than 10 s after it', async () => {
  const kafkaPort = await freePort();
  const startedAt = Date.now();
  const starting = startServerProcess({ KAFKA_BROKERS: `127.0.0.1:${kafkaPort}` });
  let exitedEarly: unknown;
  starting.catch((error: unknown) => (exitedEarly = error));
  // Past Fastify's default plugin timeout, with the server still waiting: then the broker.
  const brokerAt = startedAt + 15_000;
  while (Date.now() < brokerAt && exitedEarly === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
  expect(exitedEarly).toBeUndefined();
  kafka = await startKafka({ brokers: 1, port: kafkaPort });
  server = await starting;
  console.log(`ready ${Date.now() - startedAt} ms after the start, ${Date.now() - brokerAt} ms after the broker was started`);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
}, 150_000);
