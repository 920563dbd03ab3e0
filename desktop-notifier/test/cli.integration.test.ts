// The command line beyond `run`, against the real server (child process, real Kafka) on a private
// desktop: `send` from the stored session, `status` with unread counts per conversation, and two
// accounts side by side with --profile.
import { createClient } from '@messenger/client';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ENTRY, run, waitUntil } from './helpers/desktop.js';
import { PASSWORD, agentEnv, startWorld, stopWorld, unique, type User, type World } from './helpers/world.js';

let world: World;

const cli = (args: string[], stdin?: string) => run(process.execPath, [CLI_ENTRY, ...args], agentEnv(world), stdin);
const clientOf = (user: User) => createClient({ baseUrl: world.server.url, token: user.token, username: user.username });

/** `peer`'s conversation with `owner`, newest first, as `owner` reads it. */
async function textsFrom(owner: User, peer: User): Promise<string[]> {
  const page = await clientOf(owner).history(peer.username, { limit: 50 });
  return page.messages.filter((m) => m.from === peer.username).map((m) => m.text);
}

/** Waits until the server counts these unread messages for `owner` (the count follows Kafka). */
function waitForUnread(owner: User, expected: Record<string, number>): Promise<unknown> {
  return waitUntil(
    `unread counts ${JSON.stringify(expected)} for ${owner.username}`,
    async () => {
      const convs = await clientOf(owner).conversations();
      return Object.entries(expected).every(([peer, n]) => convs.find((c) => c.peer === peer)?.unread === n);
    },
    15_000,
    50,
  );
}

beforeAll(async () => {
  world = await startWorld('chat-notifier-cli-');
});

afterAll(() => stopWorld(world));

describe.sequential('chat-notifier send, status and profiles', () => {
  it('send --to delivers one message from the signed-in account', async () => {
    const text = unique('lunch at 12?');
    const r = await cli(['send', '--to', world.alice.username, text]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Sent to ${world.alice.username} \\(message [0-9a-f-]{36}, \\d{4}-`));
    await waitUntil('the message in alice\'s history', async () => (await textsFrom(world.alice, world.bob)).includes(text), 15_000, 50);
    expect((await textsFrom(world.alice, world.bob)).filter((t) => t === text)).toHaveLength(1);
  });

  it('send - reads the text from stdin (for scripts), keeping its inner lines', async () => {
    const text = `${unique('build')}\nfailed on main`;
    const r = await cli(['send', '--to', world.alice.username, '-'], `${text}\n`);
    expect(r.code, r.stderr).toBe(0);
    await waitUntil('the piped message', async () => (await textsFrom(world.alice, world.bob)).includes(text), 15_000, 50);
  });

  it('send names the server\'s reason when it refuses, and exits 1', async () => {
    const r = await cli(['send', '--to', 'nobody-here-at-all', 'hello?']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^chat-notifier: not sent: .+ \(recipient_not_found\)\n$/);
    const usage = await cli(['send', '--to', world.alice.username]);
    expect(usage.code).toBe(64);
  });

  it('status shows unread messages per conversation, most first', async () => {
    const before = await cli(['status']);
    expect(before.code, before.stdout).toBe(0);
    expect(before.stdout).toContain('unread:     nothing\n');

    const alice = clientOf(world.alice);
    await alice.send(world.bob.username, unique('one'));
    await alice.send(world.bob.username, unique('two'));
    await clientOf(world.carol).send(world.bob.username, unique('three'));
    await waitForUnread(world.bob, { [world.alice.username]: 2, [world.carol.username]: 1 });

    const r = await cli(['status']);
    expect(r.code, r.stdout).toBe(0);
    const width = Math.max(world.alice.username.length, world.carol.username.length);
    expect(r.stdout).toContain(
      `unread:     3 in 2 conversations\n` +
        `  ${world.alice.username.padEnd(width)}  2\n` +
        `  ${world.carol.username.padEnd(width)}  1\n`,
    );
  });

  it('--profile keeps a second account beside the first: own session file, own sends, own status', async () => {
    const login = await run(
      process.execPath,
      [CLI_ENTRY, 'login', '--profile', 'work', '--server', world.server.url, '--username', world.carol.username, '--password-stdin'],
      agentEnv(world),
      `${PASSWORD}\n`,
    );
    expect(login.code, login.stderr).toBe(0);
    const workDir = path.join(world.configDir, 'profiles', 'work');
    expect(fs.statSync(path.join(workDir, 'session.json')).mode & 0o777).toBe(0o600);

    const work = await cli(['status', '--profile', 'work']);
    expect(work.stdout).toContain(`signed in as ${world.carol.username}`);
    expect(work.stdout).toContain(`config dir: ${workDir} (profile work)`);
    const main = await cli(['status']);
    expect(main.stdout).toContain(`signed in as ${world.bob.username}`);

    const text = unique('from the work profile');
    expect((await cli(['send', '--profile', 'work', '--to', world.alice.username, text])).code).toBe(0);
    await waitUntil('carol\'s message', async () => (await textsFrom(world.alice, world.carol)).includes(text), 15_000, 50);
    expect(await textsFrom(world.alice, world.bob)).not.toContain(text);

    expect((await cli(['logout', '--profile', 'work'])).code).toBe(0);
    expect((await cli(['status', '--profile', 'work'])).code).toBe(2);
    expect((await cli(['status'])).stdout).toContain(`signed in as ${world.bob.username}`);
  });
});
