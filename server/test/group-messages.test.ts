// Group messages end to end on the real broker and store: one copy per member written in one
// Kafka transaction, pushed live and caught up like 1:1 messages, counted in each member's own
// inbox group, with receipts per member, and membership applying from the change on.
import { GroupApiPaths, type ChatMessage, type GroupReceipts, type MessagesPage } from '@messenger/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { appPerFile, autoAck, bearer, collectMessages, connect, register, send, waitFor } from './helpers/app.js';
import { waitUntil } from './helpers/wait.js';

const t = appPerFile();

const kafka = () => new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING });

async function makeGroup(owner: string, members: string[], name = 'Team') {
  const id = randomUUID();
  await t.app.repos.groups.create({ id, name, created_by: owner, created_at: new Date().toISOString() }, owner, members);
  return id;
}

function sendToGroup(token: string, group: string, text: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: GroupApiPaths.messages(group), headers: { ...bearer(token), ...headers }, payload: { text } });
}

async function history(token: string, group: string) {
  const res = await t.app.inject({ method: 'GET', url: GroupApiPaths.messages(group), headers: bearer(token) });
  return { status: res.statusCode, page: res.statusCode === 200 ? res.json<MessagesPage>() : undefined, body: res.json<unknown>() };
}

/** Who holds a copy of the message, once `count` copies are stored (each member's on its own partition). */
async function storedCopies(group: string, id: string, count: number): Promise<string[]> {
  let copies: string[] = [];
  await waitUntil(
    async () => {
      copies = ((await t.app.repos.groupMessages.groupCopies(group, id)) ?? []).map((c) => c.recipient).sort();
      return copies.length >= count;
    },
    15_000,
    `${count} stored copies of ${id}`,
  );
  return copies;
}

/** The committed offset of `username`'s inbox group on their partition, once it reaches `atLeast`. */
async function inboxCommitted(username: string, atLeast: number): Promise<{ committed: number; high: number }> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const topic = `${t.prefix}.messages`;
    const partition = t.app.bus.partitionFor(username);
    let committed = -1;
    await waitUntil(
      async () => {
        const offsets = await admin.fetchOffsets({ groupId: `${t.prefix}.inbox.${username}`, topics: [topic] });
        committed = Number(offsets[0]?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
        return committed >= atLeast;
      },
      15_000,
      `${username}'s inbox group to reach ${atLeast}`,
    );
    const ends = await admin.fetchTopicOffsets(topic);
    return { committed, high: Number(ends.find((p) => p.partition === partition)?.high) };
  } finally {
    await admin.disconnect();
  }
}

