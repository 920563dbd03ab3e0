// Three server instances on one topic, one store and one history group (issue 13, part 2):
// each message is stored by exactly one of them, and every instance pushes to its own sockets,
// whichever instance stored the message or took the POST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoAck, collectMessages, connect, randomName, register, removeDir, send, startApp, type TestApp } from './helpers/app.js';
import { waitUntil } from './helpers/wait.js';

let instances: TestApp[] = [];

beforeAll(async () => {
  const a = await startApp({ INSTANCE_ID: 'a', TOPIC_PARTITIONS: '6' });
  const shared = { KAFKA_TOPIC_PREFIX: a.prefix, DATA_DIR: a.dataDir, TOPIC_PARTITIONS: '6' };
  const [b, c] = await Promise.all([
    startApp({ ...shared, INSTANCE_ID: 'b', KAFKA_CLIENT_ID: randomName('b') }),
    startApp({ ...shared, INSTANCE_ID: 'c', KAFKA_CLIENT_ID: randomName('c') }),
  ]);
  instances = [a, b, c];
});

afterAll(async () => {
  await Promise.all(instances.map((t) => t.close()));
  if (instances[0]) removeDir(instances[0].dataDir);
});

async function storedBy(t: TestApp): Promise<number> {
  const metric = await t.app.metrics.consumed.get();
  return metric.values[0]?.value ?? 0;
}

describe('one history group shared by three instances', () => {
  it('stores each message once in the cluster and pushes it from the instance that holds the socket', async () => {
    const [a, , c] = instances as [TestApp, TestApp, TestApp];
    const sender = await register(a);
    const recipients = await Promise.all(Array.from({ length: 12 }, () => register(a)));
    const before = await Promise.all(instances.map(storedBy));

    // Each recipient on a different instance than the one that will take the POST.
    const sessions = await Promise.all(
      recipients.map(async (r, i) => {
        const socket = await connect(instances[i % 3] as TestApp, r.token);
        autoAck(socket, r.username);
        return { socket, messages: collectMessages(socket), ...r };
      }),
    );
    // The sender's own other screen, on instance C, sees what it sent through A and B.
    const senderScreen = await connect(c, sender.token);
    const echoed = collectMessages(senderScreen);

    const PER_RECIPIENT = 3;
    let sent = 0;
    for (let round = 0; round < PER_RECIPIENT; round++) {
      for (const [i, r] of recipients.entries()) {
        const via = instances[(i + 1 + round) % 3] as TestApp;
        expect((await send(via, sender.token, r.username, `m${round}`)).statusCode).toBe(202);
        sent += 1;
      }
    }
    for (const s of sessions) await s.messages.until(PER_RECIPIENT);
    await echoed.until(sent);
    for (const s of sessions) {
      expect(s.messages.texts).toEqual(['m0', 'm1', 'm2']);
      // Exactly once on the wire too, not only after the client's dedupe.
      expect(s.messages.received).toBe(PER_RECIPIENT);
    }
    expect(echoed.received).toBe(sent);

    // Stored once per cluster: the three instances together stored each message once (with a
    // history group each, as before, they stored it three times).
    await waitUntil(async () => (await Promise.all(instances.map(storedBy))).reduce((x, y) => x + y, 0) - before.reduce((x, y) => x + y, 0) >= sent, 10_000, 'every message stored');
    const after = await Promise.all(instances.map(storedBy));
    const storedNow = after.map((n, i) => n - (before[i] ?? 0));
    expect(storedNow.reduce((x, y) => x + y, 0)).toBe(sent);
    // And the work is split (12 recipients over 6 partitions, 2 per instance): more than one
    // instance stored some of them.
    expect(storedNow.filter((n) => n > 0).length).toBeGreaterThan(1);

    for (const s of sessions) s.socket.close();
    senderScreen.close();
  });
});
