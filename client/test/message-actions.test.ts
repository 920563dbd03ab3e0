// The message actions through the client against the real server: reply, edit, delete for
// everyone or for me, react and unreact, each a checked ChangeResponse; one Idempotency-Key per
// call; and the server's refusals as ApiError with the contract's codes, never retried.
import { Group, GroupApiPaths } from '@messenger/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MessengerClient, type RetryEvent } from '../src/index.js';
import { apiError, randomName, signedUp, startServer, waitUntil, type TestServer } from './helpers.js';

let server: TestServer;
let alice: MessengerClient;
let bob: MessengerClient;

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([signedUp(server, 'al'), signedUp(server, 'bo')]);
});

afterAll(async () => {
  await server?.stop();
});

/** A 202 means Kafka holds it; actions read the store, so wait until the message is there. */
async function storedMessage(text: string): Promise<string> {
  const { id } = await alice.send(bob.username!, text);
  await waitUntil(`${text} stored`, async () => (await bob.history(alice.username!)).messages.some((m) => m.id === id));
  return id;
}

describe('message actions', () => {
  it('edit, react, unreact, delete for me and for everyone answer with the change', async () => {
    const id = await storedMessage('lunch at noon');
    const edited = await alice.editMessage(id, 'lunch at one');
    expect(edited).toMatchObject({ messageId: id, kind: 'edit' });
    expect(edited.id).not.toBe(id);
    expect(await bob.react(id, '👍')).toMatchObject({ messageId: id, kind: 'react' });
    // Percent-encoding of a multi-code-point emoji (ZWJ sequence) in the path.
    expect(await bob.react(id, '👩‍💻')).toMatchObject({ kind: 'react' });
    expect(await bob.unreact(id, '👍')).toMatchObject({ kind: 'unreact' });
    expect(await bob.deleteMessage(id, 'me')).toMatchObject({ kind: 'hide' });
    expect(await alice.deleteMessage(id, 'everyone')).toMatchObject({ kind: 'delete' });
  });

  it('one Idempotency-Key per call: the same key gives the same change', async () => {
    const id = await storedMessage('typo');
    const key = randomName('key');
    const a = await alice.editMessage(id, 'typo fixed', { idempotencyKey: key });
    const b = await alice.editMessage(id, 'typo fixed', { idempotencyKey: key });
    expect(b).toEqual(a);
    const c = await alice.editMessage(id, 'typo fixed');
    expect(c.id).not.toBe(a.id);
    const conflict = await apiError(alice.react(id, '🎉', { idempotencyKey: key }));
    expect([conflict.status, conflict.code]).toEqual([409, 'idempotency_conflict']);
  });

  it('refusals are ApiErrors with the contract code, not retried', async () => {
    const id = await storedMessage('mine');
    const retries: RetryEvent[] = [];
    const onRetry = (e: RetryEvent) => retries.push(e);
    const notAuthor = await apiError(bob.editMessage(id, 'yours now', { onRetry }));
    expect([notAuthor.status, notAuthor.code]).toEqual([403, 'not_message_author']);
    const badEmoji = await apiError(bob.react(id, 'ok', { onRetry }));
    expect([badEmoji.status, badEmoji.code]).toEqual([400, 'validation_failed']);
    const stranger = await signedUp(server, 'ca');
    const hidden = await apiError(stranger.deleteMessage(id, 'me', { onRetry }));
    expect([hidden.status, hidden.code]).toEqual([404, 'message_not_found']);
    expect(retries).toEqual([]);
  });

  it('send and sendToGroup take replyTo', async () => {
    const id = await storedMessage('are we on?');
    const reply = await bob.send(alice.username!, 'yes', { replyTo: id });
    await waitUntil('the reply stored', async () => (await alice.history(bob.username!)).messages.some((m) => m.id === reply.id));
    const elsewhere = await apiError(bob.send(alice.username!, 'no', { replyTo: reply.id.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }));
    expect([elsewhere.status, elsewhere.code]).toEqual([404, 'message_not_found']);

    const group = await alice.request(GroupApiPaths.groups, Group, { method: 'POST', body: { name: 'standup', members: [bob.username!] } });
    const question = await alice.sendToGroup(group.id, 'ready?');
    await waitUntil('the group message stored', async () => (await bob.groupHistory(group.id)).messages.some((m) => m.id === question.id));
    expect((await bob.sendToGroup(group.id, 'ready', { replyTo: question.id })).id).toMatch(/^[0-9a-f-]{36}$/);
    // A 1:1 message is not of the group.
    const wrong = await apiError(bob.sendToGroup(group.id, 'ready', { replyTo: id }));
    expect([wrong.status, wrong.code]).toEqual([404, 'message_not_found']);
  });
});
