// Typing, presence, receipts and sign-outs between server processes that share one Postgres
// database and one topic: Alice's socket is on instance A, Bob's on B, and each hears the other
// as if they were on one process. A process killed with SIGKILL (no goodbye) takes its users
// offline for their peers on the survivors within the presence lease. Postgres only: SQLite
// runs one process, and socket.io's in-memory adapter has no other process to tell.
import { ApiPaths, GroupApiPaths, type Group, type Profile } from '@messenger/protocol';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupChange } from '../src/services/groups.service.js';
import {
  autoAck,
  bearer,
  collectMessages,
  connect,
  randomName,
  register,
  removeDir,
  send,
  startApp,
  waitFor,
  type ClientSocket,
  type TestApp,
} from './helpers/app.js';
import { onPostgres } from './helpers/database.js';
import { startServerProcess, type ServerProcess } from './helpers/process.js';
import { waitUntil } from './helpers/wait.js';

// The survivors' lease: long enough that a loaded test machine never stalls one of them past it
// (a stalled process is taken for dead, and its users flap offline and back).
const LEASE_MS = 6000;
// The victim's lease: short, so the dead-instance case runs in seconds.
const VICTIM_LEASE_MS = 1500;
// A dead process's users go offline within its lease plus one heartbeat of a survivor (a third
// of the survivor's lease); the rest is slack for a loaded machine. With the default (15 s
// everywhere) that is within 20 s.
const OFFLINE_DEADLINE_MS = VICTIM_LEASE_MS + LEASE_MS / 3 + 8_000;

let a: TestApp;
let b: TestApp;
const sockets: ClientSocket[] = [];
const processes: ServerProcess[] = [];

async function on(t: { url: string }, token: string) {
  const socket = await connect(t, token);
  sockets.push(socket);
  return socket;
}

/**
 * The next presence:update about `username` from now on. (`waitFor` also replays what the
 * socket heard before, which may be the "offline" that introduced the pair at their first message.)
 */
function nextPresence(socket: ClientSocket, username: string, online: boolean, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off('presence:update', listener);
      reject(new Error(`timed out after ${ms} ms waiting for ${username} to be ${online ? 'online' : 'offline'}`));
    }, ms);
    const listener = (p: { username: string; online: boolean }) => {
      if (p.username !== username || p.online !== online) return;
      clearTimeout(timer);
      socket.off('presence:update', listener);
      resolve();
    };
    socket.on('presence:update', listener);
  });
}

/** Two people who share a conversation (peers see each other's presence and typing). */
async function pair() {
  const alice = await register(a);
  const bob = await register(a);
  expect((await send(a, alice.token, bob.username, 'hello')).statusCode).toBe(202);
  return { alice, bob };
}

