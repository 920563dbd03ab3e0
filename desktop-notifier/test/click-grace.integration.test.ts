// On the real desktop (Xvfb + a private bus + dunst, the real server and Kafka, node dist/cli.js
// run as bob): a click on a bubble (`dunstctl action`, dunst's default action) opens the
// conversation with $BROWSER, here a script that records the URL; the notify-send processes that
// wait for clicks end with their bubbles and with the agent; an old notify-send falls back with a
// notice; and the grace period: read in the web app meanwhile, not shown; unread, shown once.
import { Group, GroupApiPaths, SendResponse, parse } from '@messenger/protocol';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRACE_SECONDS } from '../src/grace.js';
import { ARTIFACTS, CLI_ENTRY, run, start, waitUntil, waitingChildren, type Proc } from './helpers/desktop.js';
import { agentEnv, startWorld, stopWorld, unique, waitForNotification, type User, type World } from './helpers/world.js';

let world: World;
let agent: Proc | undefined;
let scratch: string;
let opened: string;
let browser: string;
/** Alice's group with bob in it (made by the group click test). */
let group: Group;

async function api(user: User, url: string, body: unknown): Promise<Response> {
  return fetch(`${world.server.url}${url}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function send(from: User, to: User, text: string): Promise<string> {
  const res = await api(from, '/send', { to: to.username, text });
  expect(res.status).toBe(202);
  return parse(SendResponse, await res.json()).id;
}

async function startAgent(env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<Proc> {
  const p = start('agent', process.execPath, [CLI_ENTRY, 'run', ...args], agentEnv(world, { BROWSER: browser, ...env }));
  await p.waitFor('; live', 30_000);
  return p;
}

const dunst = (...args: string[]) => run('dunstctl', args, agentEnv(world));

/** Until dunst displays more than `before` notifications; resolves with the time it took from `t0`. */
async function displayed(before: number, t0: number): Promise<number> {
  await waitUntil(
    'dunst to display the notification',
    async () => {
      const r = await dunst('count', 'displayed');
      return Number(r.stdout.trim()) > before;
    },
    15_000,
    5,
  );
  return performance.now() - t0;
}

const openedUrls = () => (fs.existsSync(opened) ? fs.readFileSync(opened, 'utf8').trim().split('\n').filter(Boolean) : []);

beforeAll(async () => {
  world = await startWorld('chat-notifier-click-');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-notifier-browser-'));
  opened = path.join(scratch, 'opened');
  browser = path.join(scratch, 'browser');
  fs.writeFileSync(browser, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${opened}'\n`, { mode: 0o755 });
  agent = await startAgent();
});

