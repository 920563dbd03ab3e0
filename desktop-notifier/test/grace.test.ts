// The grace period: a message waits `graceMs` before it is shown; read on another screen
// meanwhile, it never is. Fake timers here; on the real desktop: click.integration.test.ts.
import type { ChatMessage } from '@messenger/protocol';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Processor, type Outcome } from '../src/processor.js';
import { parseGraceSeconds } from '../src/grace.js';
import type { Formatted } from '../src/format.js';
import { SeenStore } from '../src/seen-store.js';

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const msg = (from: string, text: string, state: ChatMessage['state'] = 'delivered'): ChatMessage => ({
  id: randomUUID(),
  from,
  to: 'mia',
  text,
  sentAt: new Date().toISOString(),
  state,
});

function setup(graceMs = 3000, failShow = false) {
  vi.useFakeTimers();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grace-'));
  dirs.push(dir);
  const shown: Formatted[] = [];
  const acked: string[] = [];
  const logs: string[] = [];
  const later: Promise<Outcome[]>[] = [];
  const processor = new Processor({
    policy: { me: 'mia', muted: new Set(), quiet: null, groupMuted: () => false },
    store: new SeenStore(path.join(dir, 'seen.json')),
    notifier: {
      show: (n) => {
        if (failShow) return Promise.reject(new Error('daemon gone'));
        shown.push(n);
        return Promise.resolve();
      },
    },
    ack: (ids) => {
      acked.push(...ids);
      return Promise.resolve(true);
    },
    log: (l) => logs.push(l),
    graceMs,
  });
  processor.onLater = (job) => later.push(job);
  return { processor, shown, acked, logs, later };
}

describe('grace period', () => {
  it('shows a message still unread when the period ends, once, and only then acknowledges it', async () => {
    const { processor, shown, acked } = setup();
    const m = msg('alice', 'lunch?');
    await processor.process([{ message: m, readingNow: false }]);
    await vi.advanceTimersByTimeAsync(2999);
    expect(shown).toEqual([]);
    expect(acked).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await processor.idle();
    expect(shown.map((n) => n.body)).toEqual(['lunch?']);
    expect(acked).toEqual([m.id]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(shown).toHaveLength(1);
  });

  it('never shows a message read on another screen during the period, and acknowledges it at once', async () => {
    const { processor, shown, acked, logs } = setup();
    const read = msg('alice', 'read in the browser');
    const unread = msg('bob', 'still unread');
    await processor.process([{ message: read, readingNow: false }]);
    await processor.process([{ message: unread, readingNow: false }]);
    await vi.advanceTimersByTimeAsync(1000);
    processor.markRead([read.id]);
    await processor.idle();
    expect(acked).toEqual([read.id]);
    expect(logs).toContain(`hold ${read.id} from alice: grace 3 s`);
    expect(logs).toContain(`skip ${read.id} from alice: read`);
    await vi.advanceTimersByTimeAsync(2000);
    await processor.idle();
    expect(shown.map((n) => n.body)).toEqual(['still unread']);
  });

  it('a read receipt that came before the message, or a message already read, is not shown', async () => {
    const { processor, shown, acked } = setup();
    const early = msg('alice', 'receipt first');
    processor.markRead([early.id]);
    const already = msg('alice', 'read state', 'read');
    const outcomes = await processor.process([
      { message: early, readingNow: false },
      { message: already, readingNow: false },
    ]);
    expect(outcomes.map((o) => o.verdict)).toEqual(['read', 'read']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(shown).toEqual([]);
    expect(acked.sort()).toEqual([early.id, already.id].sort());
  });

  it('a reconnect offering the waiting message again does not show it twice or acknowledge it early', async () => {
    const { processor, shown, acked } = setup();
    const m = msg('alice', 'once');
    await processor.process([{ message: m, readingNow: false }]);
    await vi.advanceTimersByTimeAsync(2000);
    await processor.process([{ message: m, readingNow: false }]); // the catch-up after a reconnect
    expect(acked).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    await processor.idle();
    await vi.advanceTimersByTimeAsync(5000);
    await processor.idle();
    expect(shown).toHaveLength(1);
    expect(acked).toEqual([m.id]);
  });

  it('the same message twice in one batch waits once and is shown once', async () => {
    const { processor, shown, acked } = setup();
    const m = msg('alice', 'twice');
    await processor.process([
      { message: m, readingNow: false },
      { message: m, readingNow: false },
    ]);
    expect(acked).toEqual([]);
    await vi.advanceTimersByTimeAsync(3000);
    await processor.idle();
    expect(shown.map((n) => n.body)).toEqual(['twice']);
    expect(acked).toEqual([m.id]);
  });

  it('stop() drops what is waiting: not shown, not acknowledged (the server offers it again next time)', async () => {
    const { processor, shown, acked } = setup();
    await processor.process([{ message: msg('alice', 'later'), readingNow: false }]);
    processor.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(shown).toEqual([]);
    expect(acked).toEqual([]);
  });

  it('a failure to show after the period reaches the agent (onLater) and counts', async () => {
    const { processor, acked, later } = setup(3000, true);
    await processor.process([{ message: msg('alice', 'x'), readingNow: false }]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(later).toHaveLength(1);
    await later[0];
    expect(processor.consecutiveFailures).toBe(1);
    expect(acked).toEqual([]);
  });

  it('with grace 0 shows at once', async () => {
    const { processor, shown } = setup(0);
    await processor.process([{ message: msg('alice', 'now'), readingNow: false }]);
    expect(shown).toHaveLength(1);
  });
});

describe('parseGraceSeconds', () => {
  it('takes seconds from 0 to 600, fractions allowed, and refuses the rest', () => {
    expect(parseGraceSeconds('0')).toBe(0);
    expect(parseGraceSeconds('2.5')).toBe(2.5);
    expect(parseGraceSeconds(' 600 ')).toBe(600);
    for (const bad of ['', '-1', '601', 'abc', '1e9', 'NaN', 'Infinity', '3s']) expect(() => parseGraceSeconds(bad)).toThrow(/--grace/);
  });
});
