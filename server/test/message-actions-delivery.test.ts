// Message actions on the delivery side (issue 18, item 1): change records (v3) produced as the
// server produces them (signed by its codec, keyed by whose view they change, a group's in one
// transaction) are applied by the store exactly once, pushed live as message:update, caught up in
// order by screens that were away, and counted by the inbox group until acknowledged.
import {
  GroupApiPaths,
  MAX_DISTINCT_REACTIONS,
  RecordHeaders,
  type ChangeKind,
  type ChangeRecordV3,
  type ChatMessage,
  type MessagesPage,
  type MessageUpdate,
  type SendResponse,
  type TopicRecord,
} from '@messenger/protocol';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, collectMessages, connect, randomName, register, removeDir, send, startApp, waitFor, type ClientSocket, type TestApp } from './helpers/app.js';
import { waitUntil } from './helpers/wait.js';

let t: TestApp;
let admin: Admin;
const kafka = () => new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING });

beforeAll(async () => {
  t = await startApp();
  admin = kafka().admin();
  await admin.connect();
});
afterAll(async () => {
  await admin?.disconnect();
  await t?.close();
  if (t) removeDir(t.dataDir);
});

type Extra = Partial<Pick<ChangeRecordV3, 'text' | 'emoji' | 'group'>>;

/** A change record as the server writes it: signed by the app's own codec, keyed by `to`. */
function changeRecord(kind: ChangeKind, from: string, to: string, messageId: string, extra: Extra = {}): ChangeRecordV3 {
  return { v: 3, id: randomUUID(), kind, messageId, from, to, at: new Date().toISOString(), ...extra };
}

async function produce(app: TestApp, record: TopicRecord) {
  const { value, headers } = app.app.recordCodec.encode(record);
  return app.app.bus.produce(record.to, value, headers);
}

/** A 1:1 change, produced; resolves with the record once Kafka holds it. */
async function change(kind: ChangeKind, from: string, to: string, messageId: string, extra: Extra = {}, app = t) {
  const record = changeRecord(kind, from, to, messageId, extra);
  const at = await produce(app, record);
  return { record, ...at };
}

/** A group change: one record per member, the actor included, in one transaction. */
async function groupChange(kind: ChangeKind, from: string, members: string[], messageId: string, group: { id: string; name: string }, extra: Extra = {}) {
  const id = randomUUID();
  const at = new Date().toISOString();
  const records = members.map((to): ChangeRecordV3 => ({ v: 3, id, kind, messageId, from, to, at, group, ...extra }));
  await t.app.bus.produceAll(
    records.map((r) => {
      const { value, headers } = t.app.recordCodec.encode(r);
      return { key: r.to, value, headers };
    }),
  );
  return id;
}

async function sendTo(from: { token: string }, to: string, text: string, app = t) {
  const res = await send(app, from.token, to, text);
  expect(res.statusCode).toBe(202);
  return res.json<SendResponse>();
}

/** The conversation as `token`'s owner reads it over REST, by message id. */
async function history(token: string, peer: string, app = t): Promise<Map<string, ChatMessage>> {
  const res = await app.app.inject({ method: 'GET', url: `/api/conversations/${peer}/messages?limit=100`, headers: bearer(token) });
  expect(res.statusCode).toBe(200);
  return new Map(res.json<MessagesPage>().messages.map((m) => [m.id, m]));
}

/** What a client keeps of a message: the state an update carries, without the receipt tick. */
const shown = (m: ChatMessage | undefined) => {
  if (!m) return undefined;
  const { state: _state, ...rest } = m;
  return rest;
};

/** A client's view built from message:update alone: the newest change.at per message wins. */
function updatesOn(socket: ClientSocket) {
  const all: MessageUpdate[] = [];
  const state = new Map<string, { at: string; message: ChatMessage; hidden: boolean }>();
  socket.on('message:update', (u) => {
    all.push(u);
    const before = state.get(u.message.id);
    if (!before || u.change.at >= before.at) state.set(u.message.id, { at: u.change.at, message: u.message, hidden: u.hidden === true });
  });
  return { all, state };
}