describe('group messages', () => {
  it('gives each member a copy keyed by them, live, with the group named, and per-member receipts', async () => {
    const [alice, bob, carol] = [await register(t), await register(t), await register(t)];
    const group = await makeGroup(alice.username, [bob.username, carol.username], 'Ops');
    const [aliceTab, bobTab, carolTab] = await Promise.all([connect(t, alice.token), connect(t, bob.token), connect(t, carol.token)]);

    const heard = [bobTab, carolTab, aliceTab].map((s) => waitFor(s, 'message:new', ({ message }) => message.text === 'deploy at 5'));
    const res = await sendToGroup(alice.token, group, 'deploy at 5');
    expect(res.statusCode).toBe(202);
    const { id } = res.json<{ id: string }>();
    const [toBob, toCarol, toAlice] = (await Promise.all(heard)).map((d) => d.message);
    expect(toBob).toMatchObject({ id, from: alice.username, to: bob.username, group: { id: group, name: 'Ops' }, state: 'sent' });
    expect(toCarol).toMatchObject({ id, to: carol.username });
    expect(toAlice).toMatchObject({ id, to: alice.username });

    // Every member's copy is its own record on the topic, keyed by that member.
    expect(await storedCopies(group, id, 3)).toEqual([alice.username, bob.username, carol.username].sort());

    // Bob acknowledges: his inbox group moves past his copy; Alice hears "delivered" from Bob.
    const delivered = waitFor(aliceTab, 'receipt:update', (r) => r.group === group && r.state === 'delivered');
    expect(await bobTab.emitWithAck('message:ack', { ids: [id] })).toEqual({ ok: true, data: { acknowledged: 1 } });
    expect(await delivered).toMatchObject({ peer: bob.username, ids: [id] });
    const bobCopy = (await t.app.repos.groupMessages.groupCopies(group, id)) ?? [];
    expect(bobCopy.find((c) => c.recipient === bob.username)?.delivered_at).not.toBeNull();

    // Carol reads (without acking first): Alice hears "read" from Carol.
    const read = waitFor(aliceTab, 'receipt:update', (r) => r.group === group && r.state === 'read');
    const readRes = await t.app.inject({ method: 'POST', url: GroupApiPaths.read(group), headers: bearer(carol.token), payload: { upTo: id } });
    expect(readRes.statusCode).toBe(200);
    expect(await read).toMatchObject({ peer: carol.username, ids: [id] });

    const receipts = await t.app.inject({ method: 'GET', url: GroupApiPaths.receipts(group, id), headers: bearer(alice.token) });
    expect(receipts.json<GroupReceipts>()).toEqual({ id, of: 2, delivered: [bob.username, carol.username].sort(), read: [carol.username] });
    // Only the sender asks who has their message.
    expect((await t.app.inject({ method: 'GET', url: GroupApiPaths.receipts(group, id), headers: bearer(bob.token) })).statusCode).toBe(404);

    for (const s of [aliceTab, bobTab, carolTab]) s.close();
  });

  it('counts an offline member’s group messages as lag of their own inbox group, and catches them up in order once', async () => {
    const [alice, bob, dave] = [await register(t), await register(t), await register(t)];
    const group = await makeGroup(alice.username, [bob.username, dave.username]);
    let ownCopy = { partition: -1, offset: '-1' };
    for (const text of ['g1', 'g2', 'g3']) {
      const res = await sendToGroup(alice.token, group, text);
      expect(res.statusCode).toBe(202);
      ownCopy = res.json<{ partition: number; offset: string }>();
    }
    // The sender never connected, yet her inbox group moves past her own copies: they are not
    // lag (a bot that only posts would otherwise grow it forever).
    expect(ownCopy.partition).toBe(t.app.bus.partitionFor(alice.username));
    expect((await inboxCommitted(alice.username, Number(ownCopy.offset) + 1)).committed).toBeGreaterThan(Number(ownCopy.offset));
    // A 1:1 message between them stays separate from the group's.
    expect((await send(t, alice.token, dave.username, 'direct')).statusCode).toBe(202);

    const socket = await connect(t, dave.token);
    const inbox = collectMessages(socket);
    const acks = autoAck(socket, dave.username);
    await inbox.until(4);
    expect(inbox.texts).toEqual(['g1', 'g2', 'g3', 'direct']);
    expect(inbox.received).toBe(4);
    await acks.settled();
    // Everything of Dave's acknowledged: his inbox group has no lag on his partition.
    const { committed, high } = await inboxCommitted(dave.username, 1);
    expect(high - committed).toBe(0);

    const page = await history(dave.token, group);
    expect(page.page?.messages.map((m) => m.text)).toEqual(['g3', 'g2', 'g1']);
    expect(page.page?.messages.every((m) => m.group?.id === group && m.to === dave.username)).toBe(true);
    // The sender's own history holds their own copies, already read.
    const own = await history(alice.token, group);
    expect(own.page?.messages.map((m) => [m.text, m.state])).toEqual([
      ['g3', 'read'],
      ['g2', 'read'],
      ['g1', 'read'],
    ]);
    socket.close();
  });

  it('applies membership from the change on: a removed member gets nothing more, a new one sees history from joining', async () => {
    const [alice, bob, carol, erin] = [await register(t), await register(t), await register(t), await register(t)];
    const group = await makeGroup(alice.username, [bob.username, carol.username]);
    expect((await sendToGroup(alice.token, group, 'before')).statusCode).toBe(202);

    const carolTab = await connect(t, carol.token);
    const carolInbox = collectMessages(carolTab);
    await carolInbox.until(1);
    // Through the management API, as a client would.
    const removed = await t.app.inject({ method: 'DELETE', url: GroupApiPaths.member(group, carol.username), headers: bearer(alice.token) });
    expect(removed.statusCode).toBe(204);
    const added = await t.app.inject({ method: 'POST', url: GroupApiPaths.members(group), headers: bearer(alice.token), payload: { usernames: [erin.username] } });
    expect(added.statusCode).toBe(200);

    const after = await sendToGroup(alice.token, group, 'after');
    expect(after.statusCode).toBe(202);
    // Carol's records share her partition in order: a copy of "after" would reach her before this.
    expect((await send(t, alice.token, carol.username, 'marker')).statusCode).toBe(202);
    await carolInbox.until(2);
    expect(carolInbox.texts).toEqual(['before', 'marker']);
    expect(await storedCopies(group, after.json<{ id: string }>().id, 3)).toEqual([alice.username, bob.username, erin.username].sort());

    // Erin sees the group from her joining on; Carol cannot read it any more.
    const erinPage = await history(erin.token, group);
    expect(erinPage.page?.messages.map((m) => m.text)).toEqual(['after']);
    expect(await history(carol.token, group)).toMatchObject({ status: 404, body: { error: { code: 'group_not_found' } } });
    carolTab.close();
  });

  it('refuses non-members on every message route and drops their typing', async () => {
    const [alice, bob, mallory] = [await register(t), await register(t), await register(t)];
    const group = await makeGroup(alice.username, [bob.username]);
    const sent = await sendToGroup(alice.token, group, 'secret plan');
    const id = sent.json<{ id: string }>().id;
    const notFound = { error: { code: 'group_not_found', message: expect.any(String) } };
    for (const [method, url, payload] of [
      ['POST', GroupApiPaths.messages(group), { text: 'let me in' }],
      ['GET', GroupApiPaths.messages(group), undefined],
      ['POST', GroupApiPaths.read(group), { upTo: id }],
      ['GET', GroupApiPaths.receipts(group, id), undefined],
      ['POST', GroupApiPaths.messages(randomUUID()), { text: 'no such group' }],
      ['GET', GroupApiPaths.messages('not-a-uuid'), undefined],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: bearer(mallory.token), ...(payload ? { payload } : {}) });
      expect({ url, method, status: res.statusCode, body: res.json<unknown>() }).toEqual({ url, method, status: 404, body: notFound });
    }
    // Nothing was produced for her: no copy of hers exists.
    expect(await storedCopies(group, id, 2)).toEqual([alice.username, bob.username].sort());

    const bobTab = await connect(t, bob.token);
    const [aliceTab, malloryTab] = await Promise.all([connect(t, alice.token), connect(t, mallory.token)]);
    const typing: { from: string; group?: string }[] = [];
    bobTab.on('typing:update', (u) => typing.push(u));
    malloryTab.emit('typing:set', { group, typing: true });
    // Mallory's socket handles its events in order: once this answers, her typing was dropped or sent.
    await malloryTab.emitWithAck('presence:query', { usernames: [bob.username] });
    const fromAlice = waitFor(bobTab, 'typing:update', (u) => u.from === alice.username);
    aliceTab.emit('typing:set', { group, typing: true });
    expect(await fromAlice).toEqual({ from: alice.username, typing: true, group });
    expect(typing.map((u) => u.from)).toEqual([alice.username]);
    for (const s of [aliceTab, bobTab, malloryTab]) s.close();
  });

  it('answers a retried send (same Idempotency-Key) with the same message, written once per member', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const group = await makeGroup(alice.username, [bob.username]);
    const headers = { 'idempotency-key': `k-${randomUUID()}` };
    const [first, second] = await Promise.all([sendToGroup(alice.token, group, 'once', headers), sendToGroup(alice.token, group, 'once', headers)]);
    const third = await sendToGroup(alice.token, group, 'once', headers);
    expect([first.statusCode, second.statusCode, third.statusCode]).toEqual([202, 202, 202]);
    const id = first.json<{ id: string }>().id;
    expect([second.json<{ id: string }>().id, third.json<{ id: string }>().id]).toEqual([id, id]);
    // The same key for another target is a conflict, not a silent repeat.
    expect((await send(t, alice.token, bob.username, 'once', headers)).statusCode).toBe(409);
    const socket = await connect(t, bob.token);
    const inbox = collectMessages(socket);
    let done: Promise<{ delivered: number }> | undefined;
    const again = await connect(t, bob.token, { before: (s) => (done = waitFor(s, 'sync:done')) });
    expect((await done)?.delivered).toBe(1);
    await inbox.until(1);
    expect(inbox.texts).toEqual(['once']);
    socket.close();
    again.close();
  });

  it('stores and pushes nothing of an aborted fan-out transaction (consumers read committed)', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const group = await makeGroup(alice.username, [bob.username]);
    const bobTab = await connect(t, bob.token);
    const inbox = collectMessages(bobTab);
    // A fan-out that dies before its commit: correctly signed copies, then an abort.
    const producer = kafka().producer({ transactionalId: `${t.prefix}.fanout.test-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const copy = (to: string, text: string) => {
      const record = { v: 2 as const, id: randomUUID(), from: alice.username, to, text, sentAt: new Date().toISOString(), group: { id: group, name: 'Team' } };
      const { value, headers } = t.app.recordCodec.encode(record);
      return { key: to, value, headers };
    };
    const tx = await producer.transaction();
    await tx.send({ topic: `${t.prefix}.messages`, acks: -1, messages: [copy(bob.username, 'aborted'), copy(alice.username, 'aborted')] });
    await tx.abort();
    await producer.disconnect();
    expect((await sendToGroup(alice.token, group, 'committed')).statusCode).toBe(202);
    await inbox.until(1);
    expect(inbox.texts).toEqual(['committed']);
    const page = await history(bob.token, group);
    expect(page.page?.messages.map((m: ChatMessage) => m.text)).toEqual(['committed']);
    bobTab.close();
  });
});
