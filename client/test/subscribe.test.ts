// subscribe() against the real server: live messages, the catch-up after a dropped connection,
// each message handed over once although the server offers one twice, and every one acknowledged.
import { Group, GroupApiPaths, type ChatMessage, type ConversationUpdate } from '@messenger/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MessageInfo, MessengerClient, Subscription, SubscriptionStatus } from '../src/index.js';
import { createClient, subscribe } from '../src/index.js';
import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { signedUp, startServer, waitUntil, type TestServer } from './helpers.js';

let server: TestServer;
let alice: MessengerClient;
let bob: MessengerClient;
const subscriptions: Subscription[] = [];
/** Every setting of a conversation off, as the server answers it. */
const OFF = { muted: false, pinned: false, archived: false, markedUnread: false };

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([signedUp(server, 'al'), signedUp(server, 'bo')]);
});

afterAll(async () => {
  for (const s of subscriptions) s.close();
  await server?.stop();
});

/** `hold` keeps the handler busy on a message until it resolves (a slow bot). */
function collect(client: MessengerClient, hold: (m: ChatMessage) => Promise<void> = () => Promise.resolve()) {
  const handled: [ChatMessage, MessageInfo][] = [];
  const statuses: SubscriptionStatus[] = [];
  const errors: Error[] = [];
  const subscription = client.subscribe({
    onMessage: async (message, info) => {
      handled.push([message, info]);
      await hold(message);
    },
    onStatus: (status) => statuses.push(status),
    onError: (error) => errors.push(error),
  });
  subscriptions.push(subscription);
  // Every message frame the socket heard, repeats included.
  const offered: string[] = [];
  subscription.socket.onAny((event: string, payload: unknown) => {
    if (event === 'message:new') offered.push((payload as { message: ChatMessage }).message.id);
    if (event === 'message:batch') offered.push(...(payload as { messages: ChatMessage[] }).messages.map((m) => m.id));
  });
  return { subscription, handled, statuses, errors, offered };
}

const countOf = (ids: string[], id: string) => ids.filter((x) => x === id).length;

it('hands over caught-up and live messages once each across a dropped connection, and acknowledges them', async () => {
  const early = await alice.send(bob.username!, 'before bob connects');
  // A 202 means Kafka holds it; the catch-up reads the history store, which takes it a moment later.
  await waitUntil('the early message stored', async () => (await alice.history(bob.username!)).messages.some((m) => m.id === early.id));
  let holding: (m: ChatMessage) => Promise<void> = () => Promise.resolve();
  const bobs = collect(bob, (m) => holding(m));
  await bobs.subscription.ready;
  expect(bobs.handled.map(([m, info]) => [m.id, info.live])).toEqual([[early.id, false]]);

  const live = await alice.send(bob.username!, 'live');
  await waitUntil('the live message', () => bobs.handled.some(([m]) => m.id === live.id));
  expect(bobs.handled.at(-1)?.[1].live).toBe(true);
  // Acknowledged: the sender sees both delivered.
  const delivered = async (ids: string[]) => {
    const page = await alice.history(bob.username!);
    return ids.every((id) => page.messages.find((m) => m.id === id)?.state === 'delivered');
  };
  await expectEventually(() => delivered([early.id, live.id]), 'the first two delivered');

  // The connection drops (not a close) while the bot is still busy with a message, so that
  // message is not acknowledged yet: socket.io reconnects by itself, and the catch-up offers it
  // again, with what alice wrote meanwhile.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  holding = (m) => (m.text === 'slow' ? released : Promise.resolve());
  const slow = await alice.send(bob.username!, 'slow');
  await waitUntil('the bot busy with it', () => bobs.handled.some(([m]) => m.id === slow.id));
  const reconnectsBefore = bobs.statuses.filter((s) => s === 'reconnecting').length;
  bobs.subscription.socket.io.engine.close();
  const whileAway = [await alice.send(bob.username!, 'while away 1'), await alice.send(bob.username!, 'while away 2')];
  await waitUntil('the catch-up offering it again', () => countOf(bobs.offered, slow.id) > 1);
  expect(bobs.statuses.filter((s) => s === 'reconnecting').length).toBeGreaterThan(reconnectsBefore);
  release();
  await waitUntil('live again', () => bobs.statuses.at(-1) === 'live');
  await waitUntil('the messages sent while away', () => whileAway.every((s) => bobs.handled.some(([m]) => m.id === s.id)));

  const all = [early, live, slow, ...whileAway].map((s) => s.id);
  expect(bobs.handled.map(([m]) => m.id)).toEqual(all);
  await expectEventually(() => delivered(all), 'all five delivered');
  expect(bobs.errors).toEqual([]);
  bobs.subscription.close();
});

it('signs in with a token alone (asks who it is) and ends on an unknown token', async () => {
  const byToken = createClient({ baseUrl: server.url, token: bob.token! });
  const fresh = collect(byToken);
  await fresh.subscription.ready;
  const sent = await alice.send(bob.username!, 'for the token holder');
  expect(byToken.username).toBe(bob.username);
  await waitUntil('the message', () => fresh.handled.some(([m]) => m.id === sent.id));

  const ended: string[] = [];
  const stranger = createClient({ baseUrl: server.url, token: 'not-a-token' }).subscribe({
    onMessage: () => undefined,
    onSessionEnded: (reason) => ended.push(reason),
  });
  subscriptions.push(stranger);
  await expect(stranger.ready).rejects.toThrow();
  expect(ended).toHaveLength(1);
});

