import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { appPerFile, autoAck, collectMessages, connect, register, removeDir, send, startApp, waitFor } from './helpers/app.js';

const t = appPerFile();

const admin = () => new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING }).admin();

describe('live delivery over sockets', () => {
  it('pushes to every socket of the recipient and the sender’s other sockets, with receipts', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const bobTab1 = await connect(t, bob.token);
    const bobTab2 = await connect(t, bob.token);
    const aliceTab = await connect(t, alice.token);

    const onTab1 = waitFor(bobTab1, 'message:new', ({ message }) => message.text === 'hi bob');
    const onTab2 = waitFor(bobTab2, 'message:new', ({ message }) => message.text === 'hi bob');
    const echo = waitFor(aliceTab, 'message:new', ({ message }) => message.text === 'hi bob');
    const res = await send(t, alice.token, bob.username, 'hi bob');
    expect(res.statusCode).toBe(202);
    const [a, b, c] = await Promise.all([onTab1, onTab2, echo]);
    expect(a.message).toMatchObject({ from: alice.username, to: bob.username, id: res.json().id, state: 'sent' });
    expect(b.message.id).toBe(a.message.id);
    expect(c.message.id).toBe(a.message.id);

    const delivered = waitFor(aliceTab, 'receipt:update', (r) => r.state === 'delivered' && r.ids.includes(a.message.id));
    const ack = await bobTab1.emitWithAck('message:ack', { ids: [a.message.id] });
    expect(ack).toEqual({ ok: true, data: { acknowledged: 1 } });
    expect((await delivered).peer).toBe(bob.username);
    // The second tab acknowledging the same message changes nothing.
    expect(await bobTab2.emitWithAck('message:ack', { ids: [a.message.id] })).toEqual({ ok: true, data: { acknowledged: 0 } });

    // Reply the other way.
    const back = waitFor(aliceTab, 'message:new', ({ message }) => message.text === 'hi alice');
    expect((await send(t, bob.token, alice.username, 'hi alice')).statusCode).toBe(202);
    expect((await back).message.from).toBe(bob.username);
    for (const s of [bobTab1, bobTab2, aliceTab]) s.close();
  });

  it('records delivery in the recipient’s own consumer group: lag 0 once acknowledged', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const sent = [];
    for (const text of ['one', 'two', 'three']) sent.push((await send(t, alice.token, bob.username, text)).json());
    const socket = await connect(t, bob.token);
    const inbox = collectMessages(socket);
    autoAck(socket, bob.username);
    await inbox.until(3);
    expect(inbox.texts).toEqual(['one', 'two', 'three']);

    const group = `${t.prefix}.inbox.${bob.username}`;
    const a = admin();
    await a.connect();
    const last = sent[2];
    // The commit is coalesced; wait for it by asking Kafka until it shows, with a deadline.
    const deadline = Date.now() + 10_000;
    let committed = -1;
    while (Date.now() < deadline) {
      const offsets = await a.fetchOffsets({ groupId: group, topics: [`${t.prefix}.messages`] });
      committed = Number(offsets[0]?.partitions.find((p) => p.partition === last.partition)?.offset ?? -1);
      if (committed >= Number(last.offset) + 1) break;
      await new Promise((r) => setImmediate(r));
    }
    expect(committed).toBeGreaterThanOrEqual(Number(last.offset) + 1);
    const ends = await a.fetchTopicOffsets(`${t.prefix}.messages`);
    const high = Number(ends.find((p) => p.partition === last.partition)?.high);
    expect(high - committed).toBe(0);
    const groups = await a.listGroups();
    expect(groups.groups.map((g) => g.groupId)).toContain(group);
    await a.disconnect();
    socket.close();
  });

  it('delivers what was sent while offline, in order, on connect', async () => {
    const alice = await register(t);
    const bob = await register(t);
    for (let i = 1; i <= 5; i++) expect((await send(t, alice.token, bob.username, `m${i}`)).statusCode).toBe(202);
    const socket = await connect(t, bob.token);
    const inbox = collectMessages(socket);
    const acks = autoAck(socket, bob.username);
    await inbox.until(5);
    expect(inbox.texts).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    await acks.settled();
    socket.close();

    // Everything was acknowledged: a new connection gets nothing again.
    let done: Promise<{ delivered: number }> | undefined;
    const again = await connect(t, bob.token, { before: (s) => (done = waitFor(s, 'sync:done')) });
    expect((await done)?.delivered).toBe(0);
    again.close();
  });

  it('nobody else receives a conversation’s messages', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const eve = await register(t);
    const eveSocket = await connect(t, eve.token);
    const eveInbox = collectMessages(eveSocket);
    const bobSocket = await connect(t, bob.token);
    const got = waitFor(bobSocket, 'message:new', ({ message }) => message.text === 'secret');
    await send(t, alice.token, bob.username, 'secret');
    await got;
    // A message to eve sent after it proves her socket was live and in order the whole time.
    const marker = waitFor(eveSocket, 'message:new', ({ message }) => message.text === 'for eve');
    await send(t, alice.token, eve.username, 'for eve');
    await marker;
    expect(eveInbox.texts).toEqual(['for eve']);
    const history = await t.app.inject({
      method: 'GET',
      url: `/api/conversations/${alice.username}/messages`,
      headers: { authorization: `Bearer ${eve.token}` },
    });
    expect(history.json().messages.map((m: { text: string }) => m.text)).toEqual(['for eve']);
    eveSocket.close();
    bobSocket.close();
  });

  it('refuses a socket without a valid token or from a foreign origin', async () => {
    const bob = await register(t);
    await expect(connect(t, 'not-a-token')).rejects.toThrow(/unauthorized/);
    await expect(connect(t, bob.token, { origin: 'https://evil.example' })).rejects.toThrow();
    const ok = await connect(t, bob.token, { origin: 'http://localhost:3000' });
    ok.close();
  });

  it('disconnects a socket that sends an oversized packet', async () => {
    const bob = await register(t);
    const socket = await connect(t, bob.token);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    socket.emit('typing:set', { to: 'x'.repeat(100_000), typing: true } as never);
    expect(await closed).toBe('transport close');
  });
});

