// A 1:1 mute kept on the server (PUT /api/conversations/:peer/mute, as the web app sets it),
// honoured by the real agent on a real (virtual) desktop: Xvfb + a private session bus + dunst, the
// real server as a child process against the real Kafka, the agent (node dist/cli.js run) signed in
// as bob. It follows a change while running (conversation:update), loads the setting on connect
// (a peer muted while it was off stays quiet in the catch-up), and `--mute` stays a local override.
import { ApiPaths, ConversationUpdate, parse } from '@messenger/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ENTRY, start, type Proc } from './helpers/desktop.js';
import { agentEnv, startWorld, stopWorld, unique, waitForNotification, type User, type World } from './helpers/world.js';

let world: World;
let agent: Proc | undefined;

async function api(user: User, method: string, url: string, body?: unknown): Promise<Response> {
  return fetch(`${world.server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** 1:1 message; resolves with its id. */
async function send(from: User, to: User, text: string): Promise<string> {
  const res = await api(from, 'POST', ApiPaths.send, { to: to.username, text });
  const body = (await res.json()) as { id?: unknown };
  expect(res.status, JSON.stringify(body)).toBe(202);
  if (typeof body.id !== 'string') throw new Error(`no message id in ${JSON.stringify(body)}`);
  return body.id;
}

/** Bob's setting, as the web app sets it. */
async function bobMutes(peer: User, muted: boolean): Promise<void> {
  const res = await api(world.bob, 'PUT', ApiPaths.mute(peer.username), { muted });
  expect(res.status).toBe(200);
  expect(parse(ConversationUpdate, await res.json())).toMatchObject({ peer: peer.username, muted });
}

async function startAgent(...args: string[]): Promise<Proc> {
  const p = start('agent', process.execPath, [CLI_ENTRY, 'run', ...args], agentEnv(world));
  // Both: the muted conversations are loaded, and the catch-up is done.
  await p.waitFor(/muted conversations: \d+/, 30_000);
  await p.waitFor('; live', 30_000);
  return p;
}

const notifications = () => world.desktop.collect();

beforeAll(async () => {
  world = await startWorld('chat-notifier-conversation-mute-');
  agent = await startAgent();
});

afterAll(() => stopWorld(world));

describe.sequential('chat-notifier and a 1:1 mute kept on the server', () => {
  it('a mute made elsewhere reaches the running agent: the muted person stays quiet, others still notify', async () => {
    const before = unique('before the mute');
    await send(world.alice, world.bob, before);
    expect(await waitForNotification(world, before)).toHaveLength(1);

    const mark = agent?.text().length ?? 0;
    await bobMutes(world.alice, true);
    await agent?.waitFor(`conversation with ${world.alice.username}: muted`, 10_000, mark);
    const quiet = unique('alice while muted');
    const id = await send(world.alice, world.bob, quiet);
    await agent?.waitFor(`skip ${id} from ${world.alice.username}: muted`, 10_000, mark);
    // carol is not muted: her message, sent after alice's, is shown, and alice's never was.
    const loud = unique('carol meanwhile');
    await send(world.carol, world.bob, loud);
    expect(await waitForNotification(world, loud)).toHaveLength(1);
    expect((await notifications()).filter((n) => n.body === quiet)).toEqual([]);
  });

  it('a peer muted while the agent was off stays quiet in the catch-up', async () => {
    await agent?.stop();
    await bobMutes(world.alice, false);
    await bobMutes(world.carol, true);
    const fromCarol = unique('carol while the agent was off');
    const carolId = await send(world.carol, world.bob, fromCarol);
    const fromAlice = unique('alice while the agent was off');
    await send(world.alice, world.bob, fromAlice);
    agent = await startAgent();
    expect(agent.text()).toContain(`muted conversations: 1 (${world.carol.username})`);
    await agent.waitFor(`skip ${carolId} from ${world.carol.username}: muted`, 10_000);
    expect(await waitForNotification(world, fromAlice)).toHaveLength(1);
    expect((await notifications()).filter((n) => n.body === fromCarol)).toEqual([]);
  });

  it('unmuting notifies again; --mute stays a machine-only override the server knows nothing of', async () => {
    const mark = agent?.text().length ?? 0;
    await bobMutes(world.carol, false);
    await agent?.waitFor(`conversation with ${world.carol.username}: unmuted`, 10_000, mark);
    const back = unique('carol unmuted');
    await send(world.carol, world.bob, back);
    expect(await waitForNotification(world, back)).toHaveLength(1);

    await agent?.stop();
    agent = await startAgent('--mute', world.carol.username);
    const local = unique('carol muted on this machine only');
    const localId = await send(world.carol, world.bob, local);
    await agent.waitFor(`skip ${localId} from ${world.carol.username}: muted`, 10_000);
    const list = await api(world.bob, 'GET', ApiPaths.conversations);
    const body = (await list.json()) as { conversations: { peer: string; muted: boolean }[] };
    expect(body.conversations.find((c) => c.peer === world.carol.username)?.muted).toBe(false);
  });
});
