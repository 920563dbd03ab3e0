// Display names in notification titles: "Display Name (@username)", from a small cache the agent
// fills with GET /api/profiles and keeps current with profile:update.
import { describe, expect, it } from 'vitest';
import { MAX_TITLE_CHARS, formatMessage, formatSummary } from '../src/format.js';
import { DisplayNames } from '../src/names.js';
import { Processor } from '../src/processor.js';
import { SeenStore } from '../src/seen-store.js';
import type { Formatted } from '../src/format.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

const TEAM = { id: '0192f5a4-7c1e-7a3b-9c4d-000000000001', name: 'Team' };

describe('titles with display names', () => {
  const names = (u: string) => ({ alice: 'Alice Liddell', bob: null, eve: '\u202eevE', carol: 'carol' })[u];

  it('show "Display Name (@username)", the username alone when there is no name, or the same', () => {
    expect(formatMessage({ from: 'alice', text: 'hi' }, 'mia', names).title).toBe('Alice Liddell (@alice)');
    expect(formatMessage({ from: 'bob', text: 'hi' }, 'mia', names).title).toBe('bob');
    expect(formatMessage({ from: 'carol', text: 'hi' }, 'mia', names).title).toBe('carol');
    expect(formatMessage({ from: 'dave', text: 'hi' }, 'mia', names).title).toBe('dave');
    // Stripped like any text a stranger chooses.
    expect(formatMessage({ from: 'eve', text: 'hi' }, 'mia', names).title).toBe('evE (@eve)');
  });

  it('in a group, and with a mention; the username and the marker are never cut', () => {
    expect(formatMessage({ from: 'alice', text: '@mia look', group: TEAM }, 'mia', names).title).toBe('Team · Alice Liddell (@alice) mentioned you');
    const long = (u: string) => (u === 'a'.repeat(32) ? 'N'.repeat(64) : null);
    const title = formatMessage({ from: 'a'.repeat(32), text: '@mia x', group: { ...TEAM, name: 'G'.repeat(64) } }, 'mia', long).title;
    expect(Array.from(title).length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
    expect(title).toMatch(new RegExp(`^G+… · N+… \\(@${'a'.repeat(32)}\\) mentioned you$`));
  });

  it('a summary uses the names too', () => {
    expect(formatSummary([{ from: 'alice', text: 'a' }, { from: 'alice', text: 'b' }], 'mia', { names }).title).toBe('Alice Liddell (@alice)');
  });
});

describe('DisplayNames', () => {
  it('asks once for the names it does not know, and follows profile:update', async () => {
    const asked: string[][] = [];
    const n = new DisplayNames(async (usernames) => {
      asked.push([...usernames]);
      return usernames.filter((u) => u !== 'ghost').map((u) => ({ username: u, displayName: u === 'alice' ? 'Alice' : null }));
    });
    await n.load(['alice', 'bob', 'ghost']);
    await n.load(['alice', 'bob']);
    expect(asked).toEqual([['alice', 'bob', 'ghost']]);
    expect([n.get('alice'), n.get('bob'), n.get('ghost')]).toEqual(['Alice', null, null]);
    n.apply({ username: 'alice', displayName: 'Alice L.' });
    expect(n.get('alice')).toBe('Alice L.');
    // A reconnect forgets them (an update may have been missed meanwhile): asked again.
    n.clear();
    await n.load(['alice']);
    expect(asked).toHaveLength(2);
  });

  it('a failed request leaves the names unknown (titles show usernames) and is tried again next time', async () => {
    let fail = true;
    const n = new DisplayNames(async (usernames) => {
      if (fail) throw new Error('503');
      return usernames.map((u) => ({ username: u, displayName: 'Named' }));
    });
    await n.load(['alice']);
    expect(n.get('alice')).toBeUndefined();
    fail = false;
    await n.load(['alice']);
    expect(n.get('alice')).toBe('Named');
  });

  it('does not hold a notification back for a slow server: past the timeout, usernames', async () => {
    const n = new DisplayNames(
      (_usernames, signal) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })),
      10,
      50,
    );
    await n.load(['alice']);
    expect(n.get('alice')).toBeUndefined();
  });

  it('remembers a bounded number of people', async () => {
    const n = new DisplayNames(async (usernames) => usernames.map((u) => ({ username: u, displayName: u.toUpperCase() })), 3);
    await n.load(['a', 'b', 'c', 'd']);
    expect(['a', 'b', 'c', 'd'].map((u) => n.get(u))).toEqual([undefined, 'B', 'C', 'D']);
  });
});

describe('the processor with display names', () => {
  it('asks for the senders of a batch once, before showing, and titles the bubbles with their names', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'names-'));
    try {
      const asked: string[][] = [];
      const shown: Formatted[] = [];
      const names = new DisplayNames(async (usernames) => {
        asked.push([...usernames]);
        return [{ username: 'alice', displayName: 'Alice Liddell' }];
      });
      const p = new Processor({
        policy: { me: 'mia', muted: new Set(), quiet: null, groupMuted: () => false },
        store: new SeenStore(path.join(dir, 'seen.json')),
        notifier: {
          show: (n) => {
            shown.push(n);
            return Promise.resolve();
          },
        },
        ack: () => Promise.resolve(true),
        log: () => undefined,
        names,
      });
      const msg = (from: string) => ({ id: randomUUID(), from, to: 'mia', text: 'hi', sentAt: new Date().toISOString(), state: 'sent' as const });
      await p.process([{ message: msg('alice'), readingNow: false }, { message: msg('bob'), readingNow: false }]);
      expect(asked).toEqual([['alice', 'bob']]);
      expect(shown.map((n) => n.title)).toEqual(['Alice Liddell (@alice)', 'bob']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
