// The per-recipient delivery record (issue 12, item 2): a recipient's inbox group must never be
// committed past a message none of their clients acknowledged, and a sender hears "delivered"
// only for the ids a client of the recipient acknowledged.
import type { ChatMessage, MessagesPage, ReceiptUpdate } from '@messenger/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, collectMessages, connect, register, removeDir, send, startApp, waitFor, type ClientSocket, type TestApp } from './helpers/app.js';

let t: TestApp;
const kafka = () => new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING });
let admin: ReturnType<ReturnType<typeof kafka>['admin']>;

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

/** The inbox group's committed offset on `partition`, or -1 when it has none. */
async function committed(username: string, partition: number): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId: `${t.prefix}.inbox.${username}`, topics: [`${t.prefix}.messages`] });
  return Number(offsets[0]?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
}

/** Connects and resolves once catch-up is over, with what catch-up offered. */
async function reconnect(token: string): Promise<{ socket: ClientSocket; offered: ChatMessage[]; delivered: number }> {
  const offered: ChatMessage[] = [];
  let done: Promise<{ delivered: number }> | undefined;
  const socket = await connect(t, token, {
    before: (s) => {
      done = waitFor(s, 'sync:done');
      s.on('message:batch', ({ messages }) => offered.push(...messages));
    },
  });
  const { delivered } = await (done as Promise<{ delivered: number }>);
  return { socket, offered, delivered };
}

/** Bob is online, gets m1 then m2 (his partition), and his client acknowledges only m2. */
async function bobAcksOnlySecond() {
  const alice = await register(t);
  const bob = await register(t);
  const aliceTab = await connect(t, alice.token);
  const receipts: ReceiptUpdate[] = [];
  aliceTab.on('receipt:update', (r) => receipts.push(r));
  const bobTab = await connect(t, bob.token);
  await waitFor(bobTab, 'sync:done');
  const inbox = collectMessages(bobTab);
  const m1 = (await send(t, alice.token, bob.username, 'm1')).json<{ id: string; partition: number; offset: string }>();
  const m2 = (await send(t, alice.token, bob.username, 'm2')).json<{ id: string; partition: number; offset: string }>();
  await inbox.until(2);
  expect(inbox.ids).toEqual([m1.id, m2.id]);
  expect(m2.partition).toBe(m1.partition);
  expect(await bobTab.emitWithAck('message:ack', { ids: [m2.id] })).toEqual({ ok: true, data: { acknowledged: 1 } });
  await t.app.bus.flushInboxCommits();
  return { alice, bob, aliceTab, bobTab, receipts, m1, m2 };
}

describe('the delivery record never runs ahead of what a client holds', () => {
  it('an ack of m2 alone commits no further than m1, and m1 is offered again on reconnect', async () => {
    const { alice, bob, aliceTab, bobTab, m1, m2 } = await bobAcksOnlySecond();
    // The group stops exactly at m1: everything of Bob's below it is acknowledged, m1 is not.
    expect(await committed(bob.username, m1.partition)).toBe(Number(m1.offset));

    bobTab.close();
    const again = await reconnect(bob.token);
    expect(again.delivered).toBe(1);
    expect(again.offered.map((m) => m.id)).toEqual([m1.id]);

    // Alice's history still shows m1 as only sent, m2 as delivered.
    const page = await t.app.inject({ method: 'GET', url: `/api/conversations/${bob.username}/messages`, headers: bearer(alice.token) });
    const states = new Map(page.json<MessagesPage>().messages.map((m) => [m.id, m.state]));
    expect(states.get(m1.id)).toBe('sent');
    expect(states.get(m2.id)).toBe('delivered');

    // Once m1 is acknowledged too, the group moves past both and a new screen gets nothing.
    expect(await again.socket.emitWithAck('message:ack', { ids: [m1.id] })).toEqual({ ok: true, data: { acknowledged: 1 } });
    await t.app.bus.flushInboxCommits();
    expect(await committed(bob.username, m1.partition)).toBeGreaterThanOrEqual(Number(m2.offset) + 1);
    again.socket.close();
    const last = await reconnect(bob.token);
    expect(last.delivered).toBe(0);
    last.socket.close();
    aliceTab.close();
  });

  it('sends "delivered" receipts only for acknowledged ids, and for m1 once it is acknowledged', async () => {
    const { bob, aliceTab, bobTab, receipts, m1, m2 } = await bobAcksOnlySecond();
    await waitFor(aliceTab, 'receipt:update', (r) => r.ids.includes(m2.id));
    bobTab.close();
    // Bob's reconnect (catch-up reads the group's offsets) must not make m1 "delivered".
    const again = await reconnect(bob.token);
    expect(receipts.filter((r) => r.ids.includes(m1.id))).toEqual([]);
    // Bob's client holds m1 (it arrived live) and acknowledges it now: that, and only that, is
    // when Alice hears it was delivered.
    const m1Delivered = waitFor(aliceTab, 'receipt:update', (r) => r.state === 'delivered' && r.ids.includes(m1.id), 5_000);
    const ack = await again.socket.emitWithAck('message:ack', { ids: [m1.id] });
    await m1Delivered;
    expect(ack).toEqual({ ok: true, data: { acknowledged: 1 } });
    expect(again.offered.map((m) => m.id)).toEqual([m1.id]);
    const delivered = receipts.filter((r) => r.state === 'delivered');
    // One receipt per acknowledgement, each naming exactly what that ack covered.
    expect(delivered.map((r) => r.ids)).toEqual([[m2.id], [m1.id]]);
    expect(delivered.every((r) => r.peer === bob.username)).toBe(true);
    again.socket.close();
    aliceTab.close();
  });
});

describe('inbox commits on the wire', () => {
  it('a flush returns only once everything queued before it is committed, even with flushes already waiting', async () => {
    const bus = t.app.bus;
    const users = Array.from({ length: 64 }, (_, i) => `${Date.now().toString(36)}w${i}`);
    bus.commitInbox(users[0] ?? '', 0, 1);
    const first = bus.flushInboxCommits();
    // Many groups behind it: their flush takes several rounds of commits.
    for (const u of users) bus.commitInbox(u, 0, 5);
    const second = bus.flushInboxCommits();
    const third = bus.flushInboxCommits();
    await third;
    const offsets = await Promise.all(users.map((u) => committed(u, 0)));
    expect(offsets.filter((o) => o !== 5)).toEqual([]);
    await Promise.all([first, second]);
  });
});