/** Connects and resolves once catch-up is over, with every frame it heard in order. */
async function catchUp(token: string, app = t) {
  const frames: [string, unknown][] = [];
  let done: Promise<unknown> | undefined;
  let updates: ReturnType<typeof updatesOn> | undefined;
  const socket = await connect(app, token, {
    before: (s) => {
      done = waitFor(s, 'sync:done');
      updates = updatesOn(s);
      s.onAny((event: string, payload: unknown) => frames.push([event, payload]));
    },
  });
  await done;
  return { socket, frames, updates: updates! };
}

/** The inbox group's committed offset on `username`'s partition, and the partition's end. */
async function inbox(username: string, app = t) {
  const topic = `${app.prefix}.messages`;
  const partition = app.app.bus.partitionFor(username);
  const offsets = await admin.fetchOffsets({ groupId: `${app.prefix}.inbox.${username}`, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  return {
    committed: Number(offsets[0]?.partitions.find((p) => p.partition === partition)?.offset ?? -1),
    high: Number(ends.find((p) => p.partition === partition)?.high),
  };
}

/** Waits until the store holds message `id` (202 means Kafka holds it, not yet the store). */
async function stored(token: string, peer: string, id: string, app = t) {
  await waitUntil(async () => (await history(token, peer, app)).has(id), 15_000, `message ${id} stored`);
}

async function changeRow(id: string, recipient: string, app = t) {
  return app.app.database.db.selectFrom('message_changes').selectAll().where('id', '=', id).where('recipient', '=', recipient).executeTakeFirst();
}

describe('message actions, live', () => {
  it('an edit, a reaction and a delete reach both sides as message:update with the message as each sees it', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const [aliceTab, bobTab] = await Promise.all([connect(t, alice.token), connect(t, bob.token)]);
    await Promise.all([waitFor(aliceTab, 'sync:done'), waitFor(bobTab, 'sync:done')]);
    const m = await sendTo(alice, bob.username, 'see you at 5');
    await waitFor(bobTab, 'message:new', ({ message }) => message.id === m.id);
    const [onAlice, onBob] = [updatesOn(aliceTab), updatesOn(bobTab)];
    const both = (id: string) => Promise.all([aliceTab, bobTab].map((s) => waitFor(s, 'message:update', (u) => u.change.id === id)));

    // The author's edit is keyed by the recipient; the author's own screens hear it too.
    const edit = changeRecord('edit', alice.username, bob.username, m.id, { text: 'see you at 6' });
    const edited = both(edit.id);
    await produce(t, edit);
    for (const u of await edited) {
      expect(u.change).toEqual({ id: edit.id, kind: 'edit', by: alice.username, at: edit.at });
      expect(u.message).toMatchObject({ id: m.id, from: alice.username, to: bob.username, text: 'see you at 6', editedAt: edit.at });
      expect(u.hidden).toBeUndefined();
    }

    // A reaction by the recipient is keyed by the author.
    const react = changeRecord('react', bob.username, alice.username, m.id, { emoji: '👍' });
    const reacted = both(react.id);
    await produce(t, react);
    for (const u of await reacted) expect(u.message.reactions).toEqual([{ emoji: '👍', users: [bob.username] }]);

    const del = changeRecord('delete', alice.username, bob.username, m.id);
    const deleted = both(del.id);
    await produce(t, del);
    for (const u of await deleted) {
      expect(u.message).toMatchObject({ id: m.id, text: '', deleted: true });
      expect(u.message.reactions).toBeUndefined();
    }
    // One frame per change per screen, and the store says the same as the last one.
    expect(onAlice.all.map((u) => u.change.id)).toEqual([edit.id, react.id, del.id]);
    expect(onBob.all.map((u) => u.change.id)).toEqual([edit.id, react.id, del.id]);
    expect(shown((await history(bob.token, alice.username)).get(m.id))).toEqual(shown(onBob.state.get(m.id)?.message));
    // Bob's screen never acknowledged: the change is still his to receive on another screen.
    expect((await changeRow(del.id, bob.username))?.delivered_at).toBeNull();
    // Only the screens of whom a change is keyed by acknowledge it; the actor's ack moves nothing.
    expect(await aliceTab.emitWithAck('message:ack', { ids: [del.id] })).toEqual({ ok: true, data: { acknowledged: 0 } });
    expect(await bobTab.emitWithAck('message:ack', { ids: [edit.id, del.id] })).toEqual({ ok: true, data: { acknowledged: 2 } });
    expect(await aliceTab.emitWithAck('message:ack', { ids: [react.id] })).toEqual({ ok: true, data: { acknowledged: 1 } });
    expect((await changeRow(del.id, bob.username))?.delivered_at).not.toBeNull();
    aliceTab.close();
    bobTab.close();
  });

  it('a group change reaches every member once, on their own copy; the actor\'s own copy is delivered at once', async () => {
    const [alice, bob, carol] = [await register(t), await register(t), await register(t)];
    const group = { id: randomUUID(), name: 'Ops' };
    await t.app.repos.groups.create({ id: group.id, name: group.name, created_by: alice.username, created_at: new Date().toISOString() }, alice.username, [bob.username, carol.username]);
    const tabs = await Promise.all([alice, bob, carol].map((u) => connect(t, u.token)));
    await Promise.all(tabs.map((s) => waitFor(s, 'sync:done')));
    const res = await t.app.inject({ method: 'POST', url: GroupApiPaths.messages(group.id), headers: bearer(alice.token), payload: { text: 'deploy at 5' } });
    expect(res.statusCode).toBe(202);
    const { id } = res.json<{ id: string }>();
    await Promise.all(tabs.slice(1).map((s) => waitFor(s, 'message:new', ({ message }) => message.id === id)));
    const members = [alice.username, bob.username, carol.username];
    const updates = tabs.map(updatesOn);

    const editId = await groupChange('edit', alice.username, members, id, group, { text: 'deploy at 6' });
    const heard = await Promise.all(tabs.map((s) => waitFor(s, 'message:update', (u) => u.change.id === editId)));
    heard.forEach((u, i) => expect(u.message).toMatchObject({ id, to: members[i], text: 'deploy at 6', group: { id: group.id, name: 'Ops' } }));
    const reactId = await groupChange('react', carol.username, members, id, group, { emoji: '🎉' });
    await Promise.all(tabs.map((s) => waitFor(s, 'message:update', (u) => u.change.id === reactId && u.message.reactions?.[0]?.emoji === '🎉')));
    for (const u of updates) expect(u.all.map((x) => x.change.id)).toEqual([editId, reactId]);
    // The actor's own copy needs no acknowledgement; the others wait for their screens.
    await waitUntil(async () => (await changeRow(editId, alice.username))?.delivered_at != null, 10_000, "alice's own copy delivered");
    await waitUntil(async () => (await changeRow(reactId, carol.username))?.delivered_at != null, 10_000, "carol's own copy delivered");
    expect((await changeRow(editId, bob.username))?.delivered_at).toBeNull();
    // Each member's copy of the message changed; the reaction is stored once for all of them.
    const copies = await t.app.database.db.selectFrom('messages').select(['recipient', 'text']).where('id', '=', id).execute();
    expect(copies.map((c) => c.text)).toEqual(['deploy at 6', 'deploy at 6', 'deploy at 6']);
    const reactions = await t.app.database.db.selectFrom('message_reactions').selectAll().where('message_id', '=', id).execute();
    expect(reactions.map((r) => [r.username, r.emoji])).toEqual([[carol.username, '🎉']]);
    for (const s of tabs) s.close();
  });
});

describe('message actions, catch-up', () => {
  it('screens that were away converge in order to the author\'s view and to history; acks bring the inbox lag to 0', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const bobTab = await connect(t, bob.token);
    await waitFor(bobTab, 'sync:done');
    const sent: SendResponse[] = [];
    for (const text of ['one', 'two', 'three']) sent.push(await sendTo(alice, bob.username, text));
    for (const m of sent) await waitFor(bobTab, 'message:new', ({ message }) => message.id === m.id);
    expect(await bobTab.emitWithAck('message:ack', { ids: sent.map((m) => m.id) })).toEqual({ ok: true, data: { acknowledged: 3 } });
    bobTab.close();
    const [m1, m2, m3] = sent as [SendResponse, SendResponse, SendResponse];

    // Bob is away: edits, reactions taken back, a delete, across three messages.
    const changes = [
      await change('edit', alice.username, bob.username, m1.id, { text: 'one, edited' }),
      await change('react', alice.username, bob.username, m2.id, { emoji: '👍' }),
      await change('react', alice.username, bob.username, m2.id, { emoji: '❤️' }),
      await change('unreact', alice.username, bob.username, m2.id, { emoji: '👍' }),
      await change('delete', alice.username, bob.username, m3.id),
      await change('edit', alice.username, bob.username, m1.id, { text: 'one, edited twice' }),
    ];
    const last = changes.at(-1)!;
    await waitUntil(async () => (await changeRow(last.record.id, bob.username)) !== undefined, 15_000, 'the last change stored');

    // Two screens come back at once: each gets every change once, in order, after its messages.
    const [first, second] = await Promise.all([catchUp(bob.token), catchUp(bob.token)]);
    for (const screen of [first, second]) {
      expect(screen.updates.all.map((u) => u.change.id)).toEqual(changes.map((c) => c.record.id));
      const events = screen.frames.map(([event]) => event);
      expect(events.at(-1)).toBe('sync:done');
      expect(events.filter((e) => e === 'message:update')).toHaveLength(changes.length);
    }
    const mine = await history(alice.token, bob.username);
    const his = await history(bob.token, alice.username);
    for (const m of [m1, m2, m3]) {
      expect(shown(first.updates.state.get(m.id)?.message)).toEqual(shown(mine.get(m.id)));
      expect(shown(second.updates.state.get(m.id)?.message)).toEqual(shown(his.get(m.id)));
    }
    expect(mine.get(m1.id)).toMatchObject({ text: 'one, edited twice', editedAt: last.record.at });
    expect(mine.get(m2.id)?.reactions).toEqual([{ emoji: '❤️', users: [alice.username] }]);
    expect(mine.get(m3.id)).toMatchObject({ text: '', deleted: true });

    // The inbox group stops at the first unacknowledged change, however far the messages went.
    const before = await inbox(bob.username);
    expect(before.committed).toBeLessThanOrEqual(Number(changes[0]!.offset));
    const m4 = await sendTo(alice, bob.username, 'four');
    await waitFor(first.socket, 'message:new', ({ message }) => message.id === m4.id);
    expect(await first.socket.emitWithAck('message:ack', { ids: [m4.id] })).toEqual({ ok: true, data: { acknowledged: 1 } });
    await t.app.bus.flushInboxCommits();
    expect((await inbox(bob.username)).committed).toBe(Number(changes[0]!.offset));

    // Acknowledged by the screens (the second repeats the first): the lag is 0.
    const ids = changes.map((c) => c.record.id);
    expect(await first.socket.emitWithAck('message:ack', { ids })).toEqual({ ok: true, data: { acknowledged: changes.length } });
    expect(await second.socket.emitWithAck('message:ack', { ids })).toEqual({ ok: true, data: { acknowledged: 0 } });
    await t.app.bus.flushInboxCommits();
    const after = await inbox(bob.username);
    expect(after.committed).toBe(after.high);
    first.socket.close();
    second.socket.close();
    // Nothing is left for a third screen.
    const third = await catchUp(bob.token);
    expect(third.updates.all).toEqual([]);
    third.socket.close();
  });

  it('a group member away gets the message, then its changes on their own copy, then sync:done', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const group = { id: randomUUID(), name: 'Ops' };
    await t.app.repos.groups.create({ id: group.id, name: group.name, created_by: alice.username, created_at: new Date().toISOString() }, alice.username, [bob.username]);
    const res = await t.app.inject({ method: 'POST', url: GroupApiPaths.messages(group.id), headers: bearer(alice.token), payload: { text: 'deploy at 5' } });
    expect(res.statusCode).toBe(202);
    const { id } = res.json<{ id: string }>();
    const members = [alice.username, bob.username];
    const edit = await groupChange('edit', alice.username, members, id, group, { text: 'deploy at 6' });
    const react = await groupChange('react', alice.username, members, id, group, { emoji: '🚀' });
    await waitUntil(async () => (await changeRow(react, bob.username)) !== undefined, 15_000, 'the reaction stored for bob');

    const screen = await catchUp(bob.token);
    const events = screen.frames.map(([event]) => event).filter((e) => e.startsWith('message:') || e === 'sync:done');
    expect(events).toEqual(['message:batch', 'message:update', 'message:update', 'sync:done']);
    expect(screen.updates.all.map((u) => u.change.id)).toEqual([edit, react]);
    expect(screen.updates.all.at(-1)?.message).toMatchObject({
      id,
      from: alice.username,
      to: bob.username,
      text: 'deploy at 6',
      group,
      reactions: [{ emoji: '🚀', users: [alice.username] }],
    });
    screen.socket.close();
  });

  it('a hide reaches the actor\'s screens as hidden, and only theirs', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const m = await sendTo(alice, bob.username, 'private');
    const bobTab = await connect(t, bob.token);
    const aliceTab = await connect(t, alice.token);
    await Promise.all([waitFor(bobTab, 'sync:done'), waitFor(aliceTab, 'sync:done')]);
    const onAlice = updatesOn(aliceTab);
    const hide = changeRecord('hide', bob.username, bob.username, m.id);
    const heard = waitFor(bobTab, 'message:update', (u) => u.change.id === hide.id);
    await produce(t, hide);
    expect(await heard).toMatchObject({ change: { kind: 'hide', by: bob.username }, message: { id: m.id }, hidden: true });
    // The hider's own change needs no acknowledgement: delivered once stored.
    await waitUntil(async () => (await changeRow(hide.id, bob.username))?.delivered_at != null, 10_000, 'the hide delivered');
    const edit = await change('edit', alice.username, bob.username, m.id, { text: 'private, edited' });
    const edited = await waitFor(bobTab, 'message:update', (u) => u.change.id === edit.record.id);
    // Still hidden for Bob, whatever Alice does to it; Alice never heard of the hide.
    expect(edited).toMatchObject({ hidden: true, message: { text: 'private, edited' } });
    await waitFor(aliceTab, 'message:update', (u) => u.change.id === edit.record.id);
    expect(onAlice.all.map((u) => u.change.id)).toEqual([edit.record.id]);
    expect(onAlice.all[0]?.hidden).toBeUndefined();
    bobTab.close();
    aliceTab.close();
  });
});

