import { describe, expect, it } from 'vitest';
import { appPerFile, collectMessages, connect, register, send, waitFor } from './helpers/app.js';

const t = appPerFile();

describe('presence, typing and reading-now', () => {
  it('tells the people you talk to when you come and go', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const aliceSocket = await connect(t, alice.token);
    const echoed = collectMessages(aliceSocket);
    await send(t, alice.token, bob.username, 'hello');
    // The conversation exists once the message is stored; alice's own echo says it is.
    await echoed.until(1);
    const online = waitFor(aliceSocket, 'presence:update', (p) => p.username === bob.username && p.online);
    const bobSocket = await connect(t, bob.token);
    await online;
    expect(await aliceSocket.emitWithAck('presence:query', { usernames: [bob.username, 'nobody-x'] })).toEqual({
      ok: true,
      data: { online: [bob.username], strangers: ['nobody-x'] },
    });
    const offline = waitFor(aliceSocket, 'presence:update', (p) => p.username === bob.username && !p.online);
    bobSocket.close();
    await offline;
    aliceSocket.close();
  });

  it('forwards typing to the other side only, throttled', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const aliceSocket = await connect(t, alice.token);
    const bobSocket = await connect(t, bob.token);
    // Typing goes only to someone who shares a conversation (privacy.test.ts covers strangers).
    const inbox = collectMessages(bobSocket);
    await send(t, alice.token, bob.username, 'hello');
    await inbox.until(1);
    const updates: boolean[] = [];
    bobSocket.on('typing:update', (u) => {
      if (u.from === alice.username) updates.push(u.typing);
    });
    const stopped = waitFor(bobSocket, 'typing:update', (u) => u.from === alice.username && !u.typing);
    for (let i = 0; i < 5; i++) aliceSocket.emit('typing:set', { to: bob.username, typing: true });
    aliceSocket.emit('typing:set', { to: bob.username, typing: false });
    await stopped;
    expect(updates).toEqual([true, false]);
    aliceSocket.close();
    bobSocket.close();
  });

  it('flags a message readingNow when a visible tab of the recipient shows that conversation', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const bobTab = await connect(t, bob.token);
    bobTab.emit('focus:set', { peer: alice.username });
    // The focus event and the send travel different paths; wait for the server to hold it.
    await bobTab.emitWithAck('presence:query', { usernames: [] });
    const first = waitFor(bobTab, 'message:new', ({ message }) => message.text === 'while reading');
    await send(t, alice.token, bob.username, 'while reading');
    expect((await first).readingNow).toBe(true);
    bobTab.emit('focus:set', { peer: null });
    await bobTab.emitWithAck('presence:query', { usernames: [] });
    const second = waitFor(bobTab, 'message:new', ({ message }) => message.text === 'tab hidden');
    await send(t, alice.token, bob.username, 'tab hidden');
    expect((await second).readingNow).toBe(false);
    bobTab.close();
  });
});
