// End to end on a real (virtual) desktop: Xvfb + a private session bus + dunst, the real server as a
// child process against the real Kafka, and the real agent (node dist/cli.js run). Assertions are
// on what dunst received (`dunstctl history`), polled until it appears.
import { SOCKET_PATH, SendResponse, parse } from '@messenger/protocol';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seenFile } from '../src/config.js';
import { SeenStore } from '../src/seen-store.js';
import { ARTIFACTS, CLI_ENTRY, randomName, run, start, startServer, waitUntil, type Proc } from './helpers/desktop.js';
import { agentEnv, login, register, startWorld, stopWorld, unique, waitForNotification, type User, type World } from './helpers/world.js';

let world: World;
let agent: Proc | undefined;

async function send(from: User, to: User, text: string): Promise<string> {
  const res = await fetch(`${world.server.url}/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${from.token}` },
    body: JSON.stringify({ to: to.username, text }),
  });
  expect(res.status).toBe(202);
  return parse(SendResponse, await res.json()).id;
}

async function startAgent(args: string[] = []): Promise<Proc> {
  const p = start('agent', process.execPath, [CLI_ENTRY, 'run', ...args], agentEnv(world));
  await p.waitFor('; live', 30_000);
  return p;
}

/** All notifications so far, including those closed earlier. */
const notifications = () => world.desktop.collect();

beforeAll(async () => {
  world = await startWorld('chat-notifier-test-');
  agent = await startAgent();
});

afterAll(() => stopWorld(world));

