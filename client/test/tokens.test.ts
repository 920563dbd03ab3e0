// The client with API tokens against the real server: a bot's token sends and receives within
// its scopes, a missing scope is a clear ApiError (never retried), and revoking the token ends
// the bot's subscription at once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiError, createClient, type MessengerClient, type RetryEvent, type Subscription } from '../src/index.js';
import { randomName, signedUp, startServer, waitUntil, type TestServer } from './helpers.js';

let server: TestServer;
let owner: MessengerClient;
const subscriptions: Subscription[] = [];

beforeAll(async () => {
  server = await startServer();
  owner = await signedUp(server, 'ow');
});

afterAll(async () => {
  for (const s of subscriptions) s.close();
  await server?.stop();
});

/** A bot of the owner's and a client holding a new token for it. */
async function botWith(scopes: ('send' | 'read' | 'receive')[]) {
  const bot = await owner.createBot({ username: randomName('bot') });
  const created = await owner.createToken({ name: `test ${scopes.join('+')}`, scopes, bot: bot.username });
  expect(created.secret).toMatch(/^msk_/);
  return { bot, token: created, client: createClient({ baseUrl: server.url, token: created.secret }) };
}

it('sends with a send-scoped token, and a missing scope is 403 insufficient_scope, not retried', async () => {
  const { bot, client } = await botWith(['send']);
  const sent = await client.send(owner.username!, 'from the bot');
  // A 202 means Kafka holds it; the history store takes it a moment later.
  const stored = await waitUntil('the message stored', async () => {
    const { messages } = await owner.history(bot.username);
    return messages.length > 0 && messages.map((m) => m.id);
  });
  expect(stored).toEqual([sent.id]);

  const retries: RetryEvent[] = [];
  const readOnly = (await botWith(['read'])).client;
  const refused = await readOnly.send(owner.username!, 'not allowed', { onRetry: (e) => retries.push(e) }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ApiError);
  expect([(refused as ApiError).status, (refused as ApiError).code]).toEqual([403, 'insufficient_scope']);
  expect(retries).toEqual([]);
  expect(((await client.history(owner.username!).catch((e: unknown) => e)) as ApiError).code).toBe('insufficient_scope');
});

it('ends the subscription of a token without the receive scope instead of retrying', async () => {
  const { client } = await botWith(['send']);
  const ended: [string, string][] = [];
  const subscription = client.subscribe({ onMessage: () => undefined, onSessionEnded: (reason, how) => ended.push([reason, how]) });
  subscriptions.push(subscription);
  await expect(subscription.ready).rejects.toThrow();
  expect(ended).toEqual([['the token lacks the receive scope', 'refused']]);
});

it('receives with a receive-scoped token, and revoking the token ends the subscription at once', async () => {
  const { bot, token, client } = await botWith(['send', 'receive']);
  const got: string[] = [];
  const ended: [string, string][] = [];
  const subscription = client.subscribe({
    onMessage: async (m) => {
      got.push(m.text);
      if (m.from !== bot.username) await client.send(m.from, `echo: ${m.text}`);
    },
    onSessionEnded: (reason, how) => ended.push([reason, how]),
  });
  subscriptions.push(subscription);
  await subscription.ready;
  await owner.send(bot.username, 'ping');
  await waitUntil('the echo', () => got.includes('ping'));
  await expect.poll(async () => (await owner.history(bot.username)).messages.map((m) => m.text), { timeout: 15_000 }).toContain('echo: ping');

  await owner.revokeToken(token.id);
  await waitUntil('the subscription to end', () => ended.length > 0);
  expect(ended[0]?.[1]).toBe('revoked');
  expect(subscription.socket.connected).toBe(false);
  expect(((await client.send(owner.username!, 'after').catch((e: unknown) => e)) as ApiError).code).toBe('unauthorized');
});
