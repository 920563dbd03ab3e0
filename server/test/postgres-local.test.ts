// scripts/lib/postgres-local.mjs: the Postgres that `npm test` and `npm start -- --db postgres`
// run without Docker. It must never run as root (Postgres refuses, and it should not need to),
// keep its data owner-only, listen on loopback with a password, and leave no process behind,
// even when its owner is SIGKILLed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { reapOrphans, startPostgres, type LocalPostgres } from '../../scripts/lib/postgres-local.mjs';
import { waitUntil } from './helpers/wait.js';

const LIB = fileURLToPath(new URL('../../scripts/lib/postgres-local.mjs', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The real uid of a process, from /proc. */
const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
const postmasterPid = (cluster: string) => Number(readFileSync(path.join(cluster, 'postmaster.pid'), 'utf8').split('\n')[0]);


async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

let postgres: LocalPostgres | undefined;
afterAll(async () => {
  await postgres?.stop();
});

describe('the local Postgres', () => {
  it('runs unprivileged, owner-only, on loopback with a password, and stop() leaves nothing', async () => {
    postgres = await startPostgres();
    const pid = postmasterPid(postgres.cluster);
    expect(uidOf(pid)).not.toBe(0);
    expect(statSync(postgres.cluster).mode & 0o777).toBe(0o700);
    expect(statSync(postgres.cluster).uid).toBe(uidOf(pid));
    const [settings] = await query(postgres.url('postgres'), "SELECT current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets");
    expect(settings).toEqual({ listen: '127.0.0.1', sockets: '' });
    const wrong = new URL(postgres.url('postgres'));
    wrong.password = 'not-the-password';
    await expect(query(wrong.toString(), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    expect(postgres.safeUrl('postgres')).not.toContain(new URL(postgres.url('postgres')).password);

    const dir = path.dirname(postgres.cluster);
    await postgres.stop();
    postgres = undefined;
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('a Postgres whose owner was SIGKILLed is stopped and removed by the next start', async () => {
    const owner = spawn(
      process.execPath,
      ['--input-type=module', '-e', `const { startPostgres } = await import(${JSON.stringify(LIB)}); const p = await startPostgres(); console.log(JSON.stringify({ cluster: p.cluster })); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const started = await new Promise<{ cluster: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the owner did not start Postgres in 60 s')), 60_000);
      let out = '';
      owner.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(JSON.parse(out.split('\n')[0]!) as { cluster: string });
        }
      });
    });
    const pid = postmasterPid(started.cluster);
    owner.kill('SIGKILL');
    await new Promise((resolve) => owner.once('exit', resolve));
    expect(alive(pid)).toBe(true);
    expect(reapOrphans()).toBeGreaterThanOrEqual(1);
    await waitUntil(() => !alive(pid), 15_000, 'the orphaned postmaster to exit', 50);
    expect(existsSync(path.dirname(started.cluster))).toBe(false);
  });
});
