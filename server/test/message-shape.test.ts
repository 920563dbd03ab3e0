// What a client receives as a message, by every path: the live push, the catch-up batch, REST
// history and the conversation list. Socket payloads pass no schema on the way out, so anything
// the server puts on a message object reaches browsers; this pins the exact key set. Where Kafka
// put the record (partition, offset) is the server's business, and only POST /send's answer
// carries it (scripts find the record with it).
import { describe, expect, it } from 'vitest';
import { appPerFile, bearer, connect, register, send, waitFor } from './helpers/app.js';
import { waitUntil } from './helpers/wait.js';

const MESSAGE_KEYS = ['from', 'id', 'sentAt', 'state', 'text', 'to'];
const keysOf = (value: unknown) => Object.keys(value as object).sort();

const t = appPerFile();

describe('the message as clients see it', () => {
  it('has the same keys, and no Kafka position, pushed live, in a catch-up batch, and over REST', async () => {
    const alice = await register(t);
    const bob = await register(t);

    // Sent while Bob is offline: it reaches him in the catch-up batch on connect.
    const offline = await send(t, alice.token, bob.username, 'while you were away');
    expect(offline.statusCode).toBe(202);
    const accepted = offline.json<Record<string, unknown>>();
    // The sender's own answer keeps where Kafka put the record.
    expect(keysOf(accepted)).toEqual(['id', 'offset', 'partition', 'sentAt']);
    await waitUntil(
      async () => (await t.app.repos.messages.hasUndelivered(bob.username)),
      15_000,
      'the offline message in the history store',
    );
    const bobSocket = await connect(t, bob.token);
    const batch = await waitFor(bobSocket, 'message:batch', ({ messages }) => messages.some((m) => m.id === accepted.id));
    const caughtUp = batch.messages.find((m) => m.id === accepted.id);
    expect.soft(keysOf(caughtUp)).toEqual(MESSAGE_KEYS);
    await waitFor(bobSocket, 'sync:done', () => true);

    // Sent while he is online: pushed live, to him and to the sender's own screen.
    const aliceSocket = await connect(t, alice.token);
    const toBob = waitFor(bobSocket, 'message:new', ({ message }) => message.text === 'live');
    const echo = waitFor(aliceSocket, 'message:new', ({ message }) => message.text === 'live');
    expect((await send(t, alice.token, bob.username, 'live')).statusCode).toBe(202);
    const [pushed, echoed] = await Promise.all([toBob, echo]);
    expect.soft(keysOf(pushed.message)).toEqual(MESSAGE_KEYS);
    expect.soft(keysOf(echoed.message)).toEqual(MESSAGE_KEYS);

    // History and the conversation list.
    const history = await t.app.inject({ method: 'GET', url: `/api/conversations/${alice.username}/messages`, headers: bearer(bob.token) });
    expect(history.statusCode).toBe(200);
    const { messages } = history.json<{ messages: unknown[] }>();
    expect(messages).toHaveLength(2);
    for (const m of messages) expect.soft(keysOf(m)).toEqual(MESSAGE_KEYS);
    const list = await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(bob.token) });
    expect(list.statusCode).toBe(200);
    const [conversation] = list.json<{ conversations: { lastMessage: unknown }[] }>().conversations;
    expect.soft(keysOf(conversation?.lastMessage)).toEqual(MESSAGE_KEYS);

    bobSocket.close();
    aliceSocket.close();
  });
});