describe.sequential('chat-notifier on a real desktop', () => {
  it('turns one POST /send into exactly one dunst notification with sender and text, within a second', async () => {
    const before = await world.desktop.count();
    const text = unique('Lunch at noon?');
    const t0 = performance.now();
    await send(world.alice, world.bob, text);
    await waitUntil('dunst to show a notification', async () => (await world.desktop.count()) > before, 5_000, 5);
    const latency = performance.now() - t0;
    console.log(`[desktop-notifier] POST /send → visible in dunst: ${latency.toFixed(0)} ms`);
    await world.desktop.screenshot(path.join(ARTIFACTS, 'notification.png'));

    const hits = await waitForNotification(world, text);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ summary: world.alice.username, body: text, appname: 'chat-notifier', category: 'im.received' });
    expect(hits[0]?.iconPath).toMatch(/icon\.png$/);
    expect(latency).toBeLessThan(1000);
  });

  it('shows text plain: bidi controls and newlines removed, markup escaped', async () => {
    const tag = randomName('');
    // The server refuses C0/C1 controls now; bidi controls are allowed text, and an override
    // would make "\u202Etxt.exe" read as "exe.txt" in the bubble, so the agent drops them.
    await send(world.alice, world.bob, `<b>bold</b> & \u202Ebell\u2066\nsecond line ${tag} photo\u202Etxt.exe`);
    const hits = await waitForNotification(world, `&lt;b&gt;bold&lt;/b&gt; &amp; bell second line ${tag} phototxt.exe`);
    expect(hits).toHaveLength(1);
  });

  it('shows a username and texts that look like notify-send options as given', async () => {
    // Usernames may start with "-"; notify-send read "-ucritical" as --urgency=critical and
    // "--help" as a request for help (exit 0, nothing shown).
    const dashed = await register(world.server, '-ucritical');
    const tag = randomName('');
    const texts = ['--help', `-t 1 ${tag}`, `--urgency=low ${tag}`, '--', '-'];
    for (const text of texts) {
      await send(dashed, world.bob, text);
      const hits = await waitForNotification(world, text);
      expect(hits).toHaveLength(1);
      expect(hits[0]).toMatchObject({ summary: '-ucritical', body: text, appname: 'chat-notifier' });
    }
  });

  it('stays quiet for own messages and for a conversation open in a visible tab, but acknowledges them', async () => {
    const own = unique('sent from my phone');
    const ownId = await send(world.bob, world.alice, own);
    await agent?.waitFor(`skip ${ownId} from ${world.bob.username}: own`, 10_000);

    // A web tab of bob's that shows the conversation with alice.
    const tab = io(world.server.url, { path: SOCKET_PATH, auth: { token: world.bob.token, client: 'web' }, transports: ['websocket'] });
    try {
      await new Promise<void>((resolve, reject) => {
        tab.once('sync:done', () => resolve());
        tab.once('connect_error', reject);
      });
      tab.emit('focus:set', { peer: world.alice.username });
      await new Promise((r) => setTimeout(r, 200)); // focus:set has no ack
      const reading = unique('you are reading this');
      const readingId = await send(world.alice, world.bob, reading);
      await agent?.waitFor(`skip ${readingId} from ${world.alice.username}: reading`, 10_000);
    } finally {
      tab.disconnect();
    }
    const all = await notifications();
    expect(all.filter((n) => n.body.includes('sent from my phone') || n.body.includes('you are reading this'))).toEqual([]);
  });

  it('reconnects after a server restart, catches up, and never repeats a notification', async () => {
    const first = unique('before the restart');
    await send(world.alice, world.bob, first);
    await waitForNotification(world, first);

    const mark = agent?.text().length ?? 0;
    await world.server.stop('SIGTERM');
    world.server = await startServer('', world.server.env);
    await agent?.waitFor('; live', 60_000, mark);

    const after = unique('after the restart');
    await send(world.carol, world.bob, after);
    const hits = await waitForNotification(world, after);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.summary).toBe(world.carol.username);
    const all = await notifications();
    expect(all.filter((n) => n.body === first)).toHaveLength(1);
  });

  it('after an agent restart, notifies what arrived while it was down once, and skips ids it already notified', async () => {
    await agent?.stop();
    const missed = unique('sent while the agent was down');
    await send(world.alice, world.bob, missed);
    // As if the agent had notified this one and died before its ack reached the server.
    const alreadyNotified = unique('notified before the crash');
    const alreadyId = await send(world.alice, world.bob, alreadyNotified);
    const session = JSON.parse(fs.readFileSync(path.join(world.configDir, 'session.json'), 'utf8')) as { server: string };
    new SeenStore(seenFile(world.configDir, session.server, world.bob.username)).add([alreadyId]);

    agent = await startAgent();
    await agent.waitFor(`skip ${alreadyId} from ${world.alice.username}: seen`, 10_000);
    const hits = await waitForNotification(world, missed);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.summary).toBe(world.alice.username);
    // And a new message after the restart, exactly once.
    const fresh = unique('fresh after the agent restart');
    await send(world.alice, world.bob, fresh);
    expect(await waitForNotification(world, fresh)).toHaveLength(1);

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
    agent = await startAgent(['--mute', world.alice.username, '--quiet-hours', quiet]);
    const mutedId = await send(world.alice, world.bob, unique('muted sender'));
    await agent.waitFor(`skip ${mutedId} from ${world.alice.username}: muted`, 10_000);
    const quietId = await send(world.carol, world.bob, unique('quiet hours'));
    await agent.waitFor(`skip ${quietId} from ${world.carol.username}: quiet`, 10_000);

    // Without the options, nothing of that comes back: it was acknowledged.
    await agent.stop();
    agent = await startAgent();
    const output = agent.text();
    expect(output).toMatch(/caught up \(0 waiting message\(s\)\)/);
    const all = await notifications();
    expect(all.filter((n) => n.body.includes('muted sender') || n.body.includes('quiet hours'))).toEqual([]);
  });

  it('when the notification daemon is gone, keeps the message and shows it once the daemon is back', async () => {
    const restartDunst = await world.desktop.stopDunst();
    const text = unique('sent while dunst was down');
    const mark = agent?.text().length ?? 0;
    await send(world.alice, world.bob, text);
    await agent?.waitFor(`could not show the notification from ${world.alice.username}`, 10_000, mark);
    await restartDunst(); // a new dunst: its history starts empty
    await agent?.waitFor('reconnecting to get the messages that could not be shown offered again', 15_000, mark);
    const hits = await waitForNotification(world, text, 15_000);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.summary).toBe(world.alice.username);
  });

  it('refuses to start, saying why, when notifications cannot be shown', async () => {
    const cli = (env: NodeJS.ProcessEnv) => run(process.execPath, [CLI_ENTRY, 'run'], env);
    const noBus = await cli(agentEnv(world, { DBUS_SESSION_BUS_ADDRESS: '' }));
    expect(noBus.code).toBe(3);
    expect(noBus.stderr).toContain('DBUS_SESSION_BUS_ADDRESS is not set');
    expect(noBus.stderr).toContain('Fix:');

    const deadBus = await cli(agentEnv(world, { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }));
    expect(deadBus.code).toBe(3);
    expect(deadBus.stderr).toContain('No notification server answers');

    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'no-notify-send-'));
    try {
      for (const tool of ['gdbus', 'dbus-send']) {
        const found = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, tool)).find((f) => fs.existsSync(f));
        if (found) fs.symlinkSync(found, path.join(bin, tool));
      }
      const noNotifySend = await cli(agentEnv(world, { PATH: bin }));
      expect(noNotifySend.code).toBe(3);
      expect(noNotifySend.stderr).toContain('notify-send is not installed');
      expect(noNotifySend.stderr).toContain('apt install libnotify-bin');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('status reports the session; logout revokes it and the running agent stops with a clear message', async () => {
    const status = await run(process.execPath, [CLI_ENTRY, 'status'], agentEnv(world));
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`signed in as ${world.bob.username}`);
    expect(status.stdout).toMatch(/notifications: ok \(dunst/);

    const logout = await run(process.execPath, [CLI_ENTRY, 'logout'], agentEnv(world));
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain('session is revoked');
    expect(await agent?.exited).toBe(2);
    expect(agent?.text()).toContain('the server ended this session');
    expect(fs.existsSync(path.join(world.configDir, 'session.json'))).toBe(false);

    const me = await fetch(`${world.server.url}/api/me`, { headers: { authorization: `Bearer ${world.bob.token}` } });
    expect(me.status).toBe(200); // bob's other session (the test's) is untouched
    const after = await run(process.execPath, [CLI_ENTRY, 'status'], agentEnv(world));
    expect(after.code).toBe(2);
    expect(after.stdout).toContain('not signed in');

    const notSignedIn = await run(process.execPath, [CLI_ENTRY, 'run'], agentEnv(world));
    expect(notSignedIn.code).toBe(2);
    expect(notSignedIn.stderr).toContain('not signed in');
  });

  it('stops with a clear message when the stored token is refused (expired or revoked elsewhere)', async () => {
    fs.writeFileSync(
      path.join(world.configDir, 'session.json'),
      JSON.stringify({ version: 1, server: world.server.url, username: world.bob.username, token: 'not-a-valid-token', expiresAt: '2099-01-01T00:00:00.000Z', savedAt: '' }),
      { mode: 0o600 },
    );
    const refused = await run(process.execPath, [CLI_ENTRY, 'run'], agentEnv(world));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refused the stored session');
  });

  it('exits with code 2 and one clear line when the user signs out everywhere from another device', async () => {
    const signedIn = await login(world, world.carol);
    expect(signedIn.code).toBe(0);
    const running = await startAgent();
    // The browser session carol registered with signs her out of everything, the agent included.
    const everywhere = await fetch(`${world.server.url}/api/auth/logout-everywhere`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.carol.token}` },
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
    expect(fs.existsSync(path.join(world.configDir, 'session.json'))).toBe(false);
  });
});
