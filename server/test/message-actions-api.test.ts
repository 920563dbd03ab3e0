// The message-action routes (issue 18) against the real broker and store: who may change which
// message (every refusal with its status and code), the change records on the topic as a plain
// Kafka consumer reads them (keyed by whose view they change, version 3, signed so the server's
// own codec accepts them), Idempotency-Key, and reply quotes on POST /send and group sends.
import {
  GroupApiPaths,
  MAX_DISTINCT_REACTIONS,
  MAX_EMOJI_LENGTH,
  MessageActionPaths,
  REPLY_EXCERPT_LENGTH,
  type ChangeResponse,
  type CreatedApiToken,
  type SendResponse,
} from '@messenger/protocol';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RawRecord } from '../src/kafka/bus.js';
import { appPerFile, bearer, randomName, register, removeDir, send, startApp, type TestApp } from './helpers/app.js';
import { waitUntil } from './helpers/wait.js';

const t = appPerFile();
const kafka = new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING });

// Every record on the messages topic, as a plain consumer (read committed) sees it.
const onTopic: RawRecord[] = [];
// Which producer wrote each record (partition:offset), and whether inside a transaction: read from
// the record batch's header, which kafkajs keeps on each message as `batchContext` (not typed).
const writtenBy = new Map<string, { producerId: string; inTransaction: boolean }>();
let consumer: Consumer;
beforeAll(async () => {
  consumer = kafka.consumer({ groupId: `${t.prefix}.verify.${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: `${t.prefix}.messages`, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
      onTopic.push({ topic, partition, offset: Number(message.offset), key: message.key?.toString() ?? null, value: message.value, headers, timestamp: message.timestamp });
      const batch = (message as { batchContext?: { producerId: string; inTransaction: boolean } }).batchContext;
      if (batch) writtenBy.set(`${partition}:${message.offset}`, { producerId: batch.producerId, inTransaction: batch.inTransaction });
    },
  });
});
afterAll(async () => {
  await consumer?.disconnect();
});

type Decoded = { key: string | null; header: string | undefined; record: Record<string, unknown>; writtenBy: { producerId: string; inTransaction: boolean } | undefined };

/** The records whose id is `id`, once `count` are on the topic; each decoded by the server's own codec. */
async function recordsOf(id: string, count: number): Promise<Decoded[]> {
  const found = () => onTopic.filter((r) => r.headers['message-id'] === id);
  await waitUntil(() => found().length >= count, 15_000, `${count} record(s) of ${id} on the topic`, 20);
  return found().map((raw) => {
    const decoded = t.app.recordCodec.decode(raw);
    // Signed, well-formed and keyed as the server's consumers require; they would dead-letter it otherwise.
    if (!decoded.ok) throw new Error(`the server refuses record ${id}: ${decoded.reason} ${decoded.error}`);
    return { key: raw.key, header: raw.headers['message-id'], record: decoded.record as unknown as Record<string, unknown>, writtenBy: writtenBy.get(`${raw.partition}:${raw.offset}`) };
  });
}

/** Waits until the history store holds message `id` as `viewer` can act on it. */
async function stored(id: string, viewer: string): Promise<void> {
  await waitUntil(async () => (await t.app.repos.messageActions.forActor(id, viewer)) !== undefined, 15_000, `${id} stored`, 20);
}

async function sent(token: string, to: string, text: string, extra: Record<string, unknown> = {}): Promise<SendResponse> {
  const res = await t.app.inject({ method: 'POST', url: '/send', headers: bearer(token), payload: { to, text, ...extra } });
  expect(res.statusCode, res.body).toBe(202);
  return res.json<SendResponse>();
}

function act(token: string | undefined, method: 'PATCH' | 'DELETE' | 'PUT', url: string, extra: { payload?: Record<string, unknown>; key?: string } = {}) {
  const headers = { ...(token ? bearer(token) : {}), ...(extra.key ? { 'idempotency-key': extra.key } : {}) };
  return extra.payload === undefined ? t.app.inject({ method, url, headers }) : t.app.inject({ method, url, headers, payload: extra.payload });
}
const edit = (token: string | undefined, id: string, text: string, key?: string) =>
  act(token, 'PATCH', MessageActionPaths.message(id), { payload: { text }, ...(key ? { key } : {}) });
const remove = (token: string, id: string, scope: string, key?: string) =>
  act(token, 'DELETE', `${MessageActionPaths.message(id)}?for=${scope}`, key ? { key } : {});
const react = (token: string, id: string, emoji: string) => act(token, 'PUT', MessageActionPaths.reaction(id, emoji));
const unreact = (token: string, id: string, emoji: string) => act(token, 'DELETE', MessageActionPaths.reaction(id, emoji));

function refused(res: { statusCode: number; json: () => unknown }, status: number, code: string) {
  expect([res.statusCode, (res.json() as { error?: { code?: string } }).error?.code]).toEqual([status, code]);
}

async function conversation() {
  const [alice, bob] = [await register(t), await register(t)];
  const message = await sent(alice.token, bob.username, 'see you at 5');
  await stored(message.id, bob.username);
  return { alice, bob, id: message.id };
}

async function makeGroup(owner: string, members: string[]) {
  const id = randomUUID();
  await t.app.repos.groups.create({ id, name: 'Crew', created_by: owner, created_at: new Date().toISOString() }, owner, members);
  return id;
}

describe('change records', () => {
  it('1:1: keyed by the other side (the author\'s edit to the recipient, a reaction to the author), hide by the actor, v3 and signed', async () => {
    const { alice, bob, id } = await conversation();

    const edited = await edit(alice.token, id, 'see you at 6');
    expect(edited.statusCode, edited.body).toBe(202);
    const change = edited.json<ChangeResponse>();
    expect(change).toMatchObject({ messageId: id, kind: 'edit' });
    expect(change.id).not.toBe(id);
    const [editRecord] = await recordsOf(change.id, 1);
    expect(editRecord).toMatchObject({
      key: bob.username,
      header: change.id,
      // One record needs no transaction: the batched idempotent producer writes it, as a 1:1 message.
      writtenBy: { inTransaction: false },
    });
    expect(editRecord?.record).toEqual({ v: 3, id: change.id, kind: 'edit', messageId: id, from: alice.username, to: bob.username, at: change.at, text: 'see you at 6' });

    const reacted = (await react(bob.token, id, '👍')).json<ChangeResponse>();
    const [reactRecord] = await recordsOf(reacted.id, 1);
    expect(reactRecord?.key).toBe(alice.username);
    expect(reactRecord?.record).toMatchObject({ v: 3, kind: 'react', from: bob.username, to: alice.username, emoji: '👍', messageId: id });

    const taken = (await unreact(bob.token, id, '👍')).json<ChangeResponse>();
    expect((await recordsOf(taken.id, 1))[0]?.record).toMatchObject({ kind: 'unreact', to: alice.username, emoji: '👍' });

    const hidden = (await remove(bob.token, id, 'me')).json<ChangeResponse>();
    expect(hidden.kind).toBe('hide');
    const [hideRecord] = await recordsOf(hidden.id, 1);
    expect(hideRecord?.key).toBe(bob.username);
    expect(hideRecord?.record).toMatchObject({ kind: 'hide', from: bob.username, to: bob.username });

    const deleted = await remove(alice.token, id, 'everyone');
    expect(deleted.statusCode, deleted.body).toBe(202);
    const [deleteRecord] = await recordsOf(deleted.json<ChangeResponse>().id, 1);
    expect(deleteRecord?.key).toBe(bob.username);
    expect(deleteRecord?.record).toMatchObject({ kind: 'delete', from: alice.username, to: bob.username });
    expect(deleteRecord?.record).not.toHaveProperty('text');
  });

  it('a group: one record per member holding a copy, the author included; none to a member who joined later', async () => {
    const [alice, bob, carol, dave] = [await register(t), await register(t), await register(t), await register(t)];
    const group = await makeGroup(alice.username, [bob.username, carol.username]);
    const res = await t.app.inject({ method: 'POST', url: GroupApiPaths.messages(group), headers: bearer(alice.token), payload: { text: 'standup?' } });
    const { id } = res.json<SendResponse>();
    await stored(id, carol.username);
    await stored(id, alice.username);
    await stored(id, bob.username);
    // Dave joins after the message: he never got it, so he must not get its new text either.
    expect(await t.app.repos.groups.addMembers(group, [dave.username], new Date().toISOString(), 100)).toEqual([dave.username]);

    const change = (await edit(alice.token, id, 'standup at 10?')).json<ChangeResponse>();
    const records = await recordsOf(change.id, 3);
    expect(records.map((r) => r.key).sort()).toEqual([alice.username, bob.username, carol.username].sort());
    for (const r of records) {
      expect(r.record).toMatchObject({ v: 3, id: change.id, kind: 'edit', from: alice.username, to: r.key, text: 'standup at 10?', group: { id: group, name: 'Crew' } });
    }
    // All in one Kafka transaction: the fan-out producer's, one producer id for every copy.
    expect(records.map((r) => r.writtenBy?.inTransaction)).toEqual([true, true, true]);
    expect(new Set(records.map((r) => r.writtenBy?.producerId)).size).toBe(1);
    refused(await react(dave.token, id, '🎉'), 404, 'message_not_found');

    // Hiding a group message changes only the hider's view: one record.
    const hidden = (await remove(carol.token, id, 'me')).json<ChangeResponse>();
    const hideRecords = await recordsOf(hidden.id, 1);
    expect(hideRecords.map((r) => r.key)).toEqual([carol.username]);
    expect(hideRecords[0]?.record).toMatchObject({ kind: 'hide', to: carol.username, group: { id: group } });

    // A member who left may no longer act on it.
    await t.app.repos.groups.removeMember(group, bob.username);
    refused(await react(bob.token, id, '👍'), 404, 'message_not_found');
    // All records are on the topic by now; the later one was the only one with a different id.
    expect(onTopic.filter((r) => r.headers['message-id'] === change.id)).toHaveLength(3);
  });

  it('Idempotency-Key: the same key and request give the same change and one record; another request is 409', async () => {
    const { alice, bob, id } = await conversation();
    const key = randomName('key');
    const [a, b] = await Promise.all([edit(alice.token, id, 'fixed', key), edit(alice.token, id, 'fixed', key)]);
    const c = await edit(alice.token, id, 'fixed', key);
    expect([a.statusCode, b.statusCode, c.statusCode]).toEqual([202, 202, 202]);
    const ids = new Set([a, b, c].map((r) => r.json<ChangeResponse>().id));
    expect(ids.size).toBe(1);
    refused(await edit(alice.token, id, 'fixed again', key), 409, 'idempotency_conflict');
    refused(await remove(alice.token, id, 'everyone', key), 409, 'idempotency_conflict');

    // A refused request never claims its key (a claim stands for a checked request, which another
    // instance finding it may replay unchecked), so the same key is free for a later one.
    const bobKey = randomName('key');
    refused(await edit(bob.token, id, 'not mine', bobKey), 403, 'not_message_author');
    expect(await t.app.repos.idempotency.find(bob.username, bobKey)).toBeUndefined();
    expect((await act(bob.token, 'PUT', MessageActionPaths.reaction(id, '👍'), { key: bobKey })).statusCode).toBe(202);

    // A delete replayed after the store applied it still answers with the same change.
    const deleteKey = randomName('key');
    const first = (await remove(alice.token, id, 'everyone', deleteKey)).json<ChangeResponse>();
    await t.app.database.db.updateTable('messages').set({ text: '', deleted_at: new Date().toISOString() }).where('id', '=', id).execute();
    const replay = await remove(alice.token, id, 'everyone', deleteKey);
    expect(replay.statusCode, replay.body).toBe(202);
    expect(replay.json<ChangeResponse>()).toEqual(first);

    // The delete came after the edits on the same partition (bob's): once it is read, every
    // record of the edit is, and there is exactly one.
    await recordsOf(first.id, 1);
    const [only] = [...ids];
    expect(onTopic.filter((r) => r.headers['message-id'] === only)).toHaveLength(1);
  });
});

describe('refusals', () => {
  it('only the author edits or deletes for everyone; strangers see no message at all', async () => {
    const { alice, bob, id } = await conversation();
    const carol = await register(t);
    refused(await edit(bob.token, id, 'not mine'), 403, 'not_message_author');
    refused(await remove(bob.token, id, 'everyone'), 403, 'not_message_author');
    for (const res of [
      await edit(carol.token, id, 'hijack'),
      await remove(carol.token, id, 'everyone'),
      await remove(carol.token, id, 'me'),
      await react(carol.token, id, '👍'),
      await unreact(carol.token, id, '👍'),
      await edit(alice.token, randomUUID(), 'no such message'),
      await edit(alice.token, 'not-an-id', 'no such message'),
    ]) {
      refused(res, 404, 'message_not_found');
    }
    refused(await edit(undefined, id, 'anonymous'), 401, 'unauthorized');
  });

  it('an API token needs the send scope', async () => {
    const { alice, id } = await conversation();
    const token = async (scopes: string[]) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(alice.token), payload: { name: randomName('tok'), scopes } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<CreatedApiToken>().secret;
    };
    const reader = await token(['read']);
    refused(await edit(reader, id, 'by a read token'), 403, 'insufficient_scope');
    refused(await react(reader, id, '👍'), 403, 'insufficient_scope');
    expect((await edit(await token(['send']), id, 'by a send token')).statusCode).toBe(202);
  });

  it('the edit window closes MESSAGE_EDIT_WINDOW_SECONDS (48 h by default) after sending, for edits and deletes for everyone only', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    // A message from three days ago, as the store would hold it.
    const id = randomUUID();
    const sentAt = new Date(Date.now() - 72 * 3_600_000).toISOString();
    await t.app.database.db
      .insertInto('messages')
      .values({
        id,
        sender: alice.username,
        recipient: bob.username,
        conversation: [alice.username, bob.username].sort().join('|'),
        text: 'old news',
        sent_at: sentAt,
        kafka_partition: 0,
        kafka_offset: 0,
        delivered_at: null,
        read_at: null,
        group_name: null,
        edited_at: null,
        deleted_at: null,
        reply_to_id: null,
        reply_to_sender: null,
        reply_to_text: null,
      })
      .execute();
    refused(await edit(alice.token, id, 'rewriting history'), 403, 'edit_window_closed');
    refused(await remove(alice.token, id, 'everyone'), 403, 'edit_window_closed');
    // Reactions and deleting for oneself have no window.
    expect((await react(bob.token, id, '👍')).statusCode).toBe(202);
    expect((await remove(alice.token, id, 'me')).statusCode).toBe(202);
  });

  it('a deleted message takes nothing but a hide; a hidden one is gone for the hider', async () => {
    const { alice, bob, id } = await conversation();
    // As the store leaves it once the delete record is applied.
    await t.app.database.db.updateTable('messages').set({ text: '', deleted_at: new Date().toISOString() }).where('id', '=', id).execute();
    refused(await edit(alice.token, id, 'back again'), 409, 'message_deleted');
    refused(await remove(alice.token, id, 'everyone'), 409, 'message_deleted');
    refused(await react(bob.token, id, '👍'), 409, 'message_deleted');
    expect((await remove(bob.token, id, 'me')).statusCode).toBe(202);

    const other = await sent(alice.token, bob.username, 'hide me');
    await stored(other.id, bob.username);
    await t.app.database.db.insertInto('hidden_messages').values({ username: bob.username, message_id: other.id, hidden_at: new Date().toISOString() }).execute();
    refused(await react(bob.token, other.id, '👍'), 404, 'message_not_found');
    refused(await remove(bob.token, other.id, 'me'), 404, 'message_not_found');
    // Still there for the other side.
    expect((await react(alice.token, other.id, '👍')).statusCode).toBe(202);
  });

  it('a reaction is one emoji, and a message carries at most 20 different ones', async () => {
    const { alice, bob, id } = await conversation();
    for (const bad of ['a', '👍👍', '<script>', 'ok👍', ' ']) {
      refused(await react(bob.token, id, bad), 400, 'validation_failed');
      refused(await unreact(bob.token, id, bad), 400, 'validation_failed');
    }
    for (const ok of ['👍', '❤️', '👍🏽', '🇫🇷', '👩‍💻', '1️⃣']) expect((await react(bob.token, id, ok)).statusCode, ok).toBe(202);

    // Twenty different emoji already on it, as the store holds them.
    const emoji = Array.from({ length: MAX_DISTINCT_REACTIONS }, (_, i) => String.fromCodePoint(0x1f600 + i));
    await t.app.database.db
      .insertInto('message_reactions')
      .values(emoji.map((e) => ({ message_id: id, username: alice.username, emoji: e, reacted_at: new Date().toISOString() })))
      .execute();
    refused(await react(bob.token, id, '🎉'), 409, 'too_many_reactions');
    // One already there is no new kind: reacting with it, or again with my own, is a 202 no-op change.
    expect((await react(bob.token, id, emoji[0] ?? '')).statusCode).toBe(202);
    expect((await react(alice.token, id, emoji[0] ?? '')).statusCode).toBe(202);
    expect((await unreact(bob.token, id, '🎉')).statusCode).toBe(202);
  });

  it('refuses a path the router cannot read (not UTF-8, a part past 100 characters) in the error contract, not Fastify\'s shape', async () => {
    const { alice, bob, id } = await conversation();
    // The longest emoji the contract allows still reach the route (the router counts decoded characters).
    expect((await react(bob.token, id, '👩🏻\u200d❤️\u200d💋\u200d👨🏼')).statusCode).toBe(202);
    refused(await react(bob.token, id, '\u2764'.repeat(MAX_EMOJI_LENGTH)), 400, 'validation_failed');
    // Fastify answered these {"error":"Bad Request","code":"FST_ERR_…"} (414 for the long ones),
    // which no client of the contract can read.
    refused(await act(bob.token, 'PUT', `${MessageActionPaths.message(id)}/reactions/${'a'.repeat(5000)}`), 400, 'bad_request');
    refused(await act(alice.token, 'PATCH', `/api/messages/${'x'.repeat(3000)}`, { payload: { text: 'hi' } }), 400, 'bad_request');
    refused(await act(bob.token, 'PUT', `${MessageActionPaths.message(id)}/reactions/%FF`), 400, 'bad_request');
    refused(await act(bob.token, 'PUT', `${MessageActionPaths.message(id)}/reactions/%E2%80`), 400, 'bad_request');
  });

  it('DELETE needs for=everyone or for=me; an edit needs valid text', async () => {
    const { alice, id } = await conversation();
    refused(await act(alice.token, 'DELETE', MessageActionPaths.message(id)), 400, 'validation_failed');
    refused(await remove(alice.token, id, 'all'), 400, 'validation_failed');
    refused(await edit(alice.token, id, ''), 400, 'validation_failed');
    refused(await edit(alice.token, id, '\u200b'), 400, 'validation_failed');
    refused(await act(alice.token, 'PATCH', MessageActionPaths.message(id), { payload: { text: 'x', extra: 1 } }), 400, 'validation_failed');
  });
});

describe('replies', () => {
  it('quote the original, cut to REPLY_EXCERPT_LENGTH code points, in the record', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    // 150 astral emoji and 100 letters: 250 code points, 400 UTF-16 units.
    const long = `${'😀'.repeat(150)}${'a'.repeat(100)}`;
    const original = await sent(alice.token, bob.username, long);
    await stored(original.id, bob.username);
    const reply = await sent(bob.token, alice.username, 'agreed', { replyTo: original.id });
    const [record] = await recordsOf(reply.id, 1);
    const quote = `${'😀'.repeat(150)}${'a'.repeat(REPLY_EXCERPT_LENGTH - 150)}`;
    expect(record?.record).toMatchObject({ v: 1, id: reply.id, from: bob.username, to: alice.username, text: 'agreed', replyTo: { id: original.id, from: alice.username, text: quote } });

    // A short one is quoted whole; one's own message can be answered too.
    await stored(reply.id, bob.username);
    const own = await sent(bob.token, alice.username, 'me too', { replyTo: reply.id });
    expect((await recordsOf(own.id, 1))[0]?.record).toMatchObject({ replyTo: { id: reply.id, from: bob.username, text: 'agreed' } });
  });

  it('refuse a message of another conversation (404) or a deleted one (409), on /send and in groups', async () => {
    const [alice, bob, carol] = [await register(t), await register(t), await register(t)];
    const toCarol = await sent(alice.token, carol.username, 'private');
    await stored(toCarol.id, carol.username);
    const res = await t.app.inject({ method: 'POST', url: '/send', headers: bearer(alice.token), payload: { to: bob.username, text: 'fwd', replyTo: toCarol.id } });
    refused(res, 404, 'message_not_found');
    // Carol cannot quote it to bob either, nor bob (not his) to anyone.
    refused(await t.app.inject({ method: 'POST', url: '/send', headers: bearer(bob.token), payload: { to: alice.username, text: 'x', replyTo: toCarol.id } }), 404, 'message_not_found');
    refused(await t.app.inject({ method: 'POST', url: '/send', headers: bearer(alice.token), payload: { to: bob.username, text: 'x', replyTo: randomUUID() } }), 404, 'message_not_found');

    const group = await makeGroup(alice.username, [bob.username]);
    const toGroup = (token: string, replyTo: string) =>
      t.app.inject({ method: 'POST', url: GroupApiPaths.messages(group), headers: bearer(token), payload: { text: 're', replyTo } });
    refused(await toGroup(alice.token, toCarol.id), 404, 'message_not_found');
    const inGroup = (await t.app.inject({ method: 'POST', url: GroupApiPaths.messages(group), headers: bearer(alice.token), payload: { text: 'lunch?' } })).json<SendResponse>();
    await stored(inGroup.id, bob.username);
    const groupReply = await toGroup(bob.token, inGroup.id);
    expect(groupReply.statusCode, groupReply.body).toBe(202);
    const records = await recordsOf(groupReply.json<SendResponse>().id, 2);
    for (const r of records) expect(r.record).toMatchObject({ v: 2, replyTo: { id: inGroup.id, from: alice.username, text: 'lunch?' } });
    // A group message quoted in a 1:1 conversation is not of that conversation.
    refused(await t.app.inject({ method: 'POST', url: '/send', headers: bearer(bob.token), payload: { to: alice.username, text: 'x', replyTo: inGroup.id } }), 404, 'message_not_found');
    // Someone not in the group is told so first, whatever they quote (the route's contract).
    refused(await toGroup(carol.token, toCarol.id), 404, 'group_not_found');
    refused(await toGroup(carol.token, inGroup.id), 404, 'group_not_found');

    await t.app.database.db.updateTable('messages').set({ text: '', deleted_at: new Date().toISOString() }).where('id', '=', toCarol.id).execute();
    refused(await t.app.inject({ method: 'POST', url: '/send', headers: bearer(carol.token), payload: { to: alice.username, text: 'x', replyTo: toCarol.id } }), 409, 'message_deleted');
  });

  it('replyTo is part of the Idempotency-Key request', async () => {
    const { alice, bob, id } = await conversation();
    const key = randomName('key');
    const first = await send(t, bob.token, alice.username, 'yes', { 'idempotency-key': key });
    expect(first.statusCode).toBe(202);
    const asReply = await t.app.inject({ method: 'POST', url: '/send', headers: { ...bearer(bob.token), 'idempotency-key': key }, payload: { to: alice.username, text: 'yes', replyTo: id } });
    refused(asReply, 409, 'idempotency_conflict');
    const key2 = randomName('key');
    const reply = () => t.app.inject({ method: 'POST', url: '/send', headers: { ...bearer(bob.token), 'idempotency-key': key2 }, payload: { to: alice.username, text: 'yes', replyTo: id } });
    const [a, b] = [await reply(), await reply()];
    expect(b.json<SendResponse>().id).toBe(a.json<SendResponse>().id);
  });
});

describe('Kafka away', () => {
  it('answers 503 kafka_unavailable with Retry-After, and a retry with the same key reuses the change id', async () => {
    const first = await startApp();
    let second: TestApp | undefined;
    try {
      const inject = (app: TestApp, token: string, id: string, key: string) =>
        app.app.inject({ method: 'PATCH', url: MessageActionPaths.message(id), headers: { ...bearer(token), 'idempotency-key': key }, payload: { text: 'v2' } });
      const [alice, bob] = [await register(first), await register(first)];
      const res = await first.app.inject({ method: 'POST', url: '/send', headers: bearer(alice.token), payload: { to: bob.username, text: 'v1' } });
      const { id } = res.json<SendResponse>();
      await waitUntil(async () => (await first.app.repos.messageActions.forActor(id, alice.username)) !== undefined, 15_000, 'stored', 20);
      // The producer stops (as on shutdown): nothing can reach Kafka from this process.
      await first.app.bus.close();
      const key = randomName('key');
      const unavailable = await inject(first, alice.token, id, key);
      expect([unavailable.statusCode, unavailable.json<{ error: { code: string } }>().error.code]).toEqual([503, 'kafka_unavailable']);
      expect(Number(unavailable.headers['retry-after'])).toBeGreaterThan(0);
      // The key stays claimed: the change may have reached Kafka, so a retry must reuse its id.
      const claimed = await first.app.repos.idempotency.find(alice.username, key);
      expect(claimed?.kafka_offset).toBeNull();
      await first.close();

      second = await startApp(first.env);
      const retried = await inject(second, alice.token, id, key);
      expect(retried.statusCode, retried.body).toBe(202);
      expect(retried.json<ChangeResponse>()).toMatchObject({ id: claimed?.message_id, at: claimed?.sent_at, messageId: id, kind: 'edit' });
    } finally {
      await second?.close();
      removeDir(first.dataDir);
    }
  });
});

describe('OpenAPI', () => {
  it('documents the four routes with their answers and the Idempotency-Key header', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown>; parameters?: { in: string; name: string }[] }>>;
    }>();
    const routes = [
      ['/api/messages/{id}', 'patch'],
      ['/api/messages/{id}', 'delete'],
      ['/api/messages/{id}/reactions/{emoji}', 'put'],
      ['/api/messages/{id}/reactions/{emoji}', 'delete'],
    ] as const;
    for (const [path, method] of routes) {
      const op = spec.paths[path]?.[method];
      expect(op?.tags, `${method} ${path}`).toEqual(['messages']);
      expect(Object.keys(op?.responses ?? {}), `${method} ${path}`).toEqual(expect.arrayContaining(['202', '400', '401', '403', '404', '409', '429', '503']));
      expect(op?.parameters, `${method} ${path}`).toContainEqual(expect.objectContaining({ in: 'header', name: 'idempotency-key' }));
    }
  });
});
