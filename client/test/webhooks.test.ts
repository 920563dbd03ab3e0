// The client's webhook methods against the real server: an owner makes, lists, rotates and
// deletes a webhook, and postToWebhook() posts as a tool would, with one Idempotency-Key across
// attempts; a rotated or deleted URL is a clear 404, never retried.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiError, postToWebhook, type MessengerClient, type RetryEvent } from '../src/index.js';
import { randomName, signedUp, startServer, waitUntil, type TestServer } from './helpers.js';

let server: TestServer;
let owner: MessengerClient;
let reader: MessengerClient;

beforeAll(async () => {
  server = await startServer();
  owner = await signedUp(server, 'ow');
  reader = await signedUp(server, 'rd');
});

afterAll(async () => {
  await server?.stop();
});

it('makes a webhook, posts through it idempotently, rotates it and deletes it', async () => {
  const bot = await owner.createBot({ username: randomName('bot') });
  const created = await owner.createWebhook({ name: 'ci', bot: bot.username, target: { user: reader.username! } });
  expect(created.url).toBe(`${server.url}/hooks/${created.id}/${created.secret}`);
  expect((await owner.webhooks()).map((w) => w.id)).toEqual([created.id]);

  const first = await postToWebhook(created.url, 'build 7 green', { idempotencyKey: 'build-7' });
  const again = await postToWebhook(created.url, 'build 7 green', { idempotencyKey: 'build-7' });
  expect(again.id).toBe(first.id);
  const stored = await waitUntil('the post stored', async () => {
    const { messages } = await reader.history(bot.username);
    return messages.length > 0 && messages;
  });
  expect(stored.map((m) => [m.id, m.from, m.text])).toEqual([[first.id, bot.username, 'build 7 green']]);

  const rotated = await owner.rotateWebhook(created.id);
  expect(rotated.secret).not.toBe(created.secret);
  const retries: RetryEvent[] = [];
  const stale = await postToWebhook(created.url, 'old url', { onRetry: (e) => retries.push(e) }).catch((e: unknown) => e);
  expect(stale).toBeInstanceOf(ApiError);
  expect([(stale as ApiError).status, (stale as ApiError).code]).toEqual([404, 'not_found']);
  expect(retries).toEqual([]);
  await postToWebhook(rotated.url, 'new url');

  await owner.deleteWebhook(created.id);
  expect(await owner.webhooks()).toEqual([]);
  expect(((await postToWebhook(rotated.url, 'gone').catch((e: unknown) => e)) as ApiError).status).toBe(404);
});
