// The REST half against the real server: idempotent sends, the contract's error codes, a rate
// limit that outlasts the retry budget, and history paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type MessengerClient, type RetryEvent } from '../src/index.js';
import { apiError, PASSWORD, randomName, signedUp, startServer, waitUntil, type TestServer } from './helpers.js';

const SEND_RATE = 20;
let server: TestServer;
let alice: MessengerClient;
let bob: MessengerClient;

beforeAll(async () => {
  server = await startServer({ SEND_RATE_PER_MINUTE: SEND_RATE });
  [alice, bob] = await Promise.all([signedUp(server, 'al'), signedUp(server, 'bo')]);
});

afterAll(async () => {
  await server?.stop();
});

describe('send', () => {
  it('answers 202 with the record position, and the same key gives the same message', async () => {
    const key = randomName('key');
    const first = await alice.send(bob.username!, 'once only', { idempotencyKey: key });
    const again = await alice.send(bob.username!, 'once only', { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect(first.partition).toBeGreaterThanOrEqual(0);
    // Without a key, each call makes its own (a fresh one per call, not per client).
    const a = await alice.send(bob.username!, 'twice');
    const b = await alice.send(bob.username!, 'twice');
    expect(a.id).not.toBe(b.id);
    // Stored in partition order, so once the last one is in history the first is too.
    const page = await waitUntil('the last send stored', async () => {
      const found = await bob.history(alice.username!);
      return found.messages.some((m) => m.id === b.id) && found;
    });
    expect(page.messages.filter((m) => m.text === 'once only')).toHaveLength(1);
  });

  it('throws ApiError with the contract code on bad input, without retrying', async () => {
    const retries: RetryEvent[] = [];
    const onRetry = (e: RetryEvent) => retries.push(e);
    const unknown = await apiError(alice.send(randomName('nobody'), 'hello?', { onRetry }));
    expect([unknown.status, unknown.code]).toEqual([404, 'recipient_not_found']);
    const tooLong = await apiError(alice.send(bob.username!, 'x'.repeat(100_000), { onRetry }));
    expect(tooLong.status).toBeGreaterThanOrEqual(400);
    expect(tooLong.status).toBeLessThan(500);
    expect(['validation_failed', 'payload_too_large']).toContain(tooLong.code);
    expect(retries).toEqual([]);

    const anonymous = createClient({ baseUrl: server.url });
    expect((await apiError(anonymous.send(bob.username!, 'hi'))).code).toBe('unauthorized');
    expect((await apiError(anonymous.login(bob.username!, `${PASSWORD} but wrong`))).code).toBe('invalid_credentials');
    expect((await apiError(bob.history(alice.username!, { before: 'not-an-id' }))).code).toBe('validation_failed');
    const taken = await apiError(anonymous.register(bob.username!, PASSWORD));
    expect([taken.status, taken.code]).toEqual([409, 'username_taken']);
  });

  it('gives up at once on a 429 whose Retry-After is past its time budget, with the hint', async () => {
    const carol = await signedUp(server, 'ca');
    for (let i = 0; i < SEND_RATE; i++) await carol.send(bob.username!, `burst ${i}`, { maxAttempts: 1 });
    const retries: RetryEvent[] = [];
    const limited = await apiError(carol.send(bob.username!, 'one too many', { maxElapsedMs: 5_000, onRetry: (e) => retries.push(e) }));
    expect([limited.status, limited.code]).toEqual([429, 'rate_limited']);
    expect(limited.retryAfter).toBeGreaterThan(5);
    expect(retries).toEqual([]);
  });

  it('reports an unreachable server as network_error (status 0)', async () => {
    const nowhere = createClient({ baseUrl: 'http://127.0.0.1:9', token: 'x' });
    const error = await apiError(nowhere.send('bob', 'hi', { maxAttempts: 2, maxElapsedMs: 60_000 }));
    expect([error.status, error.code]).toEqual([0, 'network_error']);
  });

  it('stops waiting when aborted', async () => {
    const nowhere = createClient({ baseUrl: 'http://127.0.0.1:9', token: 'x' });
    const controller = new AbortController();
    const sending = nowhere.send('bob', 'hi', { signal: controller.signal, onRetry: () => controller.abort(new Error('stop')) });
    await expect(sending).rejects.toThrow('stop');
  });
});

describe('sendToGroup', () => {
  it('posts to a group with the same retry and key rules', async () => {
    const created = await fetch(`${server.url}/api/groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Weather', members: [bob.username] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const key = randomName('key');
    const first = await alice.sendToGroup(id, 'rain at 4pm', { idempotencyKey: key });
    expect((await alice.sendToGroup(id, 'rain at 4pm', { idempotencyKey: key })).id).toBe(first.id);
    const missing = await apiError(alice.sendToGroup('00000000-0000-4000-8000-000000000000', 'hello'));
    expect([missing.status, missing.code]).toEqual([404, 'group_not_found']);
  });
});

describe('history', () => {
  it('pages a conversation newest first until the oldest', async () => {
    const dora = await signedUp(server, 'do');
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) sent.push((await alice.send(dora.username!, `page ${i}`)).id);
    // A 202 means Kafka holds it; the history store takes it a moment later.
    await waitUntil('all seven stored', async () => (await dora.history(alice.username!, { limit: 10 })).messages.length === 7);
    const pages: string[][] = [];
    for await (const page of dora.historyPages(alice.username!, { limit: 3 })) pages.push(page.map((m) => m.id));
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([...sent].reverse());

    const conversations = await dora.conversations();
    expect(conversations.map((c) => [c.peer, c.unread])).toEqual([[alice.username, 7]]);
  });
});
