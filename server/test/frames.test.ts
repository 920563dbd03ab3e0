// WebSocket frames per message (issue 15): the screen that sent a message gets no echo of it (a
// REST sender names its socket in X-Socket-Id), everyone else still does, and a sender hears one
// receipt:update per acknowledgement round however many conversations it covers.
import { GroupApiPaths, SOCKET_ID_HEADER, type ReceiptUpdate } from '@messenger/protocol';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { appPerFile, bearer, connect, heard, randomName, register, send, startApp, waitFor, type ClientSocket, type TestApp } from './helpers/app.js';
import { onPostgres } from './helpers/database.js';

const t = appPerFile();

/** The ids of every message:new the socket heard so far. */
const newIds = (socket: ClientSocket) =>
  heard(socket)
    .filter(([event]) => event === 'message:new')
    .map(([, payload]) => (payload as { message: { id: string } }).message.id);

/** Every receipt:update frame the socket heard so far, as its updates (the frame's own and `more`). */
const receiptFrames = (socket: ClientSocket) =>
  heard(socket)
    .filter(([event]) => event === 'receipt:update')
    .map(([, payload]) => {
      const { more, ...first } = payload as ReceiptUpdate;
      return [first, ...(more ?? [])];
    });

describe('the sender’s echo', () => {
  it('skips the socket named in X-Socket-Id and still reaches the sender’s other tab and the recipient', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const [sendingTab, otherTab, bobTab] = await Promise.all([connect(t, alice.token), connect(t, alice.token), connect(t, bob.token)]);
    const sendingId = sendingTab.id ?? '';

    const first = await send(t, alice.token, bob.username, 'from the sending tab', { [SOCKET_ID_HEADER]: sendingId });
    expect(first.statusCode).toBe(202);
    const firstId = first.json<{ id: string }>().id;
    // A later message to the same recipient, without the header: same partition, so it reaches
    // every socket after the first one. Once the sending tab has it, it would have had the echo.
    const later = await send(t, alice.token, bob.username, 'no header');
    const laterId = later.json<{ id: string }>().id;
    await Promise.all([
      waitFor(sendingTab, 'message:new', ({ message }) => message.id === laterId),
      waitFor(otherTab, 'message:new', ({ message }) => message.id === laterId),
      waitFor(bobTab, 'message:new', ({ message }) => message.id === laterId),
    ]);
    expect(newIds(sendingTab)).toEqual([laterId]);
    expect(newIds(otherTab)).toEqual([firstId, laterId]);
    expect(newIds(bobTab)).toEqual([firstId, laterId]);
    for (const s of [sendingTab, otherTab, bobTab]) s.close();
  });

  it('cannot suppress someone else’s copy: a socket of another user is ignored', async () => {
    const [alice, bob, carol] = [await register(t), await register(t), await register(t)];
    const [aliceTab, bobTab, carolTab] = await Promise.all([connect(t, alice.token), connect(t, bob.token), connect(t, carol.token)]);
    // The recipient's own socket, and a stranger's: neither belongs to the sender.
    for (const victim of [bobTab, carolTab]) {
      const res = await send(t, alice.token, bob.username, `naming ${victim === bobTab ? 'bob' : 'carol'}`, { [SOCKET_ID_HEADER]: victim.id ?? '' });
      expect(res.statusCode).toBe(202);
      const id = res.json<{ id: string }>().id;
      await Promise.all([
        waitFor(bobTab, 'message:new', ({ message }) => message.id === id),
        waitFor(aliceTab, 'message:new', ({ message }) => message.id === id),
      ]);
    }
    for (const s of [aliceTab, bobTab, carolTab]) s.close();
  });

  it('skips the sending tab’s own copy of a group message, not the other tab’s', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const group = randomUUID();
    await t.app.repos.groups.create({ id: group, name: 'Echo', created_by: alice.username, created_at: new Date().toISOString() }, alice.username, [bob.username]);
    const [sendingTab, otherTab] = await Promise.all([connect(t, alice.token), connect(t, alice.token)]);
    const post = (text: string, headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: GroupApiPaths.messages(group), headers: { ...bearer(alice.token), ...headers }, payload: { text } });
    const first = (await post('from the sending tab', { [SOCKET_ID_HEADER]: sendingTab.id ?? '' })).json<{ id: string }>().id;
    const laterId = (await post('no header', {})).json<{ id: string }>().id;
    await Promise.all([
      waitFor(sendingTab, 'message:new', ({ message }) => message.id === laterId),
      waitFor(otherTab, 'message:new', ({ message }) => message.id === laterId),
    ]);
    expect(newIds(sendingTab)).toEqual([laterId]);
    expect(newIds(otherTab)).toEqual([first, laterId]);
    for (const s of [sendingTab, otherTab]) s.close();
  });

  it('is documented in OpenAPI on both send routes', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, { post?: { parameters?: { in: string; name: string }[] } }> }>();
    for (const route of ['/send', '/api/groups/{id}/messages']) {
      expect(doc.paths[route]?.post?.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: SOCKET_ID_HEADER }));
    }
  });

  it('refuses a malformed X-Socket-Id with 400 validation_failed', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const res = await send(t, alice.token, bob.username, 'x', { [SOCKET_ID_HEADER]: 'not a socket id!' });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('validation_failed');
  });
});

