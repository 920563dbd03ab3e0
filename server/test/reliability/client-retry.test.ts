// A client gives up on POST /send (its own timeout) after the request reached the server, then
// retries with the same Idempotency-Key: exactly one message, whatever the first attempt did.
// send.test.ts covers concurrent and sequential repeats; this adds the timeout angle. Kafka is
// made slow by SIGSTOPping its JVM (this file's own broker), so the first attempt is in flight.
import { WebhookPaths, type CreatedWebhook, type SendResponse } from '@messenger/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaCluster } from '../../../scripts/lib/kafka-local.mjs';
import { randomName, removeDir, startApp, type TestApp } from '../helpers/app.js';
import { Inbox, ownKafka, post, registerUser, sendMessage, waitUntil } from './fault-helpers.js';

let kafka: KafkaCluster;
let t: TestApp;

beforeAll(async () => {
  kafka = await ownKafka(1);
  t = await startApp({ KAFKA_BROKERS: kafka.bootstrap, KAFKA_SEND_TIMEOUT_MS: '1500' });
}, 120_000);

afterAll(async () => {
  resumeBroker();
  await t?.close();
  if (t) removeDir(t.dataDir);
  await kafka?.stop();
}, 60_000);

const brokerPid = () => kafka.nodes[0]?.child?.pid ?? 0;
function pauseBroker() {
  process.kill(brokerPid(), 'SIGSTOP');
}
function resumeBroker() {
  if (brokerPid()) process.kill(brokerPid(), 'SIGCONT');
}
const sendRequestsLogged = () => t.logs.filter((l) => l.includes('incoming request') && l.includes('"/send"')).length;
const unavailableLogged = () => t.logs.filter((l) => l.includes('kafka_unavailable')).length;

/** Sends, and aborts client-side as soon as the server has the request (a client timeout). */
async function sendAndAbandon(token: string, to: string, text: string, key: string) {
  const before = sendRequestsLogged();
  const controller = new AbortController();
  const first = post<SendResponse>(t.url, '/send', { to, text }, { token, headers: { 'idempotency-key': key }, signal: controller.signal });
  await waitUntil(() => sendRequestsLogged() > before, 10_000, 'the server to receive the request', 10);
  controller.abort();
  const result = await first;
  expect(result.status).toBe(0); // the client saw no answer
}

async function historyTexts(token: string, peer: string): Promise<string[]> {
  const res = await fetch(`${t.url}/api/conversations/${peer}/messages`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { messages: { text: string }[] }).messages.map((m) => m.text);
}

describe('a client retry after a timeout, with the same Idempotency-Key', () => {
  it('gives one message when the first attempt completed after the client gave up', async () => {
    const alice = await registerUser(t.url);
    const bob = await registerUser(t.url);
    const inbox = new Inbox(t.url, bob);
    await inbox.connect();
    const key = randomName('k');
    pauseBroker();
    try {
      await sendAndAbandon(alice.token, bob.username, 'slow but sure', key);
    } finally {
      resumeBroker();
    }
    const retry = await sendMessage(t.url, alice.token, bob.username, 'slow but sure', { 'idempotency-key': key });
    expect(retry.status).toBe(202);
    // A marker sent after it on the same partition: once it arrives, any duplicate would have too.
    const marker = await sendMessage(t.url, alice.token, bob.username, 'marker-1');
    await inbox.waitFor([retry.body.id, marker.body.id], 20_000);
    expect([...inbox.texts.values()].filter((x) => x === 'slow but sure')).toHaveLength(1);
    expect(inbox.repeats).toEqual([]);
    expect((await historyTexts(bob.token, alice.username)).sort()).toEqual(['marker-1', 'slow but sure']);
    inbox.close();
  });

  it('gives one message when the first attempt timed out on the server (503 nobody saw)', async () => {
    const alice = await registerUser(t.url);
    const bob = await registerUser(t.url);
    const inbox = new Inbox(t.url, bob);
    await inbox.connect();
    const key = randomName('k');
    const timeoutsBefore = unavailableLogged();
    pauseBroker();
    try {
      await sendAndAbandon(alice.token, bob.username, 'second try', key);
      // The server gives up on Kafka after KAFKA_SEND_TIMEOUT_MS; the record may still be on the wire.
      await waitUntil(() => unavailableLogged() > timeoutsBefore, 15_000, 'the server-side produce timeout', 20);
    } finally {
      resumeBroker();
    }
    // Retry until Kafka answers again (the client honours Retry-After; here: poll with a deadline).
    let retry = await sendMessage(t.url, alice.token, bob.username, 'second try', { 'idempotency-key': key });
    const deadline = Date.now() + 30_000;
    while (retry.status === 503 && Date.now() < deadline) {
      retry = await sendMessage(t.url, alice.token, bob.username, 'second try', { 'idempotency-key': key });
    }
    expect(retry.status).toBe(202);
    const again = await sendMessage(t.url, alice.token, bob.username, 'second try', { 'idempotency-key': key });
    expect(again.body.id).toBe(retry.body.id);
    const marker = await sendMessage(t.url, alice.token, bob.username, 'marker-2');
    await inbox.waitFor([retry.body.id, marker.body.id], 20_000);
    // Kafka may hold the record twice (first attempt landed late + retry), always with one id.
    expect([...inbox.texts.values()].filter((x) => x === 'second try')).toHaveLength(1);
    expect((await historyTexts(bob.token, alice.username)).sort()).toEqual(['marker-2', 'second try']);
    inbox.close();
  });
});

describe('an incoming webhook while Kafka stalls', () => {
  it('answers 503 kafka_unavailable + Retry-After as /send does, and the retry with the same Idempotency-Key gives one message', async () => {
    const alice = await registerUser(t.url);
    const bob = await registerUser(t.url);
    const bot = await post<{ username: string }>(t.url, '/api/bots', { username: randomName('bot') }, { token: alice.token });
    expect(bot.status).toBe(201);
    const hook = await post<CreatedWebhook>(t.url, WebhookPaths.webhooks, { name: 'ci', bot: bot.body.username, target: { user: bob.username } }, { token: alice.token });
    expect(hook.status).toBe(201);
    const url = WebhookPaths.incoming(hook.body.id, hook.body.secret);
    const inbox = new Inbox(t.url, bob);
    await inbox.connect();
    const key = { 'idempotency-key': randomName('k') };
    let first;
    pauseBroker();
    try {
      first = await post<{ error: { code: string } }>(t.url, url, { text: 'deploy done' }, { headers: key });
    } finally {
      resumeBroker();
    }
    expect(first.status).toBe(503);
    expect(first.body.error.code).toBe('kafka_unavailable');
    expect(Number(first.retryAfter)).toBeGreaterThan(0);
    let retry = await post<SendResponse>(t.url, url, { text: 'deploy done' }, { headers: key });
    const deadline = Date.now() + 30_000;
    while (retry.status === 503 && Date.now() < deadline) retry = await post<SendResponse>(t.url, url, { text: 'deploy done' }, { headers: key });
    expect(retry.status).toBe(202);
    const marker = await post<SendResponse>(t.url, url, { text: 'marker-3' });
    expect(marker.status).toBe(202);
    await inbox.waitFor([retry.body.id, marker.body.id], 20_000);
    expect([...inbox.texts.values()].filter((x) => x === 'deploy done')).toHaveLength(1);
    expect(inbox.repeats).toEqual([]);
    inbox.close();
  });
});
