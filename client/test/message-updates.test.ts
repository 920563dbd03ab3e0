// message:update through subscribe() against the real server: an update is handed over after the
// messages it follows (caught up: after the catch-up's messages), and its change id is
// acknowledged in every mode, so the next connect does not offer it again.
import type { MessageUpdate } from '@messenger/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessengerClient, Subscription } from '../src/index.js';
import { signedUp, startServer, waitUntil, type TestServer } from './helpers.js';

let server: TestServer;
let alice: MessengerClient;
let bob: MessengerClient;
const open: Subscription[] = [];

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([signedUp(server, 'al'), signedUp(server, 'bo')]);
});

afterAll(async () => {
  for (const s of open) s.close();
  await server?.stop();
});

async function stored(text: string): Promise<string> {
  const { id } = await alice.send(bob.username!, text);
  await waitUntil(`${text} stored`, async () => (await bob.history(alice.username!)).messages.some((m) => m.id === id));
  return id;
}

describe('message:update in subscribe()', () => {
  it('caught up: the message first, then its update; acknowledged, so not offered again (onBatch mode too)', async () => {
    const id = await stored('see you at 5');
    const change = await alice.editMessage(id, 'see you at 6');
    await waitUntil('the edit stored', async () => (await bob.history(alice.username!)).messages.find((m) => m.id === id)?.editedAt);

    const seen: string[] = [];
    const updates: MessageUpdate[] = [];
    const first = bob.subscribe({
      client: 'agent',
      onBatch: (items) => {
        for (const { message } of items) seen.push(`message ${message.id}`);
      },
      onMessageUpdate: (update, info) => {
        seen.push(`update ${update.change.id} ${info.live ? 'live' : 'caught up'}`);
        updates.push(update);
      },
    });
    open.push(first);
    await first.ready;
    expect(seen.filter((s) => s.includes(id) || s.includes(change.id))).toEqual([`message ${id}`, `update ${change.id} caught up`]);
    expect(updates[0]?.message).toMatchObject({ id, text: 'see you at 6' });
    first.close();

    const again: string[] = [];
    const second = bob.subscribe({ client: 'agent', onBatch: () => undefined, onMessageUpdate: (u) => void again.push(u.change.id) });
    open.push(second);
    await second.ready;
    expect(again).not.toContain(change.id);
    second.close();
  });

  it('live: an update arrives as it happens', async () => {
    const id = await stored('typo');
    const live: MessageUpdate[] = [];
    const sub = bob.subscribe({ onMessage: () => undefined, onMessageUpdate: (u) => void live.push(u) });
    open.push(sub);
    await sub.ready;
    const change = await alice.deleteMessage(id, 'everyone');
    const got = await waitUntil('the live update', () => live.find((u) => u.change.id === change.id));
    expect(got.message).toMatchObject({ id, deleted: true, text: '' });
    sub.close();
  });
});
