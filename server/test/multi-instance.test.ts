// Two server processes on one topic and one SQLite file (INSTANCE_ID gives each its own history
// group): a client that reconnects to the other process catches up there, with nothing lost and
// nothing repeated, and live messages reach a socket whichever process took the POST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoAck, collectMessages, connect, randomName, register, removeDir, send, startApp, type TestApp } from './helpers/app.js';

let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  a = await startApp({ INSTANCE_ID: 'a' });
  b = await startApp({ KAFKA_TOPIC_PREFIX: a.prefix, DATA_DIR: a.dataDir, INSTANCE_ID: 'b', KAFKA_CLIENT_ID: randomName('b') });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  if (a) removeDir(a.dataDir);
});

describe('two server processes', () => {
  it('a client that comes back on the other process gets exactly what it missed, in order', async () => {
    const alice = await register(a);
    const bob = await register(a);

    // bob is on process A and acknowledges the first message there.
    const onA = await connect(a, bob.token);
    const firstSession = collectMessages(onA);
    const acks = autoAck(onA, bob.username);
    expect((await send(a, alice.token, bob.username, 'one')).statusCode).toBe(202);
    await firstSession.until(1);
    await acks.settled();
    onA.close();

    // While bob is offline, alice sends through both processes.
    for (const [i, t] of [b, a, b].entries()) {
      expect((await send(t, alice.token, bob.username, `offline ${i + 1}`)).statusCode).toBe(202);
    }

    // bob returns on process B: the three he missed, in order, and not the one he acknowledged.
    const onB = await connect(b, bob.token);
    const secondSession = collectMessages(onB);
    autoAck(onB, bob.username);
    await secondSession.until(3);

    // Live: a message posted to A reaches bob's socket on B.
    expect((await send(a, alice.token, bob.username, 'live via A')).statusCode).toBe(202);
    await secondSession.until(4);
    expect(secondSession.texts).toEqual(['offline 1', 'offline 2', 'offline 3', 'live via A']);
    expect(secondSession.texts).not.toContain('one');
    onB.close();
  });

  it('never pushes a message acknowledged on one process again from the other, even when that one is behind', async () => {
    const alice = await register(a);
    const bob = await register(a);
    const onA = await connect(a, bob.token);
    const first = collectMessages(onA);
    const acks = autoAck(onA, bob.username);
    const sent = await send(a, alice.token, bob.username, 'seen on A');
    expect(sent.statusCode).toBe(202);
    await first.until(1);
    await acks.settled();
    onA.close();
    expect((await send(a, alice.token, bob.username, 'while away')).statusCode).toBe(202);

    // At once on B, whose live consumer may not have reached either message yet (on SQLite it
    // learns of A's stores by polling): the first is delivered, so B must not push it; the
    // second comes in the backlog, once.
    const onB = await connect(b, bob.token);
    const second = collectMessages(onB);
    // B's live consumer reads Bob's partition in order: once 'after' is here, it is past the
    // first message, and a push of it would have come before.
    expect((await send(b, alice.token, bob.username, 'after')).statusCode).toBe(202);
    await second.until(2);
    expect(second.texts).toEqual(['while away', 'after']);
    expect(second.received).toBe(2);
    onB.close();
  });
});
