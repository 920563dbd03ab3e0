// Edits and deletes on a real desktop (issue 18): Xvfb + a private session bus + dunst, the real
// server against the real Kafka, the real agent. The agent reaches the server through a small TCP
// relay the test can hold, so a change can be made while the agent is offline and reach it only by
// the catch-up. What dunst shows is read with `dunstctl history`; what the agent closed, from the
// notification server's own NotificationClosed signal (reason 3: closed by CloseNotification),
// seen on the bus with dbus-monitor.
import { ChangeResponse, MessageActionPaths, MessagesPage, ApiPaths, SendResponse, parse, type ChangeKind } from '@messenger/protocol';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ENTRY, randomName, run, start, waitUntil, waitingChildren, which, type Proc } from './helpers/desktop.js';
import { PASSWORD, agentEnv, startWorld, stopWorld, unique, type User, type World } from './helpers/world.js';

let world: World;
let agent: Proc;
let relay: Relay;
let monitor: Proc;
let scratch: string;
let opened: string;

/**
 * A TCP relay to the server. hold(): drops every connection and keeps new ones waiting, unanswered
 * (the agent's reconnect waits in its connect timeout); release(): lets them through at once.
 */
interface Relay {
  url: string;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

async function startRelay(target: URL): Promise<Relay> {
  const pairs = new Set<net.Socket>();
  let held: net.Socket[] | null = null;
  const through = (client: net.Socket) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    pairs.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(client);
      pairs.delete(upstream);
    };
    for (const s of [client, upstream]) s.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  };
  const server = net.createServer((client) => {
    if (held) {
      held.push(client);
      client.on('error', () => client.destroy());
    } else through(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hold() {
      held = [];
      for (const s of pairs) s.destroy();
    },
    release() {
      const waiting = held ?? [];
      held = null;
      for (const client of waiting) if (!client.destroyed) through(client);
    },
    async close() {
      for (const s of [...pairs, ...(held ?? [])]) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function api(user: User, method: string, url: string, body?: unknown): Promise<Response> {
  return fetch(`${world.server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function send(from: User, to: User, text: string): Promise<string> {
  const res = await api(from, 'POST', ApiPaths.send, { to: to.username, text });
  expect(res.status).toBe(202);
  return parse(SendResponse, await res.json()).id;
}

/** An action through the REST routes; resolves with the change's id. */
async function act(user: User, kind: Exclude<ChangeKind, 'react' | 'unreact'>, id: string, text?: string): Promise<string> {
  const res =
    kind === 'edit'
      ? await api(user, 'PATCH', MessageActionPaths.message(id), { text })
      : await api(user, 'DELETE', `${MessageActionPaths.message(id)}?for=${kind === 'delete' ? 'everyone' : 'me'}`);
  expect(res.status, await res.clone().text()).toBe(202);
  const change = parse(ChangeResponse, await res.json());
  expect(change.kind).toBe(kind);
  return change.id;
}

/** Waits until the history store holds the change, as `reader` sees the conversation with `peer`. */
async function stored(reader: User, peer: User, id: string, done: (m: MessagesPage['messages'][number]) => boolean): Promise<void> {
  await waitUntil(`message ${id} changed in the store`, async () => {
    const res = await api(reader, 'GET', `${ApiPaths.messages(peer.username)}?around=${encodeURIComponent(id)}`);
    if (res.status !== 200) return false;
    const found = parse(MessagesPage, await res.json()).messages.find((m) => m.id === id);
    return found !== undefined && done(found);
  });
}

/** Waits for the agent to show message `id` (its log line says so once shown, recorded and acknowledged). */
async function notified(id: string, from = 0): Promise<void> {
  await agent.waitFor(`notified ${id} from `, 15_000, from);
}

/** The agent's line for a change, and the notification id it names. */
async function changed(kind: string, changeId: string, messageId: string, outcome: 'updated' | 'withdrawn'): Promise<number> {
  const pattern = new RegExp(`${kind} ${changeId} of ${messageId}: notification (\\d+) ${outcome}`);
  const out = await agent.waitFor(pattern, 15_000);
  return Number(pattern.exec(out)?.[1]);
}

const withTag = async (tag: string) => (await world.desktop.collect()).filter((n) => n.body.includes(tag));
const openedUrls = () => (fs.existsSync(opened) ? fs.readFileSync(opened, 'utf8').trim().split('\n').filter(Boolean) : []);

beforeAll(async () => {
  world = await startWorld('chat-notifier-actions-');
  relay = await startRelay(new URL(world.server.url));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-notifier-actions-'));
  opened = path.join(scratch, 'opened');
  const browser = path.join(scratch, 'browser');
  fs.writeFileSync(browser, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${opened}'\n`, { mode: 0o755 });
  // Bob's agent signs in through the relay, in a config folder of its own.
  const env = agentEnv(world, { CHAT_NOTIFIER_CONFIG_DIR: path.join(scratch, 'config'), BROWSER: browser });
  const login = await run(process.execPath, [CLI_ENTRY, 'login', '--server', relay.url, '--username', world.bob.username, '--password-stdin'], env, `${PASSWORD}\n`);
  expect(login.code, login.stderr).toBe(0);
  // dbus-monitor, not gdbus monitor: dunst sends NotificationClosed to the notification's own
  // client only, which a match rule does not see; a bus monitor sees every message.
  if (!which('dbus-monitor')) throw new Error('dbus-monitor is missing (Debian: sudo apt install dbus-bin)');
  monitor = start('dbus-monitor', 'dbus-monitor', ['--session', 'type=signal,interface=org.freedesktop.Notifications,member=NotificationClosed'], {
    ...process.env,
    ...world.desktop.env,
  });
  await monitor.waitFor('member=NameAcquired', 10_000);
  agent = start('agent', process.execPath, [CLI_ENTRY, 'run'], env);
  await agent.waitFor('; live', 30_000);
});

afterAll(async () => {
  await relay?.close();
  await stopWorld(world);
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe.sequential('display names on a real desktop', () => {
  it('titles a bubble "Display Name (@username)", and follows a rename live (profile:update)', async () => {
    const named = await api(world.alice, 'PATCH', ApiPaths.myProfile, { displayName: 'Alice Liddell' });
    expect(named.status, await named.clone().text()).toBe(200);
    const first = unique('named');
    await notified(await send(world.alice, world.bob, first));
    expect((await withTag(first)).map((n) => n.summary)).toEqual([`Alice Liddell (@${world.alice.username})`]);

    const mark = agent.text().length;
    const renamed = await api(world.alice, 'PATCH', ApiPaths.myProfile, { displayName: null });
    expect(renamed.status).toBe(200);
    await agent.waitFor(`profile of ${world.alice.username}: display name removed`, 10_000, mark);
    const second = unique('unnamed');
    await notified(await send(world.alice, world.bob, second));
    expect((await withTag(second)).map((n) => n.summary)).toEqual([world.alice.username]);
  });
});

describe.sequential('edits and deletes on a real desktop', () => {
  it('an edit replaces the bubble in place: one bubble with the new text, and a click opens the chat once', async () => {
    await world.desktop.collect(); // nothing else on screen
    const tag = randomName('');
    const id = await send(world.alice, world.bob, `**Lunch** at noon? ${tag}`);
    await notified(id);
    const t0 = performance.now();
    const changeId = await act(world.alice, 'edit', id, `Lunch at \`one\`? ${tag}`);
    await changed('edit', changeId, id, 'updated');
    console.log(`[desktop-notifier] PATCH edit → bubble replaced: ${(performance.now() - t0).toFixed(0)} ms`);

    expect((await run('dunstctl', ['action', '0'], { ...process.env, ...world.desktop.env })).code).toBe(0);
    const url = `${relay.url}/c/${world.alice.username}`;
    await waitUntil('the browser to be opened', async () => openedUrls().includes(url), 10_000);
    await waitUntil('the clicked notify-send to exit', async () => waitingChildren(agent.child.pid).length === 0, 10_000);
    // The replaced bubble's first notify-send ended with the replacement: it cannot open it again.
    expect(openedUrls()).toEqual([url]);

    const hits = await withTag(tag);
    expect(hits.map((n) => [n.summary, n.body])).toEqual([[world.alice.username, `Lunch at one? ${tag}`]]);
  });

  it('a message deleted for everyone is withdrawn, and one hidden by me too', async () => {
    for (const [kind, by] of [
      ['delete', world.alice],
      ['hide', world.bob],
    ] as const) {
      const tag = unique(kind);
      const id = await send(world.alice, world.bob, `oops ${tag}`);
      await notified(id);
      const t0 = performance.now();
      const changeId = await act(by, kind, id);
      const n = await changed(kind, changeId, id, 'withdrawn');
      // Reason 3: closed by a call to CloseNotification, not expired (1) or dismissed (2).
      await monitor.waitFor(new RegExp(`member=NotificationClosed\\n\\s+uint32 ${n}\\n\\s+uint32 3\\n`), 10_000);
      console.log(`[desktop-notifier] DELETE (${kind}) → bubble closed: ${(performance.now() - t0).toFixed(0)} ms`);
    }
  });

  it('never shows a message deleted before it reached the agent, and acknowledges it', async () => {
    relay.hold();
    const tag = unique('deleted early');
    const id = await send(world.alice, world.bob, `never mind ${tag}`);
    // A 202 means Kafka holds it; the delete route looks for it in the store.
    await stored(world.alice, world.bob, id, () => true);
    await act(world.alice, 'delete', id);
    await stored(world.alice, world.bob, id, (m) => m.deleted === true);
    const mark = agent.text().length;
    relay.release();
    await agent.waitFor(`skip ${id} from ${world.alice.username}: deleted`, 30_000, mark);
    expect(await withTag(tag)).toEqual([]);

    // Acknowledged: the next connect does not offer it again.
    const again = agent.text().length;
    relay.hold();
    relay.release();
    await agent.waitFor('; live', 30_000, again);
    expect(agent.text().slice(again)).not.toContain(id);
  });

  it('an edit made while the agent was offline reaches it in the catch-up and updates the bubble it showed', async () => {
    await world.desktop.collect();
    const tag = unique('caught up');
    const id = await send(world.alice, world.bob, `draft ${tag}`);
    await notified(id);
    relay.hold();
    const changeId = await act(world.alice, 'edit', id, `final ${tag}`);
    await stored(world.bob, world.alice, id, (m) => m.text === `final ${tag}`);
    const mark = agent.text().length;
    relay.release();
    await agent.waitFor('catching up', 30_000, mark);
    await changed('edit', changeId, id, 'updated');
    const hits = await withTag(tag);
    expect(hits.map((n) => n.body)).toEqual([`final ${tag}`]);
  });
});
