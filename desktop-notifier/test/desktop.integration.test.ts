// End to end on a real (virtual) desktop: Xvfb + a private session bus + dunst, the real server as a
// child process against the real Kafka, and the real agent (node dist/cli.js run). Assertions are
// on what dunst received (`dunstctl history`), polled until it appears.
import { SOCKET_PATH, SendResponse, SessionResponse, parse } from '@messenger/protocol';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seenFile } from '../src/config.js';
import { SeenStore } from '../src/seen-store.js';
import {
  ARTIFACTS,
  CLI_ENTRY,
  checkPrerequisites,
  randomName,
  run,
  start,
  startDesktop,
  startServer,
  stopAll,
  waitUntil,
  type Desktop,
  type DunstNotification,
  type Proc,
  type ServerProc,
} from './helpers/desktop.js';

const PASSWORD = 'correct horse battery';

interface User {
  username: string;
  token: string;
}

let desktop: Desktop;
let server: ServerProc;
let configDir: string;
let agent: Proc | undefined;
let alice: User;
let bob: User;
let carol: User;
/** Every notification seen so far (collect() moves them into dunst's history). */
let seen: DunstNotification[] = [];

function agentEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? os.homedir(),
    ...desktop.env,
    CHAT_NOTIFIER_CONFIG_DIR: configDir,
    ...extra,
  };
}

