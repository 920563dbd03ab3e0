// send() through a real Kafka outage: this file's own broker is frozen (SIGSTOP), so the server
// answers 503 kafka_unavailable with Retry-After; the client waits that long and retries with the
// same Idempotency-Key, and the message exists once although the first attempt reached Kafka late.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startKafka, type KafkaCluster } from '../../scripts/lib/kafka-local.mjs';
import type { RetryEvent } from '../src/index.js';
import { signedUp, startServer, type TestServer } from './helpers.js';

let kafka: KafkaCluster;
let server: TestServer;

const brokerPid = () => kafka.nodes[0]?.child?.pid ?? 0;
const freeze = () => process.kill(brokerPid(), 'SIGSTOP');
const thaw = () => {
  if (brokerPid()) process.kill(brokerPid(), 'SIGCONT');
};

beforeAll(async () => {
  // Its own broker: freezing the shared one would stall every other suite.
  kafka = await startKafka({ brokers: 1, port: 0, heap: '384m' });
  // The server gives up on Kafka after 1 s and says Retry-After: 1.
  server = await startServer({ KAFKA_SEND_TIMEOUT_MS: 1000 }, kafka.bootstrap);
}, 120_000);

afterAll(async () => {
  thaw();
  await server?.stop();
  await kafka?.stop();
}, 60_000);

it('retries a 503 after its Retry-After with the same key, and the message exists once', async () => {
  const [alice, bob] = await Promise.all([signedUp(server, 'al'), signedUp(server, 'bo')]);
  const retries: RetryEvent[] = [];
  freeze();
  let sent;
  try {
    sent = await alice.send(bob.username!, 'through the outage', {
      maxAttempts: 20,
      maxElapsedMs: 60_000,
      onRetry: (event) => {
        retries.push(event);
        thaw(); // the outage ends after the first 503
      },
    });
  } finally {
    thaw();
  }
  const first = retries[0];
  expect([first?.attempt, first?.error.status, first?.error.code, first?.error.retryAfter]).toEqual([1, 503, 'kafka_unavailable', 1]);
  expect(first?.delayMs).toBe(1000);

  // A marker after it: once bob's history holds the marker, it holds every copy of the first.
  const marker = await alice.send(bob.username!, 'marker');
  const deadline = Date.now() + 20_000;
  let texts: string[] = [];
  while (!texts.includes('marker')) {
    if (Date.now() > deadline) throw new Error('the marker never reached the history');
    texts = (await bob.history(alice.username!)).messages.map((m) => m.text);
  }
  expect(texts.filter((t) => t === 'through the outage')).toHaveLength(1);
  expect((await bob.history(alice.username!)).messages.map((m) => m.id)).toEqual([marker.id, sent.id]);
}, 120_000);