describe.skipIf(!onPostgres)('ephemeral events across server instances (Postgres)', () => {
  beforeAll(async () => {
    a = await startApp({ INSTANCE_ID: 'a', PRESENCE_LEASE_MS: String(LEASE_MS) });
    b = await startApp({
      KAFKA_TOPIC_PREFIX: a.prefix,
      DATA_DIR: a.dataDir,
      INSTANCE_ID: 'b',
      KAFKA_CLIENT_ID: randomName('b'),
      PRESENCE_LEASE_MS: String(LEASE_MS),
    });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const p of processes) await p.stop('SIGKILL');
    await b?.close();
    await a?.close();
    if (a) removeDir(a.dataDir);
  });

  it('presence, typing, delivered and read receipts reach the peer on the other instance', async () => {
    const { alice, bob } = await pair();
    const aliceOnA = await on(a, alice.token);
    const bobOnline = nextPresence(aliceOnA, bob.username, true);
    const bobOnB = await on(b, bob.token);
    const bobMessages = collectMessages(bobOnB);
    autoAck(bobOnB, bob.username);
    await bobOnline;

    // Both REST answers (any instance) see the other's socket, wherever it is.
    const onA = await a.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(alice.token) });
    expect(onA.json<{ conversations: { peer: string; online: boolean }[] }>().conversations).toContainEqual(
      expect.objectContaining({ peer: bob.username, online: true }),
    );
    const people = await b.app.inject({ method: 'GET', url: `/api/people?q=${alice.username}`, headers: bearer(bob.token) });
    expect(people.json<{ users: { username: string; online: boolean }[] }>().users).toEqual([{ username: alice.username, online: true, displayName: null, avatarUrl: null }]);
    const asked = await bobOnB.timeout(10_000).emitWithAck('presence:query', { usernames: [alice.username] });
    expect(asked).toEqual({ ok: true, data: { online: [alice.username], strangers: [] } });

    const typing = waitFor(aliceOnA, 'typing:update', (p) => p.from === bob.username && p.typing);
    bobOnB.emit('typing:set', { to: alice.username, typing: true });
    await typing;

    // Alice posts on A; Bob's screen on B acknowledges; "delivered" reaches Alice on A.
    const posted = await send(a, alice.token, bob.username, 'across');
    expect(posted.statusCode).toBe(202);
    const { id } = posted.json<{ id: string }>();
    const delivered = waitFor(aliceOnA, 'receipt:update', (r) => r.state === 'delivered' && r.ids.includes(id));
    await bobMessages.until(2);
    expect(await delivered).toMatchObject({ peer: bob.username });

    // Bob reads through B's REST; "read" reaches Alice on A.
    const read = waitFor(aliceOnA, 'receipt:update', (r) => r.state === 'read' && r.ids.includes(id));
    const readRes = await b.app.inject({ method: 'POST', url: `/api/conversations/${alice.username}/read`, headers: bearer(bob.token), payload: { upTo: id } });
    expect(readRes.statusCode).toBe(200);
    expect(await read).toMatchObject({ peer: bob.username });

    // Bob's last socket closes: Alice hears "offline" once, and REST agrees.
    const offline = nextPresence(aliceOnA, bob.username, false);
    bobOnB.close();
    await offline;
    const after = await a.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(alice.token) });
    expect(after.json<{ conversations: { peer: string; online: boolean }[] }>().conversations).toContainEqual(
      expect.objectContaining({ peer: bob.username, online: false }),
    );
  });

  it('group changes made on A reach members on B (group:update, co-member presence) and the listeners of B', async () => {
    const [alice, bob, carol] = [await register(a), await register(a), await register(a)];
    const bobOnB = await on(b, bob.token);
    const carolOnB = await on(b, carol.token);
    const heardOnB: GroupChange[] = [];
    b.app.groupsService.onChanged((change) => {
      heardOnB.push(change);
    });
    const created = waitFor(bobOnB, 'group:update', (u) => u.group?.name === 'Across');
    const res = await a.app.inject({
      method: 'POST',
      url: GroupApiPaths.groups,
      headers: bearer(alice.token),
      payload: { name: 'Across', members: [bob.username, carol.username] },
    });
    expect(res.statusCode).toBe(201);
    const { id } = res.json<Group>();
    expect(await created).toMatchObject({ id, group: { role: 'member', memberCount: 3 } });

    // Sharing a group and no conversation, bob on B still hears alice come online on A.
    const aliceOnline = nextPresence(bobOnB, alice.username, true);
    await on(a, alice.token);
    await aliceOnline;

    const carolGone = waitFor(carolOnB, 'group:update', (u) => u.id === id && u.group === null);
    expect((await a.app.inject({ method: 'DELETE', url: GroupApiPaths.member(id, carol.username), headers: bearer(alice.token) })).statusCode).toBe(204);
    await carolGone;
    // B's caches hear it too, marked as made elsewhere.
    await waitUntil(
      () => heardOnB.some((c) => c.groupId === id && c.removed.includes(carol.username) && c.remote === true),
      10_000,
      "B's listeners to hear of the removal",
    );
    expect(heardOnB.filter((c) => c.groupId === id).every((c) => c.remote === true)).toBe(true);
  });

  it("a 1:1 mute made on A reaches the user's sockets on A and B (conversation:update), and nobody else's", async () => {
    const { alice, bob } = await pair();
    const aliceOnA = await on(a, alice.token);
    const aliceOnB = await on(b, alice.token);
    const bobOnB = await on(b, bob.token);
    const heardBob: unknown[] = [];
    bobOnB.on('conversation:update', (u) => heardBob.push(u));
    const both = [aliceOnA, aliceOnB].map((s) => waitFor(s, 'conversation:update', (u) => u.peer === bob.username && u.muted));
    const res = await a.app.inject({ method: 'PUT', url: ApiPaths.mute(bob.username), headers: bearer(alice.token), payload: { muted: true } });
    expect(res.statusCode, res.body).toBe(200);
    await Promise.all(both);
    // B reads the setting from the shared store.
    await waitUntil(
      async () => {
        const list = await b.app.inject({ method: 'GET', url: ApiPaths.conversations, headers: bearer(alice.token) });
        return list.json<{ conversations: { peer: string; muted: boolean }[] }>().conversations.some((c) => c.peer === bob.username && c.muted);
      },
      15_000,
      'the mute listed on B',
    );
    // Something bob does hear from A after the mute: had the mute been pushed to him, it came first.
    expect((await send(a, alice.token, bob.username, 'after the mute')).statusCode).toBe(202);
    await waitFor(bobOnB, 'message:new', (m) => m.message.text === 'after the mute');
    expect(heardBob).toEqual([]);
  });

  it('a picture uploaded on A reaches the peer on B (profile:update), and B serves it from the shared store', async () => {
    const { alice, bob } = await pair();
    const bobOnB = await on(b, bob.token);
    // They count as peers once the pair's message is stored; Bob's catch-up brings it from the store.
    await collectMessages(bobOnB).until(1);
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'teal' } }).png().toBuffer();
    const res = await a.app.inject({ method: 'PUT', url: ApiPaths.myAvatar, headers: { ...bearer(alice.token), 'content-type': 'image/png' }, payload: png });
    expect(res.statusCode, res.body).toBe(200);
    const { avatarUrl } = res.json<Profile>();
    const heard = await waitFor(bobOnB, 'profile:update', (p) => p.username === alice.username && p.avatarUrl === avatarUrl);
    const image = await b.app.inject({ method: 'GET', url: heard.avatarUrl ?? '', headers: bearer(bob.token) });
    expect([image.statusCode, image.headers['content-type']]).toEqual([200, 'image/webp']);
    expect((await sharp(image.rawPayload).metadata()).width).toBe(256);
  });

  it('a user with sockets on both instances stays online until the last one closes', async () => {
    const { alice, bob } = await pair();
    const aliceOnA = await on(a, alice.token);
    const online = nextPresence(aliceOnA, bob.username, true);
    const first = await on(a, bob.token);
    await online;
    const updates: boolean[] = [];
    aliceOnA.on('presence:update', (p) => {
      if (p.username === bob.username) updates.push(p.online);
    });
    const second = await on(b, bob.token);
    const firstClosed = new Promise((resolve) => first.once('disconnect', resolve));
    first.close();
    await firstClosed;
    // Once A has withdrawn its row, Bob is still on B: he reads as online, and no "offline" went out.
    await waitUntil(
      async () => (await a.app.database.db.selectFrom('presence').select('instance_id').where('username', '=', bob.username).execute()).length === 1,
      10_000,
      "A to withdraw bob's presence row",
    );
    const asked = await aliceOnA.timeout(10_000).emitWithAck('presence:query', { usernames: [bob.username] });
    expect(asked).toEqual({ ok: true, data: { online: [bob.username], strangers: [] } });
    expect(updates).not.toContain(false);
    // His last socket closes: now "offline".
    const offline = nextPresence(aliceOnA, bob.username, false);
    second.close();
    await offline;
    const after = await aliceOnA.timeout(10_000).emitWithAck('presence:query', { usernames: [bob.username] });
    expect(after).toEqual({ ok: true, data: { online: [], strangers: [] } });
  });

  it('signing out on A closes the session on B at once: its socket and its REST token', async () => {
    const { bob } = await pair();
    const bobOnB = await on(b, bob.token);
    // B has just checked the token (the moment a cache would keep it).
    expect((await b.app.inject({ method: 'GET', url: '/api/me', headers: bearer(bob.token) })).statusCode).toBe(200);
    const revoked = waitFor(bobOnB, 'session:revoked');
    const closed = new Promise<string>((resolve) => bobOnB.once('disconnect', resolve));
    const asked = Date.now();
    expect((await a.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(bob.token) })).statusCode).toBe(204);
    console.log(`sign-out answered in ${Date.now() - asked} ms, after the other instance confirmed`);
    expect((await b.app.inject({ method: 'GET', url: '/api/me', headers: bearer(bob.token) })).statusCode).toBe(401);
    expect(await revoked).toEqual({ reason: 'logged out' });
    expect(await closed).toBe('io server disconnect');
  });

  it('revoking an API token on A closes its socket on B at once, and B refuses it', async () => {
    const { bob } = await pair();
    const created = await a.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: bearer(bob.token),
      payload: { name: 'agent on B', scopes: ['receive', 'read'] },
    });
    expect(created.statusCode).toBe(201);
    const { id, secret } = created.json<{ id: string; secret: string }>();
    const tokenOnB = await on(b, secret);
    // B has just checked the token (the moment a cache would keep it).
    expect((await b.app.inject({ method: 'GET', url: '/api/me', headers: bearer(secret) })).statusCode).toBe(200);
    const revoked = waitFor(tokenOnB, 'session:revoked');
    const closed = new Promise<string>((resolve) => tokenOnB.once('disconnect', resolve));
    expect((await a.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: bearer(bob.token) })).statusCode).toBe(204);
    expect((await b.app.inject({ method: 'GET', url: '/api/me', headers: bearer(secret) })).statusCode).toBe(401);
    expect(await revoked).toEqual({ reason: 'token revoked' });
    expect(await closed).toBe('io server disconnect');
  });

  it('signing out everywhere on B closes every session of the user on A', async () => {
    const { alice } = await pair();
    const second = await a.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: alice.username, password: alice.password } });
    const otherToken = second.json<{ token: string }>().token;
    const onA = await on(a, otherToken);
    expect((await a.app.inject({ method: 'GET', url: '/api/me', headers: bearer(otherToken) })).statusCode).toBe(200);
    const revoked = waitFor(onA, 'session:revoked');
    const closed = new Promise<string>((resolve) => onA.once('disconnect', resolve));
    expect((await b.app.inject({ method: 'POST', url: '/api/auth/logout-everywhere', headers: bearer(alice.token) })).statusCode).toBe(204);
    expect((await a.app.inject({ method: 'GET', url: '/api/me', headers: bearer(otherToken) })).statusCode).toBe(401);
    expect(await revoked).toEqual({ reason: 'signed out everywhere' });
    expect(await closed).toBe('io server disconnect');
  });

  it('a password change on A ends the other sessions on B: their sockets and their REST tokens', async () => {
    const { alice } = await pair();
    const second = await b.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: alice.username, password: alice.password } });
    const otherToken = second.json<{ token: string }>().token;
    const onB = await on(b, otherToken);
    expect((await b.app.inject({ method: 'GET', url: '/api/me', headers: bearer(otherToken) })).statusCode).toBe(200);
    const revoked = waitFor(onB, 'session:revoked');
    const changed = await a.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: bearer(alice.token),
      payload: { currentPassword: alice.password, newPassword: 'a quite different passphrase' },
    });
    expect(changed.statusCode).toBe(204);
    expect((await b.app.inject({ method: 'GET', url: '/api/me', headers: bearer(otherToken) })).statusCode).toBe(401);
    expect((await b.app.inject({ method: 'GET', url: '/api/me', headers: bearer(alice.token) })).statusCode).toBe(200);
    expect(await revoked).toEqual({ reason: 'password changed' });
  });

  it('an instance that shuts down cleanly takes its users offline for their peers at once, not a lease later', async () => {
    const { alice, bob: dora } = await pair();
    // A lease far beyond the wait below: only the shutdown itself can announce "offline" in time.
    const d = await startApp({
      KAFKA_TOPIC_PREFIX: a.prefix,
      DATA_DIR: a.dataDir,
      INSTANCE_ID: 'd',
      KAFKA_CLIENT_ID: randomName('d'),
      PRESENCE_LEASE_MS: '120000',
    });
    try {
      const aliceOnA = await on(a, alice.token);
      const online = nextPresence(aliceOnA, dora.username, true);
      await on(d, dora.token);
      await online;
      const offline = nextPresence(aliceOnA, dora.username, false, 30_000);
      await d.close();
      await offline;
    } finally {
      await d.close();
    }
  });

  it("a SIGKILLed instance's users go offline for their peers on the survivors within the lease", async () => {
    const { alice, bob: carol } = await pair();
    const c = await startServerProcess({
      KAFKA_TOPIC_PREFIX: a.prefix,
      DATA_DIR: a.dataDir,
      INSTANCE_ID: 'c',
      KAFKA_CLIENT_ID: randomName('c'),
      PRESENCE_LEASE_MS: String(VICTIM_LEASE_MS),
    });
    processes.push(c);
    const aliceOnA = await on(a, alice.token);
    const online = nextPresence(aliceOnA, carol.username, true);
    await on(c, carol.token);
    await online;

    const offline = nextPresence(aliceOnA, carol.username, false, OFFLINE_DEADLINE_MS);
    const killedAt = Date.now();
    await c.stop('SIGKILL');
    await offline;
    console.log(`presence: offline for the peer ${Date.now() - killedAt} ms after SIGKILL (victim's lease ${VICTIM_LEASE_MS} ms, survivors' heartbeat ${LEASE_MS / 3} ms)`);
    const asked = await aliceOnA.timeout(10_000).emitWithAck('presence:query', { usernames: [carol.username] });
    expect(asked).toEqual({ ok: true, data: { online: [], strangers: [] } });
  });
});