describe('message actions, a hide of what no screen acknowledged', () => {
  it('counts the hidden copy as delivered, so the hider\'s inbox commit moves past it', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    // Bob never connects before hiding: no screen of his acknowledges the message.
    const m = await sendTo(alice, bob.username, 'seen in history only');
    await stored(bob.token, alice.username, m.id);
    const hide = await change('hide', bob.username, bob.username, m.id);
    await waitUntil(async () => !(await history(bob.token, alice.username)).has(m.id), 10_000, 'the hide applied');
    const row = await t.app.database.db.selectFrom('messages').select('delivered_at').where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.delivered_at).not.toBeNull();
    // The next acknowledgement round commits past both the message and the hide.
    const later = await sendTo(alice, bob.username, 'after the hide');
    // Stored before Bob connects, so it comes in his catch-up rather than live.
    await stored(bob.token, alice.username, later.id);
    const { socket, frames } = await catchUp(bob.token);
    const batches = frames.filter(([event]) => event === 'message:batch').flatMap(([, p]) => (p as { messages: ChatMessage[] }).messages.map((x) => x.id));
    expect(batches).toEqual([later.id]);
    await new Promise<void>((resolve, reject) => socket.emit('message:ack', { ids: [later.id] }, (r: { ok: boolean }) => (r.ok ? resolve() : reject(new Error('ack refused')))));
    await waitUntil(async () => (await inbox(bob.username)).committed > Number(hide.offset), 10_000, 'the inbox commit past the hidden message');
    socket.close();
  });
});

