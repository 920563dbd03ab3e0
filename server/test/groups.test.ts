// Group management over REST (create, list, rename, members, roles, leave, mute), the
// `group:update` pushes that follow each change, and presence among co-members. Every route is
// also asked by a non-member (404 group_not_found: existence is not revealed) and by a member
// without the role (403).
import {
  Group,
  GroupApiPaths,
  GroupMember,
  GroupMembersResponse,
  GroupUpdate,
  GroupsResponse,
  type ErrorBody,
} from '@messenger/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESENCE_PUSH_MAX_CO_MEMBERS, PRESENCE_PUSH_MAX_GROUP_SIZE } from '../src/services/peers.js';
import { bearer, connect, randomName, register, removeDir, startApp, waitFor, type TestApp } from './helpers/app.js';
import { waitUntil } from './helpers/wait.js';

// A small cap, so "full" is reachable without a thousand accounts.
const MAX = 4;

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ GROUP_MAX_MEMBERS: String(MAX), API_RATE_PER_MINUTE: '100000' });
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
});

const isGroup = TypeCompiler.Compile(Group);
const isGroups = TypeCompiler.Compile(GroupsResponse);
const isMembers = TypeCompiler.Compile(GroupMembersResponse);
const isMember = TypeCompiler.Compile(GroupMember);
const isUpdate = TypeCompiler.Compile(GroupUpdate);

type User = Awaited<ReturnType<typeof register>>;
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

function call(user: User, method: Method, url: string, payload?: unknown) {
  return t.app.inject({ method, url, headers: bearer(user.token), ...(payload === undefined ? {} : { payload: payload as object }) });
}

async function createGroup(owner: User, members: User[], name = 'Team') {
  const res = await call(owner, 'POST', GroupApiPaths.groups, { name, members: members.map((m) => m.username) });
  expect(res.statusCode, res.body).toBe(201);
  const group = res.json<Group>();
  expect(isGroup.Check(group)).toBe(true);
  return group;
}

async function membersOf(user: User, id: string) {
  const res = await call(user, 'GET', GroupApiPaths.members(id));
  expect(res.statusCode, res.body).toBe(200);
  return res.json<GroupMembersResponse>().members;
}

function errorCode(res: { json: <T>() => T }) {
  return res.json<ErrorBody>().error.code;
}

async function users(n: number): Promise<User[]> {
  const out: User[] = [];
  for (let i = 0; i < n; i++) out.push(await register(t));
  return out;
}

