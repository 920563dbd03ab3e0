// The newcomer's commands: a missing prerequisite is one line that says how to fix it, never a
// stack trace; bad configuration names the variable and exits 1.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from './helpers/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function run(script: string, args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

describe('prerequisite and config errors', () => {
  it('npm start without Java says so in one line, with the fix, and exits 1', async () => {
    const result = run('scripts/start.mjs', [], { JAVA_HOME: '/nonexistent-jdk', KAFKA_PORT: String(await freePort()) });
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: Java was not found .*install a JDK 17 or newer/);
    expect(result.stderr).not.toMatch(/\bat .*\.m?js:\d+/);
  });

  it('npm run kafka rejects a bad option in one line', () => {
    const result = run('scripts/kafka.mjs', ['--brokers', '2'], {});
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('error: --brokers must be 1 or 3, not 2');
  });

  it('npm run cluster without HAProxy says so in one line, with the fix, and starts nothing', () => {
    const result = run('scripts/cluster.mjs', ['--fresh'], { HAPROXY_BIN: '/nonexistent-haproxy' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: HAProxy was not found \(\/nonexistent-haproxy\).*apt-get install haproxy/);
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it.each([
    [['--instances', '12'], 'error: --instances must be a whole number from 1 to 9, not 12 (see --help)'],
    [['--port', 'http'], 'error: --port must be a whole number from 0 to 65526, not http (see --help)'],
  ])('npm run cluster rejects %j in one line (exit 2)', (args, message) => {
    const result = run('scripts/cluster.mjs', args, {});
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(message);
    expect(result.stdout).toBe('');
  });

  it('npm start -- --instances refuses SQLite, which several servers cannot share', () => {
    const result = run('scripts/start.mjs', ['--instances', '3', '--db', 'sqlite'], {});
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('error: --instances needs --db postgres: several servers cannot share one SQLite file (see --help)');
  });

  it.each(['scripts/start.mjs', 'scripts/test.mjs', 'scripts/kafka.mjs', 'scripts/cluster.mjs'])('%s rejects an unknown option in one line, starting nothing', (script) => {
    const result = run(script, ['--bogus'], {});
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("error: Unknown option '--bogus' (see --help)");
    expect(result.stdout).toBe('');
  });

  it('the server names every bad variable and exits 1', () => {
    const result = run('server/dist/server.js', [], { PORT: 'abc', KAFKA_BROKERS: 'nope', LOG_LEVEL: 'loud' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stderr).toContain('PORT="abc"');
    expect(result.stderr).toContain('KAFKA_BROKERS="nope"');
    expect(result.stderr).toContain('LOG_LEVEL');
    expect(result.stderr).not.toMatch(/\bat .*\.m?js:\d+/);
  });
});
