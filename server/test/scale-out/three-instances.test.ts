// Alice's socket on instance A, Bob's on B, Carol's on C, three server processes sharing one
// Kafka topic prefix and one Postgres database: messages, typing, presence, receipts and sign-out
// cross instances, and Carol, who shares no conversation with them, hears none of it.
import { ApiPaths, type SendResponse } from '@messenger/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitUntil } from '../helpers/wait.js';
import { post } from '../reliability/fault-helpers.js';
import { Cluster, describeScaleOut } from './cluster.js';
import { connectRecorded, registerOn, type RecordedSocket, type User } from './clients.js';

// Long enough for a loaded CI machine; an event that crosses instances arrives in milliseconds.
const EVENT_MS = 15_000;

async function getStatus(url: string, path: string, token: string): Promise<number> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
}

async function send(url: string, from: User, to: string, text: string): Promise<string> {
  const res = await post<SendResponse>(url, ApiPaths.send, { to, text }, { token: from.token });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id;
}

describeScaleOut('three instances: Alice on A, Bob on B, Carol on C', () => {
  let cluster: Cluster;
  let alice: User, bob: User, carol: User, dave: User;
  let onA: RecordedSocket, onB: RecordedSocket, onC: RecordedSocket;
  let first: { aliceToBob: string; bobToAlice: string };

  beforeAll(async () => {
    cluster = await Cluster.start(['a', 'b', 'c']);
    [alice, bob, carol, dave] = await Promise.all([
      registerOn(cluster.url('a')),
      registerOn(cluster.url('b')),
      registerOn(cluster.url('c')),
      registerOn(cluster.url('a')),
    ]);
    [onA, onB, onC] = await Promise.all([
      connectRecorded(cluster.url('a'), alice),
      connectRecorded(cluster.url('b'), bob),
      connectRecorded(cluster.url('c'), carol),
    ]);
  }, 240_000);

  afterAll(async () => {
    for (const s of [onA, onB, onC]) s?.close();
    await cluster?.stop();
  }, 60_000);

  it('messages cross instances both ways, whichever instance takes the POST', async () => {
    // Posted to C, where neither of them is; then to A, where the recipient is and the sender is not.
    const aliceToBob = await send(cluster.url('c'), alice, bob.username, 'hello Bob, from C');
    const bobToAlice = await send(cluster.url('a'), bob, alice.username, 'hello Alice, from A');
    await onB.waitFor('message:new', (p) => p.message.id === aliceToBob, EVENT_MS, "Alice's message on Bob's socket (B)");
    await onA.waitFor('message:new', (p) => p.message.id === bobToAlice, EVENT_MS, "Bob's message on Alice's socket (A)");
    // Each socket got each message once (the recipient's screen, not a catch-up copy and a live one).
    expect(onB.of('message:new').filter((p) => p.message.id === aliceToBob)).toHaveLength(1);
    expect(onA.of('message:new').filter((p) => p.message.id === bobToAlice)).toHaveLength(1);
    first = { aliceToBob, bobToAlice };
  });

  it('typing crosses instances', async () => {
    expect(first, 'needs the conversation the first test starts').toBeDefined();
    // A typing "true" is throttled per conversation; the first one of each side goes through.
    onA.socket.emit('typing:set', { to: bob.username, typing: true });
    await onB.waitFor('typing:update', (p) => p.from === alice.username && p.typing, EVENT_MS, 'Alice typing, on B');
    onA.socket.emit('typing:set', { to: bob.username, typing: false });
    await onB.waitFor('typing:update', (p) => p.from === alice.username && !p.typing, EVENT_MS, 'Alice stopped typing, on B');
    onB.socket.emit('typing:set', { to: alice.username, typing: true });
    await onA.waitFor('typing:update', (p) => p.from === bob.username && p.typing, EVENT_MS, 'Bob typing, on A');
  });

  it('delivered receipts cross instances', async () => {
    expect(first, 'needs the conversation the first test starts').toBeDefined();
    // Bob's screen on B acknowledges Alice's message: Alice, on A, sees it delivered.
    const ack = await onB.socket.timeout(10_000).emitWithAck('message:ack', { ids: [first.aliceToBob] });
    expect(ack.ok).toBe(true);
    await onA.waitFor(
      'receipt:update',
      (p) => p.peer === bob.username && p.state === 'delivered' && p.ids.includes(first.aliceToBob),
      EVENT_MS,
      "Alice's delivered receipt, on A",
    );
  });

  it('read receipts cross instances', async () => {
    expect(first, 'needs the conversation the first test starts').toBeDefined();
    // Bob marks it read through C: Alice, on A, sees her message read.
    const read = await post(cluster.url('c'), ApiPaths.read(alice.username), { upTo: first.aliceToBob }, { token: bob.token });
    expect(read.status).toBe(200);
    await onA.waitFor(
      'receipt:update',
      (p) => p.peer === bob.username && p.state === 'read' && p.ids.includes(first.aliceToBob),
      EVENT_MS,
      "Alice's read receipt, on A",
    );
  });

  it('presence crosses instances: online while any socket is open, offline when the last closes', async () => {
    expect(first, 'needs the conversation the first test starts').toBeDefined();
    // Each asks its own instance about the other, who is connected to another instance.
    expect(await onA.online([bob.username]), "A's answer about Bob (on B)").toEqual([bob.username]);
    expect(await onB.online([alice.username]), "B's answer about Alice (on A)").toEqual([alice.username]);

    const before = onA.of('presence:update').length;
    const aboutBob = () => onA.of('presence:update').slice(before).filter((p) => p.username === bob.username);
    onB.close();
    try {
      await waitUntil(() => aboutBob().some((p) => !p.online), EVENT_MS, 'Bob offline, on A');
      expect(await onA.online([bob.username])).toEqual([]);
    } finally {
      // The tests after this one need Bob's socket on B, whatever happened here.
      onB = await connectRecorded(cluster.url('b'), bob);
    }
    await waitUntil(
      () => aboutBob().slice(aboutBob().findIndex((p) => !p.online) + 1).some((p) => p.online),
      EVENT_MS,
      'Bob online again, on A',
    );
  });

  it('Carol, on C and in no conversation with them, receives none of it', async () => {
    const about = [alice.username, bob.username];
    const leaked = () => onC.events.filter((e) => about.some((name) => JSON.stringify(e.payload).includes(name)));
    // Alice and Bob talk once more, through C itself.
    const more = await send(cluster.url('c'), alice, bob.username, 'Carol must not see this');
    await onB.waitFor('message:new', (p) => p.message.id === more, EVENT_MS, 'the last message on B');
    // Controls, after all of Alice and Bob's traffic: C does push to Carol, across instances.
    // Dave writes to her through A, so whatever Kafka carried before has reached C too.
    const daveToCarol = await send(cluster.url('a'), dave, carol.username, 'hello Carol');
    await onC.waitFor('message:new', (p) => p.message.id === daveToCarol, EVENT_MS, "Dave's message on Carol's socket (C)");
    expect(leaked()).toEqual([]);
    // And the ephemeral path: Dave types to her from B, Bob's instance.
    const daveOnB = await connectRecorded(cluster.url('b'), dave);
    try {
      daveOnB.socket.emit('typing:set', { to: carol.username, typing: true });
      await onC.waitFor('typing:update', (p) => p.from === dave.username, EVENT_MS, "Dave's typing (from B) on C");
    } finally {
      daveOnB.close();
    }
    expect(leaked()).toEqual([]);
  });

  it('signing out on A closes the session on B at once, and C refuses the token at once', async () => {
    // C has just accepted Bob's token, so a per-instance session cache would still hold it.
    expect(await getStatus(cluster.url('c'), ApiPaths.me, bob.token)).toBe(200);
    expect(onB.disconnected).toBeUndefined();

    const out = await post(cluster.url('a'), ApiPaths.logout, {}, { token: bob.token });
    expect(out.status).toBe(204);
    // Soft: the socket on B is checked too, whatever C answers.
    expect.soft(await getStatus(cluster.url('c'), ApiPaths.me, bob.token), 'the signed-out token on C').toBe(401);
    await onB.waitFor('session:revoked', () => true, EVENT_MS, "session:revoked on Bob's socket (B)");
    await expectDisconnected(onB);
    // Alice's session is untouched.
    expect(onA.disconnected).toBeUndefined();
    expect(await getStatus(cluster.url('b'), ApiPaths.me, alice.token)).toBe(200);
  });

  it('signing out everywhere on B closes the sockets on A and C, and every instance refuses the token', async () => {
    // Alice has a second screen, on C; both instances have just accepted her token.
    const aliceOnC = await connectRecorded(cluster.url('c'), alice);
    try {
      for (const id of ['a', 'c']) expect(await getStatus(cluster.url(id), ApiPaths.me, alice.token)).toBe(200);
      const out = await post(cluster.url('b'), ApiPaths.logoutEverywhere, {}, { token: alice.token });
      expect(out.status).toBe(204);
      for (const id of ['a', 'c']) {
        expect.soft(await getStatus(cluster.url(id), ApiPaths.me, alice.token), `the signed-out token on ${id.toUpperCase()}`).toBe(401);
      }
      for (const [name, socket] of [['A', onA], ['C', aliceOnC]] as const) {
        await socket.waitFor('session:revoked', () => true, EVENT_MS, `session:revoked on Alice's socket (${name})`);
        await expectDisconnected(socket);
      }
    } finally {
      aliceOnC.close();
    }
  });
});

async function expectDisconnected(socket: RecordedSocket) {
  await waitUntil(() => socket.disconnected !== undefined, EVENT_MS, 'the server to close the socket');
  expect(socket.disconnected).toBe('io server disconnect');
}