describe('creating a group', () => {
  it('makes the creator owner and folds, dedupes and drops the creator from the member list', async () => {
    const [alice, bob, carol] = await users(3) as [User, User, User];
    const res = await call(alice, 'POST', GroupApiPaths.groups, {
      name: 'On-call',
      members: [bob.username.toUpperCase(), bob.username, ` ${carol.username} `, alice.username],
    });
    expect(res.statusCode, res.body).toBe(201);
    const group = res.json<Group>();
    expect(isGroup.Check(group)).toBe(true);
    expect(group).toMatchObject({ name: 'On-call', role: 'owner', memberCount: 3, muted: false, unread: 0, lastMessage: null });
    const members = await membersOf(alice, group.id);
    expect(isMembers.Check({ members })).toBe(true);
    expect(Object.fromEntries(members.map((m) => [m.username, m.role]))).toEqual({
      [alice.username]: 'owner',
      [bob.username]: 'member',
      [carol.username]: 'member',
    });
    const asBob = await call(bob, 'GET', GroupApiPaths.group(group.id));
    expect(asBob.statusCode).toBe(200);
    expect(asBob.json<Group>()).toMatchObject({ id: group.id, role: 'member', memberCount: 3 });
  });

  it('refuses bad bodies with 400 and names an unknown user with 404 recipient_not_found', async () => {
    const [alice, bob] = await users(2) as [User, User];
    for (const body of [{}, { name: '', members: [] }, { name: 'x', members: 'bob' }, { name: 'x', members: [], extra: 1 }, { name: ' \u200b ', members: [] }]) {
      const res = await call(alice, 'POST', GroupApiPaths.groups, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    const ghost = randomName('ghost');
    const res = await call(alice, 'POST', GroupApiPaths.groups, { name: 'x', members: [bob.username, ghost] });
    expect(res.statusCode).toBe(404);
    expect(errorCode(res)).toBe('recipient_not_found');
    expect(res.json<ErrorBody>().error.message).toContain(ghost);
    // Not a valid username at all: the same answer, never a 500.
    const odd = await call(alice, 'POST', GroupApiPaths.groups, { name: 'x', members: ['not a name!'] });
    expect(odd.statusCode).toBe(404);
    expect(errorCode(odd)).toBe('recipient_not_found');
    // Nothing was created by the refused requests.
    const list = await call(alice, 'GET', GroupApiPaths.groups);
    expect(list.json<GroupsResponse>().groups).toEqual([]);
  });

  it('refuses more than GROUP_MAX_MEMBERS in total with 409 group_full', async () => {
    const [alice, ...others] = await users(MAX + 1) as [User, ...User[]];
    const res = await call(alice, 'POST', GroupApiPaths.groups, { name: 'Big', members: others.map((u) => u.username) });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('group_full');
    // Exactly at the cap is fine.
    const group = await createGroup(alice, others.slice(0, MAX - 1));
    expect(group.memberCount).toBe(MAX);
  });
});

describe('listing and renaming', () => {
  it('lists my groups, most recent first, and never a group I am not in', async () => {
    const [alice, bob, carol] = await users(3) as [User, User, User];
    const first = await createGroup(alice, [bob], 'First');
    const second = await createGroup(alice, [carol], 'Second');
    const res = await call(alice, 'GET', GroupApiPaths.groups);
    expect(res.statusCode).toBe(200);
    const body = res.json<GroupsResponse>();
    expect(isGroups.Check(body)).toBe(true);
    expect(body.groups.map((g) => g.id)).toEqual([second.id, first.id]);
    expect(body.groups[1]).toMatchObject({ name: 'First', role: 'owner', memberCount: 2, unread: 0, muted: false, lastMessage: null });
    const bobs = (await call(bob, 'GET', GroupApiPaths.groups)).json<GroupsResponse>();
    expect(bobs.groups.map((g) => g.id)).toEqual([first.id]);
    expect(bobs.groups[0]?.role).toBe('member');
  });

  it('lets the owner and admins rename; a member gets 403, a bad name 400', async () => {
    const [alice, bob, carol] = await users(3) as [User, User, User];
    const group = await createGroup(alice, [bob, carol]);
    const renamed = await call(alice, 'PATCH', GroupApiPaths.group(group.id), { name: 'Platform' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json<Group>()).toMatchObject({ id: group.id, name: 'Platform', role: 'owner' });
    const denied = await call(bob, 'PATCH', GroupApiPaths.group(group.id), { name: 'Mine' });
    expect(denied.statusCode).toBe(403);
    expect(errorCode(denied)).toBe('forbidden');
    expect((await call(alice, 'PATCH', GroupApiPaths.member(group.id, bob.username), { role: 'admin' })).statusCode).toBe(200);
    const byAdmin = await call(bob, 'PATCH', GroupApiPaths.group(group.id), { name: 'Infra' });
    expect(byAdmin.statusCode).toBe(200);
    expect(byAdmin.json<Group>()).toMatchObject({ name: 'Infra', role: 'admin' });
    for (const body of [{ name: '' }, { name: 'x'.repeat(65) }, { nom: 'x' }, { name: 7 }]) {
      expect((await call(alice, 'PATCH', GroupApiPaths.group(group.id), body)).statusCode).toBe(400);
    }
    expect((await call(carol, 'GET', GroupApiPaths.group(group.id))).json<Group>().name).toBe('Infra');
  });
});

describe('unread counts and last messages', () => {
  it("show each member's own count and own copy of the last message, in the list, the group and its pushes", async () => {
    const [alice, bob, carol] = await users(3) as [User, User, User];
    const group = await createGroup(alice, [bob, carol], 'Busy');
    const quiet = await createGroup(alice, [bob], 'Quiet');
    // Two messages from alice, each one copy per member, as the store pipeline writes them
    // (the send path that produces them is tested with it).
    let offset = 0;
    const copies = (id: string, text: string, sentAt: string) =>
      [alice, bob, carol].map((m) => ({ id, from: alice.username, to: m.username, text, sentAt, partition: 0, offset: offset++, group: { id: group.id, name: 'Busy' } }));
    const first = randomUUID();
    const second = randomUUID();
    // Both after the quiet group's creation, so activity puts the busy group first.
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    await t.app.repos.messages.insertBatch([...copies(first, 'one', at(1000)), ...copies(second, `two @${bob.username}`, at(2000))]);
    const last = second;

    const bobs = (await call(bob, 'GET', GroupApiPaths.groups)).json<GroupsResponse>();
    expect(isGroups.Check(bobs)).toBe(true);
    // The group with the latest activity first.
    expect(bobs.groups.map((g) => g.id)).toEqual([group.id, quiet.id]);
    expect(bobs.groups[0]).toMatchObject({ unread: 2, lastMessage: { id: last, to: bob.username, from: alice.username, group: { id: group.id } } });
    expect((await call(carol, 'GET', GroupApiPaths.group(group.id))).json<Group>()).toMatchObject({ unread: 2, lastMessage: { id: last, to: carol.username } });
    // The sender's own copies are read.
    expect((await call(alice, 'GET', GroupApiPaths.group(group.id))).json<Group>()).toMatchObject({ unread: 0, lastMessage: { id: last, to: alice.username, state: 'read' } });

    // A push carries the same per-member view.
    const bobSocket = await connect(t, bob.token);
    const carolSocket = await connect(t, carol.token);
    try {
      const bobView = waitFor(bobSocket, 'group:update', (u) => u.group?.name === 'Busier');
      const carolView = waitFor(carolSocket, 'group:update', (u) => u.group?.name === 'Busier');
      expect((await call(alice, 'PATCH', GroupApiPaths.group(group.id), { name: 'Busier' })).statusCode).toBe(200);
      expect(await bobView).toMatchObject({ group: { unread: 2, lastMessage: { id: last, to: bob.username } } });
      expect(await carolView).toMatchObject({ group: { unread: 2, lastMessage: { id: last, to: carol.username } } });
    } finally {
      bobSocket.close();
      carolSocket.close();
    }
    // Leaving takes the unread entry along.
    expect((await call(carol, 'DELETE', GroupApiPaths.member(group.id, carol.username))).statusCode).toBe(204);
    expect((await call(carol, 'GET', GroupApiPaths.groups)).json<GroupsResponse>().groups).toEqual([]);
  });
});

describe('members and roles', () => {
  it('adds members (owner or admin), ignores those already in, names unknown users, and keeps the cap', async () => {
    const [alice, bob, carol, dave, erin] = await users(5) as [User, User, User, User, User];
    const group = await createGroup(alice, [bob]);
    const denied = await call(bob, 'POST', GroupApiPaths.members(group.id), { usernames: [carol.username] });
    expect(denied.statusCode).toBe(403);
    const ghost = randomName('ghost');
    const unknown = await call(alice, 'POST', GroupApiPaths.members(group.id), { usernames: [carol.username, ghost] });
    expect(unknown.statusCode).toBe(404);
    expect(errorCode(unknown)).toBe('recipient_not_found');
    expect(unknown.json<ErrorBody>().error.message).toContain(ghost);
    expect((await membersOf(alice, group.id)).length).toBe(2);
    const added = await call(alice, 'POST', GroupApiPaths.members(group.id), { usernames: [carol.username.toUpperCase(), bob.username] });
    expect(added.statusCode, added.body).toBe(200);
    expect(isMembers.Check(added.json())).toBe(true);
    expect(added.json<GroupMembersResponse>().members.map((m) => m.username).sort()).toEqual([alice.username, bob.username, carol.username].sort());
    // 3 of 4: one more fits, two more do not.
    const over = await call(alice, 'POST', GroupApiPaths.members(group.id), { usernames: [dave.username, erin.username] });
    expect(over.statusCode).toBe(409);
    expect(errorCode(over)).toBe('group_full');
    expect((await call(alice, 'POST', GroupApiPaths.members(group.id), { usernames: [dave.username] })).statusCode).toBe(200);
    expect(errorCode(await call(alice, 'POST', GroupApiPaths.members(group.id), { usernames: [erin.username] }))).toBe('group_full');
    for (const body of [{}, { usernames: [] }, { usernames: 'x' }, { usernames: [carol.username], more: true }]) {
      expect((await call(alice, 'POST', GroupApiPaths.members(group.id), body)).statusCode).toBe(400);
    }
  });

  it('keeps the cap when adds race each other', async () => {
    const [alice, bob, ...others] = await users(8) as [User, User, ...User[]];
    const group = await createGroup(alice, [bob]);
    // Six adds of one user each at once into a group of two with room for two more.
    const answers = await Promise.all(others.map((u) => call(alice, 'POST', GroupApiPaths.members(group.id), { usernames: [u.username] })));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 200, 409, 409, 409, 409]);
    expect((await membersOf(alice, group.id)).length).toBe(MAX);
  });

  it('changes roles (owner only) and enforces who may remove whom', async () => {
    const [alice, bob, carol, dave] = await users(4) as [User, User, User, User];
    const group = await createGroup(alice, [bob, carol, dave]);
    const promoted = await call(alice, 'PATCH', GroupApiPaths.member(group.id, bob.username.toUpperCase()), { role: 'admin' });
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect(isMember.Check(promoted.json())).toBe(true);
    expect(promoted.json<GroupMember>()).toMatchObject({ username: bob.username, role: 'admin' });
    // An admin does not change roles; nor does a member; the owner keeps the owner's role.
    expect((await call(bob, 'PATCH', GroupApiPaths.member(group.id, carol.username), { role: 'admin' })).statusCode).toBe(403);
    expect((await call(carol, 'PATCH', GroupApiPaths.member(group.id, carol.username), { role: 'admin' })).statusCode).toBe(403);
    expect((await call(alice, 'PATCH', GroupApiPaths.member(group.id, alice.username), { role: 'member' })).statusCode).toBe(403);
    expect((await call(alice, 'PATCH', GroupApiPaths.member(group.id, bob.username), { role: 'owner' })).statusCode).toBe(400);
    const stranger = await call(alice, 'PATCH', GroupApiPaths.member(group.id, randomName('ghost')), { role: 'admin' });
    expect(stranger.statusCode).toBe(404);
    expect(errorCode(stranger)).toBe('not_found');

    // A member removes nobody else; an admin removes members but not the owner or another admin.
    expect((await call(carol, 'DELETE', GroupApiPaths.member(group.id, dave.username))).statusCode).toBe(403);
    expect((await call(bob, 'DELETE', GroupApiPaths.member(group.id, alice.username))).statusCode).toBe(403);
    expect((await call(alice, 'PATCH', GroupApiPaths.member(group.id, carol.username), { role: 'admin' })).statusCode).toBe(200);
    expect((await call(bob, 'DELETE', GroupApiPaths.member(group.id, carol.username))).statusCode).toBe(403);
    expect((await call(bob, 'DELETE', GroupApiPaths.member(group.id, dave.username))).statusCode).toBe(204);
    expect((await call(dave, 'GET', GroupApiPaths.group(group.id))).statusCode).toBe(404);
    // The owner removes an admin.
    expect((await call(alice, 'DELETE', GroupApiPaths.member(group.id, carol.username))).statusCode).toBe(204);
    expect((await membersOf(alice, group.id)).map((m) => m.username).sort()).toEqual([alice.username, bob.username].sort());
    const gone = await call(alice, 'DELETE', GroupApiPaths.member(group.id, carol.username));
    expect(gone.statusCode).toBe(404);
    expect(errorCode(gone)).toBe('not_found');
  });

  it('hands ownership to the longest-standing admin, else member, when the owner leaves; the last one out leaves nothing visible', async () => {
    const [alice, bob, carol, dave] = await users(4) as [User, User, User, User];
    const group = await createGroup(alice, [carol]);
    const [first] = (await call(alice, 'POST', GroupApiPaths.members(group.id), { usernames: [dave.username] })).json<GroupMembersResponse>().members.filter((m) => m.username === dave.username);
    // bob must join strictly later than dave for "longest-standing" to be decided by time.
    await waitUntil(() => Date.now() > Date.parse(first?.joinedAt ?? ''), 1000, 'the clock to pass dave\'s joining');
    expect((await call(alice, 'POST', GroupApiPaths.members(group.id), { usernames: [bob.username] })).statusCode).toBe(200);
    for (const u of [bob, dave]) expect((await call(alice, 'PATCH', GroupApiPaths.member(group.id, u.username), { role: 'admin' })).statusCode).toBe(200);

    // carol is the oldest member but not an admin: dave, the oldest admin, takes over.
    expect((await call(alice, 'DELETE', GroupApiPaths.member(group.id, alice.username))).statusCode).toBe(204);
    expect((await call(alice, 'GET', GroupApiPaths.group(group.id))).statusCode).toBe(404);
    const roles = () => membersOf(carol, group.id).then((ms) => Object.fromEntries(ms.map((m) => [m.username, m.role])));
    expect(await roles()).toEqual({ [carol.username]: 'member', [dave.username]: 'owner', [bob.username]: 'admin' });

    // Without admins, the longest-standing member.
    expect((await call(dave, 'PATCH', GroupApiPaths.member(group.id, bob.username), { role: 'member' })).statusCode).toBe(200);
    expect((await call(dave, 'DELETE', GroupApiPaths.member(group.id, dave.username))).statusCode).toBe(204);
    expect(await roles()).toEqual({ [carol.username]: 'owner', [bob.username]: 'member' });

    // Anyone may leave; the last to leave leaves a group no one can see.
    expect((await call(bob, 'DELETE', GroupApiPaths.member(group.id, bob.username))).statusCode).toBe(204);
    expect((await call(carol, 'DELETE', GroupApiPaths.member(group.id, carol.username))).statusCode).toBe(204);
    for (const u of [alice, bob, carol, dave]) {
      expect((await call(u, 'GET', GroupApiPaths.group(group.id))).statusCode).toBe(404);
      expect((await call(u, 'GET', GroupApiPaths.groups)).json<GroupsResponse>().groups.map((g) => g.id)).not.toContain(group.id);
    }
  });

  it('mutes for the asker only', async () => {
    const [alice, bob] = await users(2) as [User, User];
    const group = await createGroup(alice, [bob]);
    const muted = await call(bob, 'PUT', GroupApiPaths.mute(group.id), { muted: true });
    expect(muted.statusCode, muted.body).toBe(200);
    expect(muted.json<Group>()).toMatchObject({ id: group.id, muted: true, role: 'member' });
    expect((await call(alice, 'GET', GroupApiPaths.group(group.id))).json<Group>().muted).toBe(false);
    expect((await call(bob, 'GET', GroupApiPaths.groups)).json<GroupsResponse>().groups[0]?.muted).toBe(true);
    for (const body of [{}, { muted: 'yes' }, { muted: 1 }, { muted: true, x: 1 }]) {
      expect((await call(bob, 'PUT', GroupApiPaths.mute(group.id), body)).statusCode).toBe(400);
    }
    expect((await call(bob, 'PUT', GroupApiPaths.mute(group.id), { muted: false })).json<Group>().muted).toBe(false);
  });
});

describe('outsiders', () => {
  it('get 404 group_not_found on every route, even to add themselves, and for ids that are not groups', async () => {
    const [alice, bob, mallory] = await users(3) as [User, User, User];
    const group = await createGroup(alice, [bob]);
    const attempts = (id: string): [Method, string, unknown?][] => [
      ['GET', GroupApiPaths.group(id)],
      ['PATCH', GroupApiPaths.group(id), { name: 'Pwned' }],
      ['GET', GroupApiPaths.members(id)],
      ['POST', GroupApiPaths.members(id), { usernames: [mallory.username] }],
      ['DELETE', GroupApiPaths.member(id, mallory.username)],
      ['DELETE', GroupApiPaths.member(id, bob.username)],
      ['PATCH', GroupApiPaths.member(id, bob.username), { role: 'admin' }],
      ['PATCH', GroupApiPaths.member(id, mallory.username), { role: 'admin' }],
      ['PUT', GroupApiPaths.mute(id), { muted: true }],
    ];
    for (const id of [group.id, randomUUID(), 'not-a-uuid', group.id.toUpperCase(), '%2e%2e']) {
      for (const [method, url, body] of attempts(id)) {
        const res = await call(mallory, method, url, body);
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
        expect(errorCode(res)).toBe('group_not_found');
      }
    }
    // Nothing changed.
    expect((await membersOf(alice, group.id)).map((m) => m.username).sort()).toEqual([alice.username, bob.username].sort());
    expect((await call(alice, 'GET', GroupApiPaths.group(group.id))).json<Group>().name).toBe('Team');
    expect((await call(mallory, 'GET', GroupApiPaths.groups)).json<GroupsResponse>().groups).toEqual([]);
  });

  it('need a session on every route', async () => {
    const id = randomUUID();
    for (const [method, url, payload] of [
      ['POST', GroupApiPaths.groups, { name: 'x', members: [] }],
      ['GET', GroupApiPaths.groups],
      ['GET', GroupApiPaths.group(id)],
      ['PATCH', GroupApiPaths.group(id), { name: 'x' }],
      ['GET', GroupApiPaths.members(id)],
      ['POST', GroupApiPaths.members(id), { usernames: ['bob'] }],
      ['DELETE', GroupApiPaths.member(id, 'bob')],
      ['PATCH', GroupApiPaths.member(id, 'bob'), { role: 'admin' }],
      ['PUT', GroupApiPaths.mute(id), { muted: true }],
    ] as [Method, string, object?][]) {
      const res = await t.app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
    }
  });
});

describe('group:update', () => {
  it('tells each member their own view of every change, and a removed member `group: null`', async () => {
    const [alice, bob, carol] = await users(3) as [User, User, User];
    const aliceSocket = await connect(t, alice.token);
    const bobSocket = await connect(t, bob.token);
    const carolSocket = await connect(t, carol.token);
    const heard = { alice: [] as GroupUpdate[], bob: [] as GroupUpdate[], carol: [] as GroupUpdate[] };
    aliceSocket.on('group:update', (u) => heard.alice.push(u));
    bobSocket.on('group:update', (u) => heard.bob.push(u));
    carolSocket.on('group:update', (u) => heard.carol.push(u));
    try {
      // Creation reaches the members added.
      const bobHears = waitFor(bobSocket, 'group:update', (u) => u.group?.name === 'Team');
      const group = await createGroup(alice, [bob]);
      expect(await bobHears).toMatchObject({ id: group.id, group: { role: 'member', memberCount: 2, muted: false } });

      // Adding: the newcomer and the others hear of it.
      const carolHears = waitFor(carolSocket, 'group:update', (u) => u.id === group.id);
      const bobHearsThree = waitFor(bobSocket, 'group:update', (u) => u.id === group.id && u.group?.memberCount === 3);
      expect((await call(alice, 'POST', GroupApiPaths.members(group.id), { usernames: [carol.username] })).statusCode).toBe(200);
      expect(await carolHears).toMatchObject({ group: { role: 'member', memberCount: 3 } });
      await bobHearsThree;

      // A role change: bob sees himself admin, alice still owner.
      const bobAdmin = waitFor(bobSocket, 'group:update', (u) => u.id === group.id && u.group?.role === 'admin');
      const aliceOwner = waitFor(aliceSocket, 'group:update', (u) => u.id === group.id && u.group?.role === 'owner');
      expect((await call(alice, 'PATCH', GroupApiPaths.member(group.id, bob.username), { role: 'admin' })).statusCode).toBe(200);
      await Promise.all([bobAdmin, aliceOwner]);

      // Rename, by an admin.
      const renamed = [aliceSocket, bobSocket, carolSocket].map((s) => waitFor(s, 'group:update', (u) => u.group?.name === 'Ops'));
      expect((await call(bob, 'PATCH', GroupApiPaths.group(group.id), { name: 'Ops' })).statusCode).toBe(200);
      await Promise.all(renamed);

      // Mute: only the asker hears it; a later change proves nothing else was on its way to alice.
      const carolMuted = waitFor(carolSocket, 'group:update', (u) => u.id === group.id && u.group?.muted === true);
      expect((await call(carol, 'PUT', GroupApiPaths.mute(group.id), { muted: true })).statusCode).toBe(200);
      await carolMuted;

      // Removal: carol hears null and nothing more; the others see two members.
      const carolGone = waitFor(carolSocket, 'group:update', (u) => u.id === group.id && u.group === null);
      const aliceTwo = waitFor(aliceSocket, 'group:update', (u) => u.id === group.id && u.group?.memberCount === 2);
      expect((await call(bob, 'DELETE', GroupApiPaths.member(group.id, carol.username))).statusCode).toBe(204);
      await Promise.all([carolGone, aliceTwo]);
      const afterRemoval = waitFor(aliceSocket, 'group:update', (u) => u.group?.name === 'Ops 2');
      expect((await call(alice, 'PATCH', GroupApiPaths.group(group.id), { name: 'Ops 2' })).statusCode).toBe(200);
      await afterRemoval;

      const all = [...heard.alice, ...heard.bob, ...heard.carol];
      expect(all.every((u) => isUpdate.Check(u)), JSON.stringify(all)).toBe(true);
      // Each saw only their own role and mute setting.
      expect(heard.alice.every((u) => u.group?.role === 'owner' && !u.group.muted)).toBe(true);
      expect(heard.bob.filter((u) => u.group?.muted)).toEqual([]);
      // carol's mute reached carol alone: alice heard the six other changes (create, add, role,
      // rename, removal, rename), each once. After her removal carol hears nothing more of the group.
      expect(heard.alice.map((u) => u.group?.memberCount)).toEqual([2, 3, 3, 3, 2, 2]);
      expect(heard.carol.at(-1)).toEqual({ id: group.id, group: null });
      expect(heard.carol.filter((u) => u.group?.name === 'Ops 2')).toEqual([]);
    } finally {
      for (const s of [aliceSocket, bobSocket, carolSocket]) s.close();
    }
  });

  it('tells the one who leaves `group: null` on all of their screens', async () => {
    const [alice, bob] = await users(2) as [User, User];
    const group = await createGroup(alice, [bob]);
    const screens = [await connect(t, bob.token), await connect(t, bob.token)];
    try {
      const gone = screens.map((s) => waitFor(s, 'group:update', (u) => u.id === group.id && u.group === null));
      expect((await call(bob, 'DELETE', GroupApiPaths.member(group.id, bob.username))).statusCode).toBe(204);
      await Promise.all(gone);
    } finally {
      for (const s of screens) s.close();
    }
  });
});

describe('presence among co-members', () => {
  it('counts someone who shares a group as a peer, and stops when they no longer do', async () => {
    const [alice, bob] = await users(2) as [User, User];
    const aliceSocket = await connect(t, alice.token);
    const bobSocket = await connect(t, bob.token);
    try {
      // Strangers: nothing is revealed.
      expect(await aliceSocket.emitWithAck('presence:query', { usernames: [bob.username] })).toEqual({ ok: true, data: { online: [], strangers: [bob.username] } });
      const group = await createGroup(alice, [bob]);
      expect(await aliceSocket.emitWithAck('presence:query', { usernames: [bob.username] })).toEqual({ ok: true, data: { online: [bob.username], strangers: [] } });
      const people = await t.app.inject({ method: 'GET', url: `/api/people?q=${bob.username}`, headers: bearer(alice.token) });
      expect(people.json()).toEqual({ users: [{ username: bob.username, online: true, displayName: null, avatarUrl: null }] });

      // A co-member's coming and going is pushed, like a 1:1 peer's.
      const offline = waitFor(aliceSocket, 'presence:update', (p) => p.username === bob.username && !p.online);
      bobSocket.close();
      await offline;
      const online = waitFor(aliceSocket, 'presence:update', (p) => p.username === bob.username && p.online);
      const bobAgain = await connect(t, bob.token);
      await online;

      expect((await call(bob, 'DELETE', GroupApiPaths.member(group.id, bob.username))).statusCode).toBe(204);
      expect(await aliceSocket.emitWithAck('presence:query', { usernames: [bob.username] })).toEqual({ ok: true, data: { online: [], strangers: [bob.username] } });
      bobAgain.close();
    } finally {
      aliceSocket.close();
      bobSocket.close();
    }
  });

  it('pushes a transition to online co-members of small groups only, and to a bounded number of them', async () => {
    // Accounts and groups straight into the store: a thousand registrations would each hash a password.
    const now = new Date().toISOString();
    const made = async (n: number) => {
      const names = Array.from({ length: n }, () => randomName('p'));
      for (const name of names) await t.app.repos.users.create(name, 'not-a-hash', now);
      return names;
    };
    const group = async (owner: string, members: string[]) => {
      const id = randomUUID();
      await t.app.repos.groups.create({ id, name: 'Load', created_by: owner, created_at: now }, owner, members);
    };
    const everyone = async (names: readonly string[]) => new Set(names);
    const [hub] = await made(1) as [string];
    const small = await made(3);
    const big = await made(PRESENCE_PUSH_MAX_GROUP_SIZE);
    await group(hub, small);
    await group(hub, big);
    expect((await t.app.peers.toTell(hub, everyone)).sort()).toEqual([...small].sort());
    // Only those with a screen open are named.
    expect(await t.app.peers.toTell(hub, async () => new Set([small[0] ?? '']))).toEqual([small[0]]);
    // A big group's members still count as peers when asked.
    expect(await t.app.peers.among(hub, [big[0] ?? '', 'nobody'])).toEqual(new Set([big[0]]));

    // Many small groups: at most PRESENCE_PUSH_MAX_CO_MEMBERS hear one transition.
    const [busy] = await made(1) as [string];
    const others = await made(PRESENCE_PUSH_MAX_CO_MEMBERS + 50);
    for (let i = 0; i < others.length; i += PRESENCE_PUSH_MAX_GROUP_SIZE - 1) await group(busy, others.slice(i, i + PRESENCE_PUSH_MAX_GROUP_SIZE - 1));
    const told = await t.app.peers.toTell(busy, everyone);
    expect(told.length).toBe(PRESENCE_PUSH_MAX_CO_MEMBERS);
    expect(new Set(told).size).toBe(told.length);
  }, 120_000);
});

describe('OpenAPI', () => {
  it('documents every group management route under the groups tag', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    const spec = res.json<{ paths: Record<string, Record<string, { tags?: string[] }>> }>();
    const expected: [string, string][] = [
      ['/api/groups', 'post'],
      ['/api/groups', 'get'],
      ['/api/groups/{id}', 'get'],
      ['/api/groups/{id}', 'patch'],
      ['/api/groups/{id}/members', 'get'],
      ['/api/groups/{id}/members', 'post'],
      ['/api/groups/{id}/members/{username}', 'delete'],
      ['/api/groups/{id}/members/{username}', 'patch'],
      ['/api/groups/{id}/mute', 'put'],
    ];
    for (const [path, method] of expected) expect(spec.paths[path]?.[method]?.tags, `${method} ${path}`).toEqual(['groups']);
  });
});