async function register(username: string): Promise<User> {
  const res = await fetch(`${server.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(res.status).toBe(201);
  const body = parse(SessionResponse, await res.json());
  return { username: body.user.username, token: body.token };
}

async function send(from: User, to: User, text: string): Promise<string> {
  const res = await fetch(`${server.url}/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${from.token}` },
    body: JSON.stringify({ to: to.username, text }),
  });
  expect(res.status).toBe(202);
  return parse(SendResponse, await res.json()).id;
}

async function startAgent(args: string[] = []): Promise<Proc> {
  const p = start('agent', process.execPath, [CLI_ENTRY, 'run', ...args], agentEnv());
  await p.waitFor('; live', 30_000);
  return p;
}

/** All notifications so far, including those closed earlier. */
async function notifications(): Promise<DunstNotification[]> {
  seen = await desktop.collect();
  return seen;
}

async function waitForNotification(text: string, timeoutMs = 10_000): Promise<DunstNotification[]> {
  return waitUntil(`a notification with body "${text}"`, async () => {
    const all = await notifications();
    const hits = all.filter((n) => n.body === text);
    return hits.length > 0 ? hits : undefined;
  }, timeoutMs, 50);
}

const unique = (label: string) => `${label} ${randomName('')}`;

beforeAll(async () => {
  checkPrerequisites();
  desktop = await startDesktop();
  server = await startServer(inject('kafkaBrokers'));
  [alice, bob, carol] = await Promise.all([register(randomName('al')), register(randomName('bo')), register(randomName('ca'))]);
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-notifier-test-'));
  const login = await run(
    process.execPath,
    [CLI_ENTRY, 'login', '--server', server.url, '--username', bob.username, '--password-stdin'],
    agentEnv(),
    `${PASSWORD}\n`,
  );
  expect(login.stderr).toBe('');
  expect(login.code).toBe(0);
  expect(fs.statSync(path.join(configDir, 'session.json')).mode & 0o777).toBe(0o600);
  agent = await startAgent();
});

afterAll(async () => {
  await stopAll();
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
});

describe.sequential('chat-notifier on a real desktop', () => {
  it('turns one POST /send into exactly one dunst notification with sender and text, within a second', async () => {
    const before = await desktop.count();
    const text = unique('Lunch at noon?');
    const t0 = performance.now();
    await send(alice, bob, text);
    await waitUntil('dunst to show a notification', async () => (await desktop.count()) > before, 5_000, 5);
    const latency = performance.now() - t0;
    console.log(`[desktop-notifier] POST /send → visible in dunst: ${latency.toFixed(0)} ms`);
    await desktop.screenshot(path.join(ARTIFACTS, 'notification.png'));

    const hits = await waitForNotification(text);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ summary: alice.username, body: text, appname: 'chat-notifier', category: 'im.received' });
    expect(hits[0]?.iconPath).toMatch(/icon\.png$/);
    expect(latency).toBeLessThan(1000);
  });

  it('shows text plain: bidi controls and newlines removed, markup escaped', async () => {
    const tag = randomName('');
    // The server refuses C0/C1 controls now; bidi controls are allowed text, and an override
    // would make "\u202Etxt.exe" read as "exe.txt" in the bubble, so the agent drops them.
    await send(alice, bob, `<b>bold</b> & \u202Ebell\u2066\nsecond line ${tag} photo\u202Etxt.exe`);
    const hits = await waitForNotification(`&lt;b&gt;bold&lt;/b&gt; &amp; bell second line ${tag} phototxt.exe`);
    expect(hits).toHaveLength(1);
  });

  it('shows a username and texts that look like notify-send options as given', async () => {
    // Usernames may start with "-"; notify-send read "-ucritical" as --urgency=critical and
    // "--help" as a request for help (exit 0, nothing shown).
    const dashed = await register('-ucritical');
    const tag = randomName('');
    const texts = ['--help', `-t 1 ${tag}`, `--urgency=low ${tag}`, '--', '-'];
    for (const text of texts) {
      await send(dashed, bob, text);
      const hits = await waitForNotification(text);
      expect(hits).toHaveLength(1);
      expect(hits[0]).toMatchObject({ summary: '-ucritical', body: text, appname: 'chat-notifier' });
    }
  });

  it('stays quiet for own messages and for a conversation open in a visible tab, but acknowledges them', async () => {
    const own = unique('sent from my phone');
    const ownId = await send(bob, alice, own);
    await agent?.waitFor(`skip ${ownId} from ${bob.username}: own`, 10_000);

    // A web tab of bob's that shows the conversation with alice.
    const tab = io(server.url, { path: SOCKET_PATH, auth: { token: bob.token, client: 'web' }, transports: ['websocket'] });
    try {
      await new Promise<void>((resolve, reject) => {
        tab.once('sync:done', () => resolve());
        tab.once('connect_error', reject);
      });
      tab.emit('focus:set', { peer: alice.username });
      await new Promise((r) => setTimeout(r, 200)); // focus:set has no ack
      const reading = unique('you are reading this');
      const readingId = await send(alice, bob, reading);
      await agent?.waitFor(`skip ${readingId} from ${alice.username}: reading`, 10_000);
    } finally {
      tab.disconnect();
    }
    const all = await notifications();
    expect(all.filter((n) => n.body.includes('sent from my phone') || n.body.includes('you are reading this'))).toEqual([]);
  });

  it('reconnects after a server restart, catches up, and never repeats a notification', async () => {
    const first = unique('before the restart');
    await send(alice, bob, first);
    await waitForNotification(first);

    const mark = agent?.text().length ?? 0;
    await server.stop('SIGTERM');
    server = await startServer('', server.env);
    await agent?.waitFor('; live', 60_000, mark);

    const after = unique('after the restart');
    await send(carol, bob, after);
    const hits = await waitForNotification(after);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.summary).toBe(carol.username);
    const all = await notifications();
    expect(all.filter((n) => n.body === first)).toHaveLength(1);
  });

  it('after an agent restart, notifies what arrived while it was down once, and skips ids it already notified', async () => {
    await agent?.stop();
    const missed = unique('sent while the agent was down');
    await send(alice, bob, missed);
    // As if the agent had notified this one and died before its ack reached the server.
    const alreadyNotified = unique('notified before the crash');
    const alreadyId = await send(alice, bob, alreadyNotified);
    const session = JSON.parse(fs.readFileSync(path.join(configDir, 'session.json'), 'utf8')) as { server: string };
    new SeenStore(seenFile(configDir, session.server, bob.username)).add([alreadyId]);

    agent = await startAgent();
    await agent.waitFor(`skip ${alreadyId} from ${alice.username}: seen`, 10_000);
    const hits = await waitForNotification(missed);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.summary).toBe(alice.username);
    // And a new message after the restart, exactly once.
    const fresh = unique('fresh after the agent restart');
    await send(alice, bob, fresh);
    expect(await waitForNotification(fresh)).toHaveLength(1);

    const all = await notifications();
    expect(all.filter((n) => n.body.includes('notified before the crash'))).toEqual([]);
    // Nothing was ever shown twice.
    const bodies = all.map((n) => n.body);
    expect(new Set(bodies).size).toBe(bodies.length);
  });

  it('honours --mute and --quiet-hours, acknowledges those messages and never shows them later', async () => {
    await agent?.stop();
    const now = new Date();
    const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    const quiet = `${hhmm(new Date(now.getTime() - 60 * 60_000))}-${hhmm(new Date(now.getTime() + 60 * 60_000))}`;
    agent = await startAgent(['--mute', alice.username, '--quiet-hours', quiet]);
    const mutedId = await send(alice, bob, unique('muted sender'));
    await agent.waitFor(`skip ${mutedId} from ${alice.username}: muted`, 10_000);
    const quietId = await send(carol, bob, unique('quiet hours'));
    await agent.waitFor(`skip ${quietId} from ${carol.username}: quiet`, 10_000);

    // Without the options, nothing of that comes back: it was acknowledged.
    await agent.stop();
    agent = await startAgent();
    const output = agent.text();
    expect(output).toMatch(/caught up \(0 waiting message\(s\)\)/);
    const all = await notifications();
    expect(all.filter((n) => n.body.includes('muted sender') || n.body.includes('quiet hours'))).toEqual([]);
  });

  it('when the notification daemon is gone, keeps the message and shows it once the daemon is back', async () => {
    const restartDunst = await desktop.stopDunst();
    const text = unique('sent while dunst was down');
    const mark = agent?.text().length ?? 0;
    await send(alice, bob, text);
    await agent?.waitFor(`could not show the notification from ${alice.username}`, 10_000, mark);
    await restartDunst(); // a new dunst: its history starts empty
    await agent?.waitFor('reconnecting to get the messages that could not be shown offered again', 15_000, mark);
    const hits = await waitForNotification(text, 15_000);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.summary).toBe(alice.username);
  });

  it('refuses to start, saying why, when notifications cannot be shown', async () => {
    const cli = (env: NodeJS.ProcessEnv) => run(process.execPath, [CLI_ENTRY, 'run'], env);
    const noBus = await cli(agentEnv({ DBUS_SESSION_BUS_ADDRESS: '' }));
    expect(noBus.code).toBe(3);
    expect(noBus.stderr).toContain('DBUS_SESSION_BUS_ADDRESS is not set');
    expect(noBus.stderr).toContain('Fix:');

    const deadBus = await cli(agentEnv({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }));
    expect(deadBus.code).toBe(3);
    expect(deadBus.stderr).toContain('No notification server answers');

    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'no-notify-send-'));
    try {
      for (const tool of ['gdbus', 'dbus-send']) {
        const found = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, tool)).find((f) => fs.existsSync(f));
        if (found) fs.symlinkSync(found, path.join(bin, tool));
      }
      const noNotifySend = await cli(agentEnv({ PATH: bin }));
      expect(noNotifySend.code).toBe(3);
      expect(noNotifySend.stderr).toContain('notify-send is not installed');
      expect(noNotifySend.stderr).toContain('apt install libnotify-bin');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('status reports the session; logout revokes it and the running agent stops with a clear message', async () => {
    const status = await run(process.execPath, [CLI_ENTRY, 'status'], agentEnv());
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`signed in as ${bob.username}`);
    expect(status.stdout).toMatch(/notifications: ok \(dunst/);

    const logout = await run(process.execPath, [CLI_ENTRY, 'logout'], agentEnv());
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain('session is revoked');
    expect(await agent?.exited).toBe(2);
    expect(agent?.text()).toContain('the server ended this session');
    expect(fs.existsSync(path.join(configDir, 'session.json'))).toBe(false);

    const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(me.status).toBe(200); // bob's other session (the test's) is untouched
    const after = await run(process.execPath, [CLI_ENTRY, 'status'], agentEnv());
    expect(after.code).toBe(2);
    expect(after.stdout).toContain('not signed in');

    const notSignedIn = await run(process.execPath, [CLI_ENTRY, 'run'], agentEnv());
    expect(notSignedIn.code).toBe(2);
    expect(notSignedIn.stderr).toContain('not signed in');
  });

  it('stops with a clear message when the stored token is refused (expired or revoked elsewhere)', async () => {
    fs.writeFileSync(
      path.join(configDir, 'session.json'),
      JSON.stringify({ version: 1, server: server.url, username: bob.username, token: 'not-a-valid-token', expiresAt: '2099-01-01T00:00:00.000Z', savedAt: '' }),
      { mode: 0o600 },
    );
    const refused = await run(process.execPath, [CLI_ENTRY, 'run'], agentEnv());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refused the stored session');
  });

  it('exits with code 2 and one clear line when the user signs out everywhere from another device', async () => {
    const login = await run(
      process.execPath,
      [CLI_ENTRY, 'login', '--server', server.url, '--username', carol.username, '--password-stdin'],
      agentEnv(),
      `${PASSWORD}\n`,
    );
    expect(login.code).toBe(0);
    const running = await startAgent();
    // The browser session carol registered with signs her out of everything, the agent included.
    const everywhere = await fetch(`${server.url}/api/auth/logout-everywhere`, {
      method: 'POST',
      headers: { authorization: `Bearer ${carol.token}` },
    });
    expect(everywhere.status).toBe(204);
    const deadline = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error('the agent was still running 15 s after sign-out everywhere')), 15_000).unref();
    });
    expect(await Promise.race([running.exited, deadline])).toBe(2);
    const lines = running.text().split('\n').filter((line) => line.startsWith('chat-notifier: '));
    expect(lines).toEqual([
      'chat-notifier: the server ended this session (signed out everywhere). Run "chat-notifier login" to sign in again.',
    ]);
    expect(fs.existsSync(path.join(configDir, 'session.json'))).toBe(false);
  });
});