describe('message actions, never applied twice', () => {
  it('a change produced twice (a producer retry), and an older edit again after a newer one, leave the state of one application', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const m = await sendTo(alice, bob.username, 'lunch?');
    // Reactions are keyed by Alice, the message by Bob: another partition, which may be stored first.
    await stored(alice.token, bob.username, m.id);
    // A producer retry writes the same record twice; a stale edit comes again after a newer one.
    const react = changeRecord('react', bob.username, alice.username, m.id, { emoji: '🍕' });
    const unreact = changeRecord('unreact', bob.username, alice.username, m.id, { emoji: '🍕' });
    const first = changeRecord('edit', alice.username, bob.username, m.id, { text: 'lunch at 12?' });
    const second = changeRecord('edit', alice.username, bob.username, m.id, { text: 'lunch at 1?' });
    for (const r of [react, react, unreact, react, first, second, first]) await produce(t, r);
    const sentinel = await sendTo(bob, alice.username, 'after the changes');
    const sentinel2 = await sendTo(alice, bob.username, 'after the changes too');
    const state = async () => {
      const page = await history(alice.token, bob.username);
      return { message: page.get(m.id), stored: page.has(sentinel.id) && page.has(sentinel2.id) };
    };
    await waitUntil(async () => (await state()).stored, 15_000, 'the records after the changes stored');
    const once = (await state()).message;
    expect(once).toMatchObject({ text: 'lunch at 1?', editedAt: second.at });
    expect(once?.reactions).toBeUndefined();
    const rows = await t.app.database.db.selectFrom('message_changes').select(['id', 'recipient']).where('message_id', '=', m.id).execute();
    expect(rows).toHaveLength(4);
  });

  it('a replay of the history consumer from offset 0 applies nothing again', async () => {
    const app = await startApp({ TOPIC_PARTITIONS: '1' });
    let closed = false;
    try {
      const [alice, bob] = [await register(app), await register(app)];
      const m = await sendTo(alice, bob.username, 'lunch?', app);
      await change('react', bob.username, alice.username, m.id, { emoji: '🍕' }, app);
      await change('unreact', bob.username, alice.username, m.id, { emoji: '🍕' }, app);
      await change('edit', alice.username, bob.username, m.id, { text: 'lunch at 12?' }, app);
      await change('edit', alice.username, bob.username, m.id, { text: 'lunch at 1?' }, app);
      const marker = await sendTo(alice, bob.username, 'marker', app);
      await waitUntil(async () => (await history(alice.token, bob.username, app)).has(marker.id), 15_000, 'the marker stored');
      const before = (await history(alice.token, bob.username, app)).get(m.id);
      expect(before).toMatchObject({ text: 'lunch at 1?' });

      // Replayed: the history group starts over from offset 0, on the same store.
      await app.close();
      closed = true;
      await waitUntil(
        async () => (await admin.describeGroups([app.env.KAFKA_TOPIC_PREFIX + '.history'])).groups[0]?.state === 'Empty',
        30_000,
        'the history group to be empty',
        200,
      );
      await admin.resetOffsets({ groupId: `${app.prefix}.history`, topic: `${app.prefix}.messages`, earliest: true });
      const again = await startApp(app.env);
      try {
        const after = await sendTo(alice, bob.username, 'after the replay', again);
        await waitUntil(async () => (await history(alice.token, bob.username, again)).has(after.id), 15_000, 'the replay to pass the marker');
        const page = await history(alice.token, bob.username, again);
        expect(page.get(m.id)).toEqual(before);
        expect(page.size).toBe(3);
      } finally {
        await again.close();
      }
    } finally {
      if (!closed) await app.close();
      removeDir(app.dataDir);
    }
  });
});