describe('catch-up after a restart', () => {
  it('delivers exactly once after the server restarts between send and delivery', async () => {
    const first = await startApp();
    const alice = await register(first);
    const bob = await register(first);
    const ids = [];
    for (const text of ['before-1', 'before-2']) ids.push((await send(first, alice.token, bob.username, text)).json().id);
    await first.close();

    const second = await startApp(first.env);
    try {
      const socket = await connect(second, bob.token);
      const inbox = collectMessages(socket);
      autoAck(socket, bob.username);
      await inbox.until(2);
      expect(inbox.ids).toEqual(ids);
      const after = waitFor(socket, 'message:new', ({ message }) => message.text === 'after');
      await send(second, alice.token, bob.username, 'after');
      await after;
      expect(inbox.texts).toEqual(['before-1', 'before-2', 'after']);
      socket.close();
    } finally {
      await second.close();
      removeDir(first.dataDir);
    }
  });

  it('a clean stop commits the history group up to what it stored, so the next owner reads nothing twice', async () => {
    // The history group commits at most once a second while running (not after every batch, as
    // kafkajs' autoCommit does), so a stop right after a batch must commit what it stored.
    const first = await startApp();
    try {
      const alice = await register(first);
      const bob = await register(first);
      const socket = await connect(first, bob.token);
      const inbox = collectMessages(socket);
      for (const text of ['s-1', 's-2', 's-3']) await send(first, alice.token, bob.username, text);
      // Pushed means stored.
      await inbox.until(3);
      socket.close();
      await first.close();
      const a = admin();
      await a.connect();
      try {
        const topic = `${first.prefix}.messages`;
        const [committed] = await a.fetchOffsets({ groupId: `${first.prefix}.history`, topics: [topic] });
        const ends = await a.fetchTopicOffsets(topic);
        for (const end of ends) {
          // -1: nothing committed, right only for a partition that never held a record.
          const offset = Math.max(0, Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1));
          expect({ partition: end.partition, committed: offset }).toEqual({ partition: end.partition, committed: Number(end.high) });
        }
      } finally {
        await a.disconnect();
      }
    } finally {
      removeDir(first.dataDir);
    }
  });

  it('falls back to the history store when the recipient group is gone (offset expiry)', async () => {
    const alice = await register(t);
    const bob = await register(t);
    await send(t, alice.token, bob.username, 'old');
    const s1 = await connect(t, bob.token);
    const in1 = collectMessages(s1);
    await in1.until(1);
    expect(await s1.emitWithAck('message:ack', { ids: in1.ids })).toEqual({ ok: true, data: { acknowledged: 1 } });
    await t.app.bus.flushInboxCommits();
    s1.close();
    await send(t, alice.token, bob.username, 'new-1');
    await send(t, alice.token, bob.username, 'new-2');
    const a = admin();
    await a.connect();
    await a.deleteGroups([`${t.prefix}.inbox.${bob.username}`]);
    await a.disconnect();
    let done: Promise<{ delivered: number }> | undefined;
    let in2: ReturnType<typeof collectMessages> | undefined;
    const s2 = await connect(t, bob.token, {
      before: (s) => {
        done = waitFor(s, 'sync:done');
        in2 = collectMessages(s);
      },
    });
    expect((await done)?.delivered).toBe(2);
    expect(in2?.texts).toEqual(['new-1', 'new-2']);
    s2.close();
  });
});