afterAll(async () => {
  await stopWorld(world);
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe.sequential('clicks and the grace period on a real desktop', () => {
  it('a click on a 1:1 bubble opens <server>/c/<sender> with $BROWSER', async () => {
    expect(agent?.text()).not.toContain('will not open the conversation');
    await dunst('close-all');
    const t0 = performance.now();
    await send(world.alice, world.bob, unique('click me'));
    const latency = await displayed(0, t0);
    console.log(`[desktop-notifier] grace 0: POST /send → displayed by dunst: ${latency.toFixed(0)} ms`);
    await world.desktop.screenshot(path.join(ARTIFACTS, 'click-notification.png'));
    expect(waitingChildren(agent?.child.pid)).toHaveLength(1);

    const action = await dunst('action', '0');
    expect(action.code, action.stderr).toBe(0);
    const url = `${world.server.url}/c/${world.alice.username}`;
    await waitUntil('the browser to be opened', async () => openedUrls().includes(url), 10_000);
    expect(openedUrls()).toEqual([url]);
    // notify-send printed the action and exited: nothing of it waits any more.
    await waitUntil('the clicked notify-send to exit', async () => waitingChildren(agent?.child.pid).length === 0, 10_000);
  });

  it('a click on a group bubble opens <server>/g/<group id>', async () => {
    const created = await api(world.alice, GroupApiPaths.groups, { name: 'Clickers', members: [world.bob.username] });
    expect(created.status).toBe(201);
    group = parse(Group, await created.json());
    await dunst('close-all');
    const res = await api(world.alice, GroupApiPaths.messages(group.id), { text: unique('group click') });
    expect(res.status).toBe(202);
    await displayed(0, performance.now());
    fs.rmSync(opened, { force: true });
    expect((await dunst('action', '0')).code).toBe(0);
    const url = `${world.server.url}/g/${group.id}`;
    await waitUntil('the browser to be opened', async () => openedUrls().includes(url), 10_000);
    expect(openedUrls()).toEqual([url]);
  });

  it('a waiting notify-send ends when its bubble closes, and every one ends when the agent stops', async () => {
    await dunst('close-all');
    await send(world.alice, world.bob, unique('closed unclicked'));
    await displayed(0, performance.now());
    await waitUntil('one notify-send waiting', async () => waitingChildren(agent?.child.pid).length === 1, 10_000);
    await dunst('close-all');
    await waitUntil('it to exit with its bubble', async () => waitingChildren(agent?.child.pid).length === 0, 10_000);

    await send(world.alice, world.bob, unique('still up when the agent stops'));
    await send(world.carol, world.bob, unique('another conversation, still up'));
    await displayed(1, performance.now());
    const pids = await waitUntil('two notify-send waiting', async () => {
      const found = waitingChildren(agent?.child.pid);
      return found.length === 2 ? found : undefined;
    }, 10_000);
    expect(await agent?.stop()).toBe(0);
    const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
    await waitUntil('the waiting notify-send processes to end with the agent', async () => !pids.some(alive), 10_000);
  });

  it('with a notify-send older than 0.7.10, says once that clicks cannot open the chat, and still notifies', async () => {
    const bin = path.join(scratch, 'old-bin');
    fs.mkdirSync(bin);
    const real = (await run('sh', ['-c', 'command -v notify-send'], agentEnv(world))).stdout.trim();
    fs.writeFileSync(path.join(bin, 'notify-send'), `#!/bin/sh\n[ "$1" = --version ] && { echo 'notify-send 0.7.9'; exit 0; }\nexec '${real}' "$@"\n`, { mode: 0o755 });
    agent = await startAgent({ PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` });
    const notices = agent.text().split('\n').filter((l) => l.includes('will not open the conversation'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('notify-send 0.7.9 cannot wait for clicks (0.7.10+ can)');
    const text = unique('no click here');
    await send(world.alice, world.bob, text);
    await agent.waitFor(/notified .* from /, 10_000);
    // Shown, and nothing stays behind waiting for a click that cannot be reported.
    expect(waitingChildren(agent.child.pid)).toEqual([]);
    expect(await waitForNotification(world, text)).toHaveLength(1);
    await agent.stop();
  });

  it(`grace (default ${DEFAULT_GRACE_SECONDS} s): a message read in the web app meanwhile is never shown`, async () => {
    agent = await startAgent({ CHAT_NOTIFIER_GRACE: undefined });
    expect(agent.text()).toContain(`; grace ${DEFAULT_GRACE_SECONDS} s`);
    const text = unique('read in the browser');
    const id = await send(world.alice, world.bob, text);
    // The web app reads what it has received; the agent has it by then too.
    await agent.waitFor(`hold ${id} from ${world.alice.username}: grace ${DEFAULT_GRACE_SECONDS} s`, 10_000);
    // What the web app does when bob opens the conversation.
    const read = await api(world.bob, `/api/conversations/${world.alice.username}/read`, { upTo: id });
    expect(read.status).toBe(200);
    await agent.waitFor(`skip ${id} from ${world.alice.username}: read`, 10_000);
    // A later message is shown after its own grace period; by then the first would have been too.
    const after = unique('sent after the read one');
    await send(world.carol, world.bob, after);
    await waitForNotification(world, after, 15_000);
    expect((await world.desktop.collect()).filter((n) => n.body === text)).toEqual([]);
  });

  it(`grace (default ${DEFAULT_GRACE_SECONDS} s): a group message read in the web app meanwhile is never shown`, async () => {
    const text = unique('group message read in the browser');
    const sent = await api(world.alice, GroupApiPaths.messages(group.id), { text });
    expect(sent.status).toBe(202);
    const id = parse(SendResponse, await sent.json()).id;
    await agent?.waitFor(`hold ${id} from ${world.alice.username} in group ${group.id}: grace`, 10_000);
    const read = await api(world.bob, GroupApiPaths.read(group.id), { upTo: id });
    expect(read.status).toBe(200);
    await agent?.waitFor(`skip ${id} from ${world.alice.username} in group ${group.id}: read`, 10_000);
    const after = unique('sent after the read group message');
    await send(world.carol, world.bob, after);
    await waitForNotification(world, after, 15_000);
    expect((await world.desktop.collect()).filter((n) => n.body === text)).toEqual([]);
  });

  it(`grace (default ${DEFAULT_GRACE_SECONDS} s): a message still unread when it ends is shown once, not before`, async () => {
    await dunst('close-all');
    const text = unique('unread after the grace');
    const t0 = performance.now();
    await send(world.alice, world.bob, text);
    const latency = await displayed(0, t0);
    console.log(`[desktop-notifier] grace ${DEFAULT_GRACE_SECONDS} s: POST /send → displayed by dunst: ${latency.toFixed(0)} ms`);
    expect(latency).toBeGreaterThanOrEqual(DEFAULT_GRACE_SECONDS * 1000);
    const barrier = unique('barrier');
    await send(world.carol, world.bob, barrier);
    await waitForNotification(world, barrier, 15_000);
    expect((await world.desktop.collect()).filter((n) => n.body === text)).toHaveLength(1);
  });
});
