// The Linux runner's process handling, with a stand-in notify-send (a shell script that prints an
// id and waits, like notify-send --action). Clicks on the real dunst: click.integration.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createNotifySend, type NotifySend } from '../src/notify-send.js';

let dir: string;
const runners: NotifySend[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-send-'));
});
afterEach(() => {
  for (const r of runners.splice(0)) r.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A stand-in that records its pid, prints an id, then waits like notify-send --action does. */
function standIn(body: string): string {
  const file = path.join(dir, 'notify-send');
  fs.writeFileSync(file, `#!/bin/sh\necho $$ >> "${dir}/pids"\n${body}\n`, { mode: 0o755 });
  return file;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const pids = () => fs.readFileSync(path.join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);

function runner(command: string, maxWaiting = 3, clickable = true) {
  const r = createNotifySend({ clickable, trackClose: true, stdbuf: null, maxWaiting, command, log: () => undefined });
  runners.push(r);
  return r;
}

describe('notify-send runner', () => {
  it('keeps at most maxWaiting processes waiting for a click, ending the oldest, and close() ends them all', async () => {
    const r = runner(standIn('echo 7\nexec sleep 60'));
    for (let i = 0; i < 5; i++) await r.show(['--', `t${i}`, 'b'], () => undefined);
    expect(r.waiting).toBe(3);
    const started = pids();
    expect(started).toHaveLength(5);
    await vi.waitFor(() => expect(started.map(alive)).toEqual([false, false, true, true, true]), { timeout: 5000 });
    r.close();
    await vi.waitFor(() => expect(started.map(alive)).toEqual([false, false, false, false, false]), { timeout: 5000 });
    expect(r.waiting).toBe(0);
  });

  it('calls onClick when notify-send prints the default action, and forgets the process when it exits', async () => {
    const r = runner(standIn('echo 7\nsleep 0.2\necho default'));
    let clicks = 0;
    await r.show(['--', 't', 'b'], () => clicks++);
    await vi.waitFor(() => expect(clicks).toBe(1), { timeout: 5000 });
    await vi.waitFor(() => expect(r.waiting).toBe(0), { timeout: 5000 });
  });

  it('rejects when notify-send prints id 0 and exits 1 (what 0.8 does when no server answers)', async () => {
    const r = runner(standIn('echo "Error calling StartServiceByName" >&2\necho 0\nsleep 0.1\nexit 1'));
    await expect(r.show(['--', 't', 'b'], () => undefined)).rejects.toThrow(/notify-send failed: Error calling StartServiceByName/);
  });

  it('rejects with what notify-send said when it fails before showing', async () => {
    const r = runner(standIn('echo "GDBus.Error: no notification server" >&2\nexit 1'));
    await expect(r.show(['--', 't', 'b'], () => undefined)).rejects.toThrow(/notify-send failed: GDBus.Error: no notification server/);
    expect(r.waiting).toBe(0);
  });

  it('tells the bubble id, replaces it in place while it is up, and never raises a closed one again', async () => {
    // Prints its id (the one it replaces, if any) and waits until the file "closed-<id>" appears.
    const r = runner(
      standIn(`echo "$@" >> "${dir}/argv"
id=7; for a in "$@"; do case "$a" in --replace-id=*) id="\${a#--replace-id=}";; esac; done
echo $id
while [ ! -e "${dir}/closed-$id" ]; do sleep 0.05; done`),
    );
    const id = await r.show(['--', 't', 'first'], () => undefined);
    expect(id).toBe(7);
    expect(r.isOpen(7)).toBe(true);
    expect(await r.replace(7, ['--', 't', 'edited'], () => undefined)).toBe(true);
    const [first, second] = pids();
    // The old process no longer waits (it would hear the new bubble's click too); the new one does.
    await vi.waitFor(() => expect([first, second].map((p) => alive(p as number))).toEqual([false, true]), { timeout: 5000 });
    expect(fs.readFileSync(path.join(dir, 'argv'), 'utf8')).toContain('--replace-id=7 -- t edited');
    expect(r.isOpen(7)).toBe(true);

    fs.writeFileSync(path.join(dir, 'closed-7'), ''); // the person closes it
    await vi.waitFor(() => expect(r.isOpen(7)).toBe(false), { timeout: 5000 });
    expect(await r.replace(7, ['--', 't', 'again'], () => undefined)).toBe(false);
    expect(pids()).toHaveLength(2);
  });

  it('without clicks, still waits for the close (--wait) to know the bubble is up', async () => {
    const r = runner(standIn(`echo "$@" >> "${dir}/argv"\necho 9\nexec sleep 60`), 3, false);
    expect(await r.show(['--', 't', 'b'])).toBe(9);
    expect(fs.readFileSync(path.join(dir, 'argv'), 'utf8')).toMatch(/^--print-id --wait -- t b/);
    expect(r.isOpen(9)).toBe(true);
  });
});