it("mutes a conversation for me everywhere: the answer, the list, and every subscription of mine hears it", async () => {
  const updates: ConversationUpdate[] = [];
  const errors: Error[] = [];
  const other = alice.subscribe({ onMessage: () => undefined, onConversationUpdate: (u) => updates.push(u), onError: (e) => errors.push(e) });
  subscriptions.push(other);
  await other.ready;
  expect(await alice.setConversationMuted(bob.username!, true)).toEqual({ peer: bob.username, ...OFF, muted: true });
  await waitUntil('the update', () => updates.some((u) => u.peer === bob.username && u.muted));
  expect((await alice.conversations()).find((c) => c.peer === bob.username)?.muted).toBe(true);
  expect(await alice.setConversationMuted(bob.username!, false)).toEqual({ peer: bob.username, ...OFF });
  await waitUntil('the unmute', () => updates.at(-1)?.muted === false);
  await expect(alice.setConversationMuted(alice.username!, true)).rejects.toMatchObject({ status: 400, code: 'bad_request' });
  expect(errors).toEqual([]);
});

it('pins, archives and marks unread a conversation and a group for me; every subscription of mine hears it', async () => {
  const updates: ConversationUpdate[] = [];
  const other = alice.subscribe({ onMessage: () => undefined, onConversationUpdate: (u) => updates.push(u) });
  subscriptions.push(other);
  await other.ready;
  expect(await alice.updateConversationSettings(bob.username!, { pinned: true, markedUnread: true })).toEqual({ peer: bob.username, ...OFF, pinned: true, markedUnread: true });
  await waitUntil('the update', () => updates.some((u) => u.peer === bob.username && u.pinned && u.markedUnread));
  expect((await alice.conversations()).find((c) => c.peer === bob.username)).toMatchObject({ pinned: true, markedUnread: true, archived: false });
  expect(await alice.updateConversationSettings(bob.username!, { pinned: false, markedUnread: false })).toEqual({ peer: bob.username, ...OFF });
  await expect(alice.updateConversationSettings(bob.username!, {})).rejects.toMatchObject({ status: 400, code: 'validation_failed' });

  const group = await alice.request(GroupApiPaths.groups, Group, { method: 'POST', body: { name: 'Prefs', members: [bob.username!] } });
  expect(await alice.updateGroupSettings(group.id, { archived: true })).toMatchObject({ id: group.id, archived: true, pinned: false });
  expect((await alice.groups()).find((g) => g.id === group.id)?.archived).toBe(true);
  await expect(bob.updateGroupSettings('00000000-0000-4000-8000-000000000000', { pinned: true })).rejects.toMatchObject({ status: 404, code: 'group_not_found' });
});

async function expectEventually(probe: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('runs no callback before subscribe() returns, and makes its socket through the caller’s factory', async () => {
  // A browser host: no token, the page's identity given, the socket made by the caller (the web
  // app's tests pass a stand-in), and the quick reconnects a person at a screen wants.
  const made: { url: string; options: Partial<ManagerOptions & SocketOptions> }[] = [];
  let returned = false;
  const early: string[] = [];
  const statuses: SubscriptionStatus[] = [];
  const subscription: Subscription = subscribe(
    { baseUrl: server.url, token: bob.token, username: bob.username, me: (signal) => bob.me(signal) },
    {
      client: 'web',
      reconnectDelayMaxMs: 5000,
      createSocket: (url, options) => {
        made.push({ url, options });
        return io(url, options);
      },
      onMessage: () => undefined,
      onStatus: (status) => {
        if (!returned) early.push(status);
        // The subscription is what a status handler reaches for (to emit on its socket).
        statuses.push(status);
        if (status === 'syncing') expect(subscription.socket.connected).toBe(true);
      },
    },
  );
  returned = true;
  subscriptions.push(subscription);
  await subscription.ready;
  expect(early).toEqual([]);
  expect(statuses).toEqual(['connecting', 'syncing', 'live']);
  expect(made).toHaveLength(1);
  expect(made[0]?.url).toBe(server.url);
  expect(made[0]?.options.auth).toEqual({ token: bob.token, client: 'web' });
  expect(subscription.socket.io.reconnectionDelayMax()).toBe(5000);
  subscription.close();
});

it('onMessages: the catch-up in one call, then each live message, once each, all acknowledged', async () => {
  const carol = await signedUp(server, 'ca');
  const missed = [await alice.send(carol.username!, 'missed 1'), await alice.send(carol.username!, 'missed 2'), await alice.send(carol.username!, 'missed 3')];
  const calls: { ids: string[]; live: boolean[]; catchUp: boolean }[] = [];
  const subscription = carol.subscribe({
    onMessages: (items, { catchUp }) => void calls.push({ ids: items.map((i) => i.message.id), live: items.map((i) => i.live), catchUp }),
  });
  subscriptions.push(subscription);
  await subscription.ready;
  expect(calls).toEqual([{ ids: missed.map((s) => s.id), live: [false, false, false], catchUp: true }]);
  const live = await alice.send(carol.username!, 'live');
  await waitUntil('the live message', () => calls.length === 2);
  expect(calls[1]).toEqual({ ids: [live.id], live: [true], catchUp: false });
  const all = [...missed, live].map((s) => s.id);
  await waitUntil('all four delivered', async () => {
    const page = await alice.history(carol.username!);
    return all.every((id) => page.messages.find((m) => m.id === id)?.state === 'delivered');
  });
  subscription.close();
});