describe('message actions, records that are not ours or name nothing', () => {
  it('an unsigned change is dead-lettered; a signed change for a missing message is recorded, applies to nothing, and stalls nothing', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const topic = `${t.prefix}.messages`;
    const m = await sendTo(alice, bob.username, 'real');
    const bobTab = await connect(t, bob.token);
    await waitFor(bobTab, 'sync:done');
    const forged = changeRecord('edit', alice.username, bob.username, m.id, { text: 'forged' });
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [{ key: bob.username, value: JSON.stringify(forged), headers: { [RecordHeaders.messageId]: forged.id, [RecordHeaders.schemaVersion]: '3' } }],
    });
    await producer.disconnect();
    const missing = await change('edit', alice.username, bob.username, randomUUID(), { text: 'nothing to edit' });
    const after = await sendTo(alice, bob.username, 'still flowing');
    await waitFor(bobTab, 'message:new', ({ message }) => message.id === after.id);
    expect(await bobTab.emitWithAck('message:ack', { ids: [m.id, after.id] })).toEqual({ ok: true, data: { acknowledged: 2 } });

    expect((await history(bob.token, alice.username)).get(m.id)?.text).toBe('real');
    expect(await changeRow(forged.id, bob.username)).toBeUndefined();
    // Recorded, and delivered on Bob's behalf: there is nothing to send him.
    await waitUntil(async () => (await changeRow(missing.record.id, bob.username))?.delivered_at != null, 10_000, 'the change for a missing message delivered');
    await t.app.bus.flushInboxCommits();
    await waitUntil(async () => (await inbox(bob.username)).committed > Number(after.offset), 10_000, "bob's inbox past the last message");
    bobTab.close();
    // The forged one went to the dead-letter topic.
    const consumer = kafka().consumer({ groupId: `${t.prefix}.dlq-check.${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    const reason = await new Promise<string | undefined>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no dead letter for the forged change')), 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (String(message.headers?.[RecordHeaders.messageId]) !== forged.id) return;
          clearTimeout(timer);
          resolve(String(message.headers?.['dlq-reason']));
        },
      });
    });
    await consumer.disconnect();
    expect(reason).toBe('unsigned');
  });
});

describe('replies in the store', () => {
  it('keeps the quote a reply carries, live and in history, and empties it once the original is deleted, even for a reply stored after the delete', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const aliceTab = await connect(t, alice.token);
    await waitFor(aliceTab, 'sync:done');
    const original = await sendTo(alice, bob.username, 'the original');
    const quote = { id: original.id, from: alice.username, text: 'the original' };
    const reply = (text: string): TopicRecord => ({ v: 1, id: randomUUID(), from: bob.username, to: alice.username, text, sentAt: new Date().toISOString(), replyTo: quote });
    const first = reply('a reply');
    const heard = waitFor(aliceTab, 'message:new', ({ message }) => message.id === first.id);
    await produce(t, first);
    expect((await heard).message.replyTo).toEqual(quote);
    await waitUntil(async () => (await history(alice.token, bob.username)).has(first.id), 15_000, 'the reply stored');
    expect((await history(bob.token, alice.username)).get(first.id)?.replyTo).toEqual(quote);

    await change('delete', alice.username, bob.username, original.id);
    await waitUntil(async () => (await history(alice.token, bob.username)).get(original.id)?.deleted === true, 15_000, 'the delete applied');
    // Written after the delete, as a send that passed the route's check just before it could be.
    const late = reply('a late reply');
    await produce(t, late);
    await waitUntil(async () => (await history(alice.token, bob.username)).has(late.id), 15_000, 'the late reply stored');
    const page = await history(bob.token, alice.username);
    expect(page.get(original.id)).toMatchObject({ text: '', deleted: true });
    for (const id of [first.id, late.id]) expect(page.get(id)?.replyTo).toEqual({ id: original.id, from: alice.username, text: '', deleted: true });
    expect(page.get(first.id)?.text).toBe('a reply');
    aliceTab.close();
  });
});

describe('the store holds the contract', () => {
  it('never stores more distinct reactions on a message than MAX_DISTINCT_REACTIONS, even if records race past the route', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const m = await sendTo(alice, bob.username, 'react to me');
    await stored(alice.token, bob.username, m.id);
    const emoji = ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆', '😉', '😊', '😋', '😎', '😍', '😘', '🥰', '😗', '😙', '😚', '🙂', '🤗', '🤩'];
    expect(emoji.length).toBe(MAX_DISTINCT_REACTIONS + 1);
    for (const e of emoji) await change('react', bob.username, alice.username, m.id, { emoji: e });
    // An emoji already there can still be added by someone else.
    const last = await change('react', alice.username, bob.username, m.id, { emoji: emoji[0]! });
    await waitUntil(async () => (await changeRow(last.record.id, bob.username)) !== undefined, 15_000, 'the reactions stored');
    const rows = await t.app.database.db.selectFrom('message_reactions').select(['username', 'emoji']).where('message_id', '=', m.id).execute();
    expect(new Set(rows.map((r) => r.emoji)).size).toBe(MAX_DISTINCT_REACTIONS);
    expect(rows.filter((r) => r.emoji === emoji[0]).map((r) => r.username).sort()).toEqual([alice.username, bob.username].sort());
    expect(rows.some((r) => r.emoji === emoji.at(-1))).toBe(false);
  });
});

describe('message actions across two server processes', () => {
  it('a change produced through one process reaches, and is acknowledged on, screens of the other', async () => {
    const a = t;
    const b = await startApp({ KAFKA_TOPIC_PREFIX: a.prefix, DATA_DIR: a.dataDir, INSTANCE_ID: 'b', KAFKA_CLIENT_ID: randomName('b') });
    try {
      const [alice, bob] = [await register(a), await register(a)];
      const m = await sendTo(alice, bob.username, 'on A');
      const onB = await connect(b, bob.token);
      // Accepted is not yet stored: it comes in the catch-up or live, whichever it makes.
      await collectMessages(onB).until(1);
      expect(await onB.emitWithAck('message:ack', { ids: [m.id] })).toEqual({ ok: true, data: { acknowledged: 1 } });
      const edit = changeRecord('edit', alice.username, bob.username, m.id, { text: 'on A, edited' });
      const heard = waitFor(onB, 'message:update', (u) => u.change.id === edit.id);
      await produce(a, edit);
      expect((await heard).message.text).toBe('on A, edited');
      expect(await onB.emitWithAck('message:ack', { ids: [edit.id] })).toEqual({ ok: true, data: { acknowledged: 1 } });
      onB.close();
      // Delivered: a screen on the first process gets nothing more.
      const again = await catchUp(bob.token, a);
      expect(again.updates.all).toEqual([]);
      again.socket.close();
    } finally {
      await b.close();
    }
  });
});
