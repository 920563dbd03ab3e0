// The setup every agent integration test shares: a private desktop and the real server, alice, bob
// and carol registered, and bob signed in to the agent in a config folder of its own. Each test
// file starts its own agent (its options and what it waits for differ) and stops everything with
// stopWorld().
import { SessionResponse, parse } from '@messenger/protocol';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, inject } from 'vitest';
import {
  CLI_ENTRY,
  checkPrerequisites,
  randomName,
  run,
  startDesktop,
  startServer,
  stopAll,
  waitUntil,
  type Desktop,
  type DunstNotification,
  type ServerProc,
} from './desktop.js';

export const PASSWORD = 'correct horse battery';

export interface User {
  username: string;
  token: string;
}

export interface World {
  desktop: Desktop;
  /** Replace it after a restart (startServer('', server.env)): the helpers below read it each call. */
  server: ServerProc;
  configDir: string;
  alice: User;
  bob: User;
  carol: User;
}

/** The agent's environment: the private desktop, the world's config folder, no grace period; `extra` on top. */
export function agentEnv(world: World, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? os.homedir(),
    ...world.desktop.env,
    CHAT_NOTIFIER_CONFIG_DIR: world.configDir,
    // Shown at once, as before the grace period existed; the grace tests set their own.
    CHAT_NOTIFIER_GRACE: '0',
    ...extra,
  };
}

export async function register(server: ServerProc, username: string): Promise<User> {
  const res = await fetch(`${server.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(res.status).toBe(201);
  const body = parse(SessionResponse, await res.json());
  return { username: body.user.username, token: body.token };
}

/** `chat-notifier login` as `user`, the password on stdin as a person would pipe it. */
export function login(world: World, user: User) {
  return run(
    process.execPath,
    [CLI_ENTRY, 'login', '--server', world.server.url, '--username', user.username, '--password-stdin'],
    agentEnv(world),
    `${PASSWORD}\n`,
  );
}

/** Every notification with exactly this body, once there is at least one. */
export function waitForNotification(world: World, text: string, timeoutMs = 10_000): Promise<DunstNotification[]> {
  return waitUntil(
    `a notification with body "${text}"`,
    async () => {
      const hits = (await world.desktop.collect()).filter((n) => n.body === text);
      return hits.length > 0 ? hits : undefined;
    },
    timeoutMs,
    50,
  );
}

/** A text no other test (or earlier run) has sent, so notifications can be told apart by body. */
export const unique = (label: string) => `${label} ${randomName('')}`;

/**
 * Everything but the agent; bob is signed in (the session file private to him). `serverEnv`
 * overrides the server's test environment.
 */
export async function startWorld(configPrefix: string, serverEnv: Record<string, string> = {}): Promise<World> {
  checkPrerequisites();
  const desktop = await startDesktop();
  const server = await startServer(inject('kafkaBrokers'), undefined, serverEnv);
  const [alice, bob, carol] = await Promise.all([register(server, randomName('al')), register(server, randomName('bo')), register(server, randomName('ca'))]);
  const world: World = { desktop, server, configDir: fs.mkdtempSync(path.join(os.tmpdir(), configPrefix)), alice, bob, carol };
  try {
    const signedIn = await login(world, bob);
    expect(signedIn.stderr).toBe('');
    expect(signedIn.code).toBe(0);
    expect(fs.statSync(path.join(world.configDir, 'session.json')).mode & 0o777).toBe(0o600);
    return world;
  } catch (error) {
    fs.rmSync(world.configDir, { recursive: true, force: true });
    throw error;
  }
}

/** Stops every process the test started and removes the config folder. */
export async function stopWorld(world: World | undefined): Promise<void> {
  await stopAll();
  if (world) fs.rmSync(world.configDir, { recursive: true, force: true });
}
