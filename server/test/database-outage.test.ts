// A Postgres that drops away (restart, failover, network) is a temporary outage, not a bug: the
// API answers 503 service_unavailable with Retry-After, /readyz says the database is down, and
// both recover on their own once it is back. The outage is real: every connection between the
// server and Postgres runs through a loopback TCP relay that this test cuts and restores.
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bearer, register, removeDir, startApp, type TestApp } from './helpers/app.js';
import { databaseEnv, onPostgres } from './helpers/database.js';

/** A TCP relay to `target`; cut() closes every connection and refuses new ones until restore(). */
async function relay(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => {
            sockets.delete(s);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    port: () => port,
    cut: async () => {
      await new Promise<void>((resolve) => {
        server!.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    restore: listen,
  };
}

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let t: TestApp | undefined;
let cutRelay: (() => Promise<void>) | undefined;
afterAll(async () => {
  await t?.close();
  await cutRelay?.();
  if (t) removeDir(t.dataDir);
});

describe.skipIf(!onPostgres)('a Postgres outage', () => {
  it('is a 503 with Retry-After while it lasts, and heals by itself', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'messenger-outage-'));
    const direct = new URL((await databaseEnv(dataDir, {})).DATABASE_URL!);
    const link = await relay({ host: direct.hostname, port: Number(direct.port) });
    cutRelay = link.cut;
    const viaRelay = new URL(direct);
    viaRelay.port = String(link.port());
    t = await startApp({ DATA_DIR: dataDir, DATABASE_URL: viaRelay.toString() });
    const app = t.app;
    const user = await register(t);
    const conversations = () => app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(user.token) });
    expect((await conversations()).statusCode).toBe(200);

    await link.cut();
    // A fresh user: no cached session, so authentication itself must reach the database.
    const login = () => app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: user.password } });
    const down = await login();
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.json()).toEqual({ error: { code: 'service_unavailable', message: expect.any(String) } });
    expect(down.body).not.toContain(direct.password);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ checks: { database: false } });

    await link.restore();
    await eventually(login, (r) => r.statusCode === 200, 15_000, 'sign-in after the outage');
    expect((await conversations()).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
