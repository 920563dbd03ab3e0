// The Linux notifier against a real notification daemon (Xvfb + a private session bus + dunst), no
// server: a shown bubble is replaced in place (same id, one bubble), withdrawn (CloseNotification,
// reason 3), never raised again once closed, and after a replacement one click opens the chat
// once. The same through the whole agent and server: actions.integration.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMessage } from '../src/format.js';
import { createNotifier, type Notifier } from '../src/notify.js';
import { randomName, run, start, startDesktop, stopAll, waitUntil, waitingChildren, which, type Desktop, type Proc } from './helpers/desktop.js';

let desktop: Desktop;
let monitor: Proc;
let notifier: Notifier;
let env: NodeJS.ProcessEnv;
const opened: string[] = [];

const dunstctl = (...args: string[]) => run('dunstctl', args, env);
async function displayed(): Promise<number> {
  const r = await dunstctl('count', 'displayed');
  return Number(r.stdout.trim());
}
/** Closes what is up and returns the bodies dunst has held that contain `tag`. */
async function history(tag: string): Promise<string[]> {
  return (await desktop.collect()).map((n) => n.body).filter((b) => b.includes(tag));
}
const closedBy = (id: number, reason: number) => new RegExp(`member=NotificationClosed\\n\\s+uint32 ${id}\\n\\s+uint32 ${reason}\\n`);

beforeAll(async () => {
  for (const tool of ['Xvfb', 'dbus-daemon', 'dunst', 'dunstctl', 'notify-send', 'stdbuf', 'gdbus', 'dbus-monitor']) {
    if (!which(tool)) throw new Error(`${tool} is missing (Debian: xvfb dbus dbus-bin dunst libnotify-bin coreutils libglib2.0-bin)`);
  }
  desktop = await startDesktop();
  env = { ...process.env, ...desktop.env };
  // notify-send runs with this process's environment, as it does in the agent.
  Object.assign(process.env, desktop.env);
  monitor = start('dbus-monitor', 'dbus-monitor', ['--session', 'type=signal,interface=org.freedesktop.Notifications,member=NotificationClosed'], env);
  await monitor.waitFor('member=NameAcquired', 10_000);
  notifier = createNotifier({ server: 'https://chat.example.com', bodyMarkup: true, clickActions: true, replaceable: true, env, open: (url) => opened.push(url), log: () => undefined });
});

afterAll(async () => {
  notifier?.close?.();
  await stopAll();
});

describe.sequential('the Linux notifier on a real dunst', () => {
  it('replaces a bubble in place: the same id, one bubble, the new text', async () => {
    const tag = randomName('');
    const id = await notifier.show(formatMessage({ from: 'alice', text: `see you at 5 ${tag}` }));
    expect(typeof id).toBe('number');
    expect(await notifier.replace?.(id as number, formatMessage({ from: 'alice', text: `see you at **6** ${tag}` }))).toBe(true);
    expect(await displayed()).toBe(1);
    expect(await history(tag)).toEqual([`see you at 6 ${tag}`]);
  });

  it('after a replacement, a click opens the conversation once', async () => {
    opened.length = 0;
    const tag = randomName('');
    const id = (await notifier.show(formatMessage({ from: 'bob', text: `one ${tag}` }))) as number;
    expect(await notifier.replace?.(id, formatMessage({ from: 'bob', text: `two ${tag}` }))).toBe(true);
    expect((await dunstctl('action', '0')).code).toBe(0);
    await waitUntil('the click to be handled', async () => opened.length > 0, 10_000);
    // The clicked notify-send prints the action and exits; the replaced one was ended before.
    await waitUntil('no notify-send left waiting', async () => waitingChildren(process.pid).length === 0, 10_000);
    expect(opened).toEqual(['https://chat.example.com/c/bob']);
    expect(await history(tag)).toEqual([`two ${tag}`]);
  });

  it('withdraws a bubble with CloseNotification', async () => {
    const id = (await notifier.show(formatMessage({ from: 'carol', text: 'oops' }))) as number;
    expect(await displayed()).toBe(1);
    await notifier.withdraw?.(id);
    await monitor.waitFor(closedBy(id, 3), 10_000);
    expect(await displayed()).toBe(0);
  });

  it('never raises a bubble again once the person closed it', async () => {
    const tag = randomName('');
    const id = (await notifier.show(formatMessage({ from: 'dave', text: `hello ${tag}` }))) as number;
    expect((await dunstctl('close')).code).toBe(0);
    await monitor.waitFor(closedBy(id, 2), 10_000);
    // Its notify-send hears the close and exits: from then on the bubble counts as closed.
    await waitUntil("the closed bubble's notify-send to exit", async () => waitingChildren(process.pid).length === 0, 10_000);
    expect(await notifier.replace?.(id, formatMessage({ from: 'dave', text: `again ${tag}` }))).toBe(false);
    await notifier.withdraw?.(id); // a no-op, and never another program's notification
    expect(await displayed()).toBe(0);
    expect(await history(tag)).toEqual([`hello ${tag}`]);
  });
});