// Postgres: the sending screen is on another instance than the one that took the POST. The socket
// id reaches it in the record (origin-socket header), and that instance skips it.
describe.skipIf(!onPostgres)('the sender’s echo across instances (Postgres)', () => {
  let b: TestApp | undefined;
  afterAll(async () => {
    await b?.close();
  });

  it('skips the sending screen on the other instance, and still reaches the sender’s tab on this one', async () => {
    b = await startApp({ KAFKA_TOPIC_PREFIX: t.prefix, DATA_DIR: t.dataDir, INSTANCE_ID: 'b', KAFKA_CLIENT_ID: randomName('b') });
    const [alice, bob] = [await register(t), await register(t)];
    const [sendingOnB, otherOnA, bobOnA] = await Promise.all([connect(b, alice.token), connect(t, alice.token), connect(t, bob.token)]);
    const first = (await send(t, alice.token, bob.username, 'sent from B, posted to A', { [SOCKET_ID_HEADER]: sendingOnB.id ?? '' })).json<{ id: string }>().id;
    const laterId = (await send(t, alice.token, bob.username, 'no header')).json<{ id: string }>().id;
    await Promise.all([
      waitFor(sendingOnB, 'message:new', ({ message }) => message.id === laterId),
      waitFor(otherOnA, 'message:new', ({ message }) => message.id === laterId),
      waitFor(bobOnA, 'message:new', ({ message }) => message.id === laterId),
    ]);
    expect(newIds(sendingOnB)).toEqual([laterId]);
    expect(newIds(otherOnA)).toEqual([first, laterId]);
    expect(newIds(bobOnA)).toEqual([first, laterId]);
    for (const s of [sendingOnB, otherOnA, bobOnA]) s.close();
  });
});

describe('delivered receipts', () => {
  it('reach a sender as one frame per acknowledgement round, covering every conversation of it', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const group = randomUUID();
    await t.app.repos.groups.create({ id: group, name: 'Rx', created_by: alice.username, created_at: new Date().toISOString() }, alice.username, [bob.username]);
    const [aliceTab, bobTab] = await Promise.all([connect(t, alice.token), connect(t, bob.token)]);

    const direct = (await send(t, alice.token, bob.username, 'direct')).json<{ id: string }>().id;
    const inGroup = (
      await t.app.inject({ method: 'POST', url: GroupApiPaths.messages(group), headers: bearer(alice.token), payload: { text: 'in the group' } })
    ).json<{ id: string }>().id;
    await Promise.all([
      waitFor(bobTab, 'message:new', ({ message }) => message.id === direct),
      waitFor(bobTab, 'message:new', ({ message }) => message.id === inGroup),
    ]);
    // One acknowledgement, so one round: a 1:1 message and a group copy, two conversations.
    expect(await bobTab.emitWithAck('message:ack', { ids: [direct, inGroup] })).toEqual({ ok: true, data: { acknowledged: 2 } });
    // A later round's receipt is the marker: it leaves after every frame of the first round.
    const marker = (await send(t, alice.token, bob.username, 'marker')).json<{ id: string }>().id;
    await waitFor(bobTab, 'message:new', ({ message }) => message.id === marker);
    expect(await bobTab.emitWithAck('message:ack', { ids: [marker] })).toEqual({ ok: true, data: { acknowledged: 1 } });
    await waitFor(aliceTab, 'receipt:update', (r) => [r, ...(r.more ?? [])].some((u) => u.ids.includes(marker)));

    const frames = receiptFrames(aliceTab);
    expect(frames).toHaveLength(2);
    const round = frames[0] ?? [];
    expect(round.map((u) => ({ peer: u.peer, group: u.group, ids: u.ids, state: u.state })).sort((a, b) => String(a.group).localeCompare(String(b.group)))).toEqual(
      [
        { peer: bob.username, group, ids: [inGroup], state: 'delivered' },
        { peer: bob.username, group: undefined, ids: [direct], state: 'delivered' },
      ].sort((a, b) => String(a.group).localeCompare(String(b.group))),
    );
    for (const s of [aliceTab, bobTab]) s.close();
  });
});
