// A tiny bounded run of the real harness against a real Kafka and the real server: every
// accepted message reaches its recipient exactly once. Only counts are asserted, never times:
// the machine is shared and wall-clock limits would make this test flaky.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import { SERVER_ENTRY, registerUsers, siblingEntry, startServer, type ServerHandle } from '../src/env.js';
import { LoadCluster } from '../src/load.js';
import { catchUp, settingsFor, type Context } from '../src/scenarios.js';

declare module 'vitest' {
  interface ProvidedContext {
    kafkaBrokers: string;
  }
}

describe('bench harness', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    if (!existsSync(SERVER_ENTRY) || !existsSync(siblingEntry('load-worker.js'))) {
      throw new Error('run npm run build first (the bench forks compiled workers and the compiled server)');
    }
    server = await startServer({ kafka: inject('kafkaBrokers'), env: { TOPIC_PARTITIONS: '3' }, log: () => undefined });
  });

  afterAll(async () => {
    await server?.stop();
    // The server's SQLite file and key live there; nothing else removes it.
    if (server?.env.DATA_DIR) rmSync(server.env.DATA_DIR, { recursive: true, force: true });
  });

  it('delivers every accepted message once: U=10, R=50/s, T=3 s', async () => {
    const users = await registerUsers(server.url, `t${Date.now().toString(36)}`, 10);
    const cluster = await LoadCluster.start({ url: server.url, users, workers: 2 });
    try {
      const connected = await cluster.connect(10, 60_000);
      expect(connected.connected).toBe(10);
      const r = await cluster.run({ rate: 50, durationS: 3, warmupS: 0, drainTimeoutS: 60 });
      expect(r.issued).toBe(150);
      expect(r.sendErrors).toEqual({});
      expect(r.accepted).toBe(150);
      expect(r.delivered).toBe(150);
      expect(r.lost).toBe(0);
      expect(r.duplicates).toBe(0);
      expect(r.deliveredNotAccepted).toBe(0);
      expect(r.latency.count).toBe(150);
      // Like the web app, a sender names its socket (X-Socket-Id): one push per message, to the
      // recipient; the sender's only socket, which sent it, gets no echo.
      expect(r.frames['message:new']).toBe(150);
    } finally {
      await cluster.close();
    }
  });

  it('catches up an offline user in order, each message once', async () => {
    const settings = settingsFor(true);
    settings.catchUp.messages = 100;
    const ctx: Context = { server, kafka: inject('kafkaBrokers'), settings, log: () => undefined, users: [], registration: { users: 0, ms: 0 } };
    const r = await catchUp(ctx);
    expect(r.accepted).toBe(100);
    expect(r.received).toBe(100);
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.inOrder).toBe(true);
  });
});
