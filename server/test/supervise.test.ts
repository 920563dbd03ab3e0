// npm start's supervision of the real server process (scripts/lib/supervise.mjs): a server that
// dies after it came up is restarted and serves again; one that cannot start is not looped.
import { describe, expect, inject, it } from 'vitest';
import { SERVER_ENTRY, tempDataDir, testServerEnv } from '../../scripts/lib/server-process.mjs';
import { superviseServer, type ServerExit } from '../../scripts/lib/supervise.mjs';
import { freePort } from './helpers/process.js';
import { waitUntil } from './reliability/fault-helpers.js';

async function ready(url: string): Promise<boolean> {
  return fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.ok,
    () => false,
  );
}

async function supervised(overrides: Record<string, string> = {}, maxRestarts = 5) {
  const port = await freePort();
  const env = { ...testServerEnv({ kafkaBrokers: inject('kafkaBrokers'), dataDir: tempDataDir('messenger-sup-'), port }), ...overrides };
  const restarts: ServerExit[] = [];
  let gaveUp: (ServerExit & { listening: boolean; restarts: number }) | undefined;
  const supervisor = superviseServer({
    command: process.execPath,
    args: [SERVER_ENTRY],
    spawnOptions: { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'ignore'] },
    onRestart: (event) => restarts.push(event),
    onGiveUp: (event) => (gaveUp = event),
    maxRestarts,
    firstDelayMs: 100,
  });
  return { supervisor, url: `http://127.0.0.1:${port}`, restarts, gaveUp: () => gaveUp };
}

describe('npm start supervision', () => {
  it('restarts a server SIGKILLed after it came up, and it serves again', async () => {
    const s = await supervised();
    try {
      await waitUntil(() => ready(s.url), 60_000, 'the server to be ready');
      const first = s.supervisor.child;
      first.kill('SIGKILL');
      await waitUntil(async () => s.supervisor.child !== first && (await ready(s.url)), 60_000, 'the restarted server to be ready');
      expect(s.restarts).toEqual([expect.objectContaining({ signal: 'SIGKILL', restart: 1 })]);
      expect(s.gaveUp()).toBeUndefined();
    } finally {
      await s.supervisor.stop();
    }
    expect(s.supervisor.child.exitCode).toBe(0);
  }, 120_000);

  it('gives up after maxRestarts, instead of looping forever', async () => {
    const s = await supervised({}, 1);
    try {
      await waitUntil(() => ready(s.url), 60_000, 'the server to be ready');
      const first = s.supervisor.child;
      first.kill('SIGKILL');
      await waitUntil(async () => s.supervisor.child !== first && (await ready(s.url)), 60_000, 'the restarted server to be ready');
      s.supervisor.child.kill('SIGKILL');
      await waitUntil(() => s.gaveUp() !== undefined, 30_000, 'the supervisor to give up');
      expect(s.gaveUp()).toMatchObject({ signal: 'SIGKILL', listening: true, restarts: 1 });
    } finally {
      await s.supervisor.stop();
    }
  }, 120_000);

  it('does not restart a server that exits before it ever listened (bad configuration)', async () => {
    const s = await supervised({ PORT: 'abc' });
    await waitUntil(() => s.gaveUp() !== undefined, 30_000, 'the supervisor to give up');
    expect(s.gaveUp()).toMatchObject({ code: 1, listening: false, restarts: 0 });
    expect(s.restarts).toEqual([]);
  }, 60_000);
});
