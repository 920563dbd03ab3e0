// How show() hears the OS on macOS and Windows: node-notifier's callback is the answer (an error,
// a click, a dismissal or a timeout). There is no macOS or Windows here, so the node-notifier
// object is injected; the wiring under test is ours: settle once, on the answer or the deadline.
import type { ChatMessage } from '@messenger/protocol';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Processor } from '../src/processor.js';
import { formatMessage } from '../src/format.js';
import { createNotifier, type NodeNotifyCallback } from '../src/notify.js';
import { browserCommand } from '../src/open-url.js';
import { SeenStore } from '../src/seen-store.js';

const SERVER = 'https://chat.example.com';
const note = formatMessage({ from: 'alice', text: 'hi' });

/** A node-notifier stand-in: records each call and lets the test answer it later. */
function fakeNodeNotifier() {
  const calls: { options: Record<string, unknown>; answer: NodeNotifyCallback }[] = [];
  return {
    calls,
    notify: (options: object, answer: NodeNotifyCallback) => {
      calls.push({ options: options as Record<string, unknown>, answer });
    },
  };
}

const settled = async (p: Promise<unknown>) => {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await Promise.resolve();
  await Promise.resolve();
  return state;
};

afterEach(() => {
  vi.useRealTimers();
});

describe.each(['darwin', 'win32'] as const)('show() on %s waits for the OS', (platform) => {
  function setup() {
    const fake = fakeNodeNotifier();
    const opened: string[] = [];
    const logs: string[] = [];
    const notifier = createNotifier({
      server: SERVER,
      bodyMarkup: false,
      platform,
      nodeNotify: fake.notify,
      open: (url) => opened.push(url),
      log: (l) => logs.push(l),
      acceptMs: 2000,
    });
    return { fake, opened, logs, notifier };
  }

  it('rejects when the OS answers with an error (node-notifier passes an Error or a stderr string)', async () => {
    const { fake, notifier } = setup();
    const a = notifier.show(note);
    fake.calls[0]?.answer(new Error('terminal-notifier exited with 1'));
    await expect(a).rejects.toThrow(/terminal-notifier exited with 1/);
    const b = notifier.show(note);
    fake.calls[1]?.answer('Notifications are disabled for this app');
    await expect(b).rejects.toThrow(/disabled/);
  });

  it('resolves when the OS answers without an error, and a click opens the conversation', async () => {
    const { fake, notifier, opened } = setup();
    const shown = notifier.show(note);
    expect(await settled(shown)).toBe('pending');
    fake.calls[0]?.answer(null, 'activate', { activationType: 'contentsClicked' });
    await expect(shown).resolves.toBeUndefined();
    expect(opened).toEqual([`${SERVER}/c/alice`]);
  });

  it('resolves once the bubble has been up for acceptMs without an error (the helper then waits for the person), and still opens on a later click', async () => {
    vi.useFakeTimers();
    const { fake, notifier, opened } = setup();
    const shown = notifier.show(note);
    await vi.advanceTimersByTimeAsync(1999);
    expect(await settled(shown)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(shown)).toBe('resolved');
    fake.calls[0]?.answer(null, 'activate', {});
    expect(opened).toEqual([`${SERVER}/c/alice`]);
  });

  it('settles once: SnoreToast answers a failure twice (the error, then null) and that is one rejection, no click', async () => {
    const { fake, notifier, opened, logs } = setup();
    const shown = notifier.show(note);
    fake.calls[0]?.answer(Object.assign(new Error('snoretoast failed'), { code: -1 }));
    fake.calls[0]?.answer(null, undefined, {});
    await expect(shown).rejects.toThrow(/snoretoast failed/);
    expect(opened).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('logs an error that comes after the bubble was taken as shown', async () => {
    vi.useFakeTimers();
    const { fake, notifier, logs } = setup();
    const shown = notifier.show(note);
    await vi.advanceTimersByTimeAsync(2000);
    await expect(shown).resolves.toBeUndefined();
    fake.calls[0]?.answer(new Error('late'));
    expect(logs.join('\n')).toMatch(/late/);
  });

  it('counts failures in the processor: nothing recorded or acknowledged, consecutiveFailures grows', async () => {
    const { fake, notifier } = setup();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-'));
    try {
      const acked: string[] = [];
      const processor = new Processor({
        policy: { me: 'mia', muted: new Set(), quiet: null, groupMuted: () => false },
        store: new SeenStore(path.join(dir, 'seen.json')),
        notifier,
        ack: (ids) => {
          acked.push(...ids);
          return Promise.resolve(true);
        },
        log: () => undefined,
      });
      const message: ChatMessage = { id: randomUUID(), from: 'alice', to: 'mia', text: 'hi', sentAt: new Date().toISOString(), state: 'sent' };
      const done = processor.process([{ message, readingNow: false }]);
      await vi.waitFor(() => expect(fake.calls).toHaveLength(1));
      fake.calls[0]?.answer(new Error('no notification center'));
      const [outcome] = await done;
      expect(outcome?.verdict).toBe('notify');
      expect(processor.consecutiveFailures).toBe(1);
      expect(acked).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('browserCommand', () => {
  it('uses xdg-open without $BROWSER, and the first $BROWSER entry with %s or the URL appended', () => {
    const url = 'http://h/c/a';
    expect(browserCommand(url, {})).toEqual(['xdg-open', [url]]);
    expect(browserCommand(url, { BROWSER: '/opt/rec' })).toEqual(['/opt/rec', [url]]);
    expect(browserCommand(url, { BROWSER: 'firefox --new-tab %s:chromium' })).toEqual(['firefox', ['--new-tab', url]]);
    expect(browserCommand(url, { BROWSER: '  ' })).toEqual(['xdg-open', [url]]);
  });
});
