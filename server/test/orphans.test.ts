// The scripts reap the brokers, Postgres, HAProxy and instances of an owner that was SIGKILLed
// (scripts/lib/orphans.mjs). An owner killed a moment ago is a zombie until its parent waits for
// it, and a zombie still answers signal 0: taken for alive, its services were left running
// (found by hand: `npm run cluster` SIGKILLed, then started again from the same shell).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../scripts/lib/orphans.mjs';

const state = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^\d+ \(.*\) /s, '')[0];
  } catch {
    return undefined;
  }
};

describe.runIf(process.platform === 'linux')('isAlive', () => {
  it('is true for a running process and false for a zombie', () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid as number;
    expect(isAlive(pid)).toBe(true);
    child.kill('SIGKILL');
    // Synchronously, so Node's own SIGCHLD handler cannot reap it first: it stays a zombie.
    const deadline = Date.now() + 5_000;
    while (state(pid) !== 'Z' && Date.now() < deadline);
    expect(state(pid)).toBe('Z');
    expect(isAlive(pid)).toBe(false);
  });
});
