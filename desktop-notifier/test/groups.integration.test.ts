// Group notifications end to end on a real (virtual) desktop: Xvfb + a private session bus + dunst,
// the real server as a child process against the real Kafka, and the real agent (node dist/cli.js
// run) signed in as bob. Alice, bob and carol share a group; messages go in through
// POST /api/groups/:id/messages and the assertions are on what dunst received.
import { Group, GroupApiPaths, SOCKET_PATH, parse } from '@messenger/protocol';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, CLI_ENTRY, run, start, waitUntil, type Proc } from './helpers/desktop.js';
import { agentEnv, startWorld, stopWorld, unique, waitForNotification, type User, type World } from './helpers/world.js';

/** A bidi override in the name: the bubble must show "Launch team", never reordered text. */
const GROUP_NAME = 'Launch \u202Eteam';
const SHOWN_NAME = 'Launch team';

let world: World;
let agent: Proc | undefined;
let team: Group;

async function api(user: User, method: string, url: string, body?: unknown): Promise<Response> {
  return fetch(`${world.server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Sends to the group; resolves with the message id (the same in every member's copy). */
async function sendToGroup(from: User, text: string): Promise<string> {
  const res = await api(from, 'POST', GroupApiPaths.messages(team.id), { text });
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(202);
  const id = (body as { id?: unknown }).id;
  if (typeof id !== 'string') throw new Error(`no message id in ${JSON.stringify(body)}`);
  return id;
}

/** Bob's setting, as the web app sets it. */
async function setMutedOverRest(muted: boolean): Promise<void> {
  const res = await api(world.bob, 'PUT', GroupApiPaths.mute(team.id), { muted });
  expect(res.status).toBe(200);
  expect(parse(Group, await res.json()).muted).toBe(muted);
}

async function startAgent(): Promise<Proc> {
  const p = start('agent', process.execPath, [CLI_ENTRY, 'run'], agentEnv(world));
  // Both: the groups are loaded, and the catch-up is done.
  await p.waitFor(/groups: \d+/, 30_000);
  await p.waitFor('; live', 30_000);
  return p;
}

const cli = (...args: string[]) => run(process.execPath, [CLI_ENTRY, ...args], agentEnv(world));

const notifications = () => world.desktop.collect();

beforeAll(async () => {
  world = await startWorld('chat-notifier-groups-');
  const created = await api(world.alice, 'POST', GroupApiPaths.groups, { name: GROUP_NAME, members: [world.bob.username, world.carol.username] });
  const body: unknown = await created.json();
  expect(created.status, JSON.stringify(body)).toBe(201);
  team = parse(Group, body);
  agent = await startAgent();
});

afterAll(() => stopWorld(world));

describe.sequential('chat-notifier in a group', () => {
  it('shows a group message once, titled "Group · Sender" with the name stripped of bidi controls', async () => {
    const before = await world.desktop.count();
    const text = unique('standup moved to 10:30');
    const t0 = performance.now();
    await sendToGroup(world.alice, text);
    // The bubble on screen, before collecting (which closes it) moves it to the history.
    await waitUntil('dunst to show the group notification', async () => (await world.desktop.count()) > before, 10_000, 10);
    console.log(`[desktop-notifier] POST group message (3 members) → visible in dunst: ${(performance.now() - t0).toFixed(0)} ms`);
    await world.desktop.screenshot(path.join(ARTIFACTS, 'group-notification.png'));
    const hits = await waitForNotification(world, text);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ summary: `${SHOWN_NAME} · ${world.alice.username}`, body: text, appname: 'chat-notifier' });
  });

  it('stays quiet for my own group message sent from another screen', async () => {
    const text = unique('sent to the team from my phone');
    const id = await sendToGroup(world.bob, text);
    await agent?.waitFor(`skip ${id} from ${world.bob.username} in group ${team.id}: own`, 10_000);
    expect((await notifications()).filter((n) => n.body === text)).toEqual([]);
  });

  it('status lists the group; mute --group NAME mutes it on the server and the running agent follows', async () => {
    const status = await cli('status');
    expect(status.stdout).toContain(`${team.id}  ${SHOWN_NAME}`);
    expect(status.stdout).not.toContain('(muted');

    const mark = agent?.text().length ?? 0;
    // The name as a person sees and types it, in another case.
    const muted = await cli('mute', '--group', 'launch team');
    expect(muted.stderr).toBe('');
    expect(muted.code).toBe(0);
    expect(muted.stdout).toContain(`Muted "${SHOWN_NAME}" (${team.id})`);
    await agent?.waitFor(`group ${team.id}: muted`, 10_000, mark);
    // The setting is the server's: the web app sees it too.
    const mine = await api(world.bob, 'GET', GroupApiPaths.group(team.id));
    expect(parse(Group, await mine.json()).muted).toBe(true);
    expect((await cli('status')).stdout).toContain(`${team.id}  ${SHOWN_NAME}  (muted: @mentions only)`);

    const text = unique('muted chatter');
    const id = await sendToGroup(world.alice, text);
    await agent?.waitFor(`skip ${id} from ${world.alice.username} in group ${team.id}: muted`, 10_000, mark);
    expect((await notifications()).filter((n) => n.body === text)).toEqual([]);
  });

  it('a muted group still notifies a message that @mentions me, marked as a mention', async () => {
    const text = unique(`@${world.bob.username} the deploy failed, can you look?`);
    await sendToGroup(world.carol, text);
    const hits = await waitForNotification(world, text);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.summary).toBe(`${SHOWN_NAME} · ${world.carol.username} mentioned you`);
    // Someone else's mention is still muted chatter for bob.
    const other = unique(`@${world.alice.username} thanks`);
    const otherId = await sendToGroup(world.carol, other);
    await agent?.waitFor(`skip ${otherId} from ${world.carol.username} in group ${team.id}: muted`, 10_000);
  });

  it('unmuting in the web app (PUT mute) reaches the running agent through group:update', async () => {
    const mark = agent?.text().length ?? 0;
    await setMutedOverRest(false);
    await agent?.waitFor(`group ${team.id}: unmuted`, 10_000, mark);
    const text = unique('unmuted again');
    await sendToGroup(world.carol, text);
    const hits = await waitForNotification(world, text);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.summary).toBe(`${SHOWN_NAME} · ${world.carol.username}`);
  });

  it('a group muted while the agent was off stays quiet in the catch-up; unmute --group ID', async () => {
    await agent?.stop();
    await setMutedOverRest(true);
    const text = unique('sent while the agent was off');
    const id = await sendToGroup(world.alice, text);
    const mention = unique(`@${world.bob.username} sent while the agent was off`);
    await sendToGroup(world.alice, mention);
    agent = await startAgent();
    await agent.waitFor(`skip ${id} from ${world.alice.username} in group ${team.id}: muted`, 10_000);
    const hits = await waitForNotification(world, mention);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.summary).toBe(`${SHOWN_NAME} · ${world.alice.username} mentioned you`);
    expect((await notifications()).filter((n) => n.body === text)).toEqual([]);

    const mark = agent.text().length;
    const unmuted = await cli('unmute', '--group', team.id);
    expect(unmuted.code).toBe(0);
    expect(unmuted.stdout).toContain(`Unmuted "${SHOWN_NAME}"`);
    await agent.waitFor(`group ${team.id}: unmuted`, 10_000, mark);
  });

  it('stays quiet while the group is open in a visible tab (readingNow)', async () => {
    const tab = io(world.server.url, { path: SOCKET_PATH, auth: { token: world.bob.token, client: 'web' }, transports: ['websocket'] });
    try {
      await new Promise<void>((resolve, reject) => {
        tab.once('sync:done', () => resolve());
        tab.once('connect_error', reject);
      });
      tab.emit('focus:set', { peer: null, group: team.id });
      // focus:set has no ack; the server handles one socket's events in order, so the answer to
      // a later query means the focus is set.
      await tab.timeout(5000).emitWithAck('presence:query', { usernames: [world.alice.username] });
      const text = unique('you are reading the group');
      const id = await sendToGroup(world.alice, text);
      await agent?.waitFor(`skip ${id} from ${world.alice.username} in group ${team.id}: reading`, 10_000);
      expect((await notifications()).filter((n) => n.body === text)).toEqual([]);
    } finally {
      tab.disconnect();
    }
  });

  it('removed: the agent hears it and nothing of the group comes after; added back: it notifies again', async () => {
    const mark = agent?.text().length ?? 0;
    const removed = await api(world.alice, 'DELETE', GroupApiPaths.member(team.id, world.bob.username));
    expect(removed.status).toBe(204);
    await agent?.waitFor(`group ${team.id}: no longer a member`, 10_000, mark);
    const missed = unique('said after bob was removed');
    const missedId = await sendToGroup(world.alice, missed);

    const added = await api(world.alice, 'POST', GroupApiPaths.members(team.id), { usernames: [world.bob.username] });
    expect(added.status).toBe(200);
    await agent?.waitFor(`group ${team.id}: joined`, 10_000, mark);
    const back = unique('welcome back');
    await sendToGroup(world.alice, back);
    expect(await waitForNotification(world, back)).toHaveLength(1);
    // A copy for bob would sit before "welcome back" in his inbox partition: by now it would have
    // been shown, or at least logged by id.
    expect((await notifications()).filter((n) => n.body === missed)).toEqual([]);
    expect(agent?.text().slice(mark)).not.toContain(missedId);
  });

  it('mute --group refuses a group I am not in, listing mine; nothing was ever shown twice', async () => {
    const miss = await cli('mute', '--group', 'no such group');
    expect(miss.code).toBe(1);
    expect(miss.stderr).toContain('no group "no such group"');
    expect(miss.stderr).toContain(team.id);
    const usage = await cli('mute');
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('--group');

    const bodies = (await notifications()).map((n) => n.body);
    expect(new Set(bodies).size).toBe(bodies.length);
  });
});
