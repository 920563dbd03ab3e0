// A person's profile (issue 18 item 4): the display name (PATCH /api/me/profile), the picture
// (PUT and DELETE /api/me/avatar, GET /api/users/:username/avatar), many profiles at once
// (GET /api/profiles) and the `profile:update` push to the owner's and their peers' sockets.
// Pictures are made here with sharp, the library the server decodes them with, and read back
// with it, so every claim (size, format, no EXIF or GPS) is checked on the bytes served.
import {
  ApiPaths,
  AVATAR_SIZE,
  GroupApiPaths,
  type ConversationsResponse,
  type Group,
  type GroupMembersResponse,
  MAX_AVATAR_BYTES,
  MAX_DISPLAY_NAME_LENGTH,
  MeResponse,
  type PeopleResponse,
  Profile,
  ProfilesResponse,
  type ErrorBody,
} from '@messenger/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { appPerFile, bearer, connect, heard, register, send, waitFor } from './helpers/app.js';
import { waitUntil } from './helpers/wait.js';

const AVATAR_RATE = 4;
const t = appPerFile({ API_RATE_PER_MINUTE: '100000', AVATAR_RATE_PER_MINUTE: String(AVATAR_RATE) });

const isProfile = TypeCompiler.Compile(Profile);
const isProfiles = TypeCompiler.Compile(ProfilesResponse);
type User = Awaited<ReturnType<typeof register>>;

const code = (res: { json: <T>() => T }) => res.json<ErrorBody>().error.code;
const message = (res: { json: <T>() => T }) => res.json<ErrorBody>().error.message;

function setName(user: User, displayName: unknown) {
  return t.app.inject({ method: 'PATCH', url: ApiPaths.myProfile, headers: bearer(user.token), payload: { displayName } as object });
}

function upload(user: User | null, bytes: Buffer, contentType: string) {
  return t.app.inject({
    method: 'PUT',
    url: ApiPaths.myAvatar,
    headers: { ...(user ? bearer(user.token) : {}), 'content-type': contentType },
    payload: bytes,
  });
}

function getAvatar(user: User | null, url: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url, headers: { ...(user ? bearer(user.token) : {}), ...headers } });
}

async function profileOf(res: { statusCode: number; body: string; json: <T>() => T }): Promise<Profile> {
  expect(res.statusCode, res.body).toBe(200);
  const profile = res.json<Profile>();
  expect(isProfile.Check(profile), res.body).toBe(true);
  return profile;
}

// GPS and camera fields that must not survive: findable as text in the bytes if they did.
const SECRET = 'secret-place-7d1f';
const EXIF = {
  IFD0: { Copyright: SECRET, Artist: SECRET },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 300/100' },
};

/** A photo-like picture, not a flat colour, so that a crop and a scale are visible in the result. */
function picture(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 60 } } }).composite([
    { input: { create: { width: Math.floor(width / 2), height, channels: 3, background: { r: 20, g: 90, b: 220 } } }, left: 0, top: 0 },
  ]);
}

/** Which of the two colours of picture() is at (x, y) of an image. */
async function pixel(image: Buffer, x: number, y: number): Promise<'red' | 'blue' | 'other'> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  const [r = 0, , b = 0] = data.subarray(at, at + 3);
  return r > 150 && b < 110 ? 'red' : b > 150 && r < 110 ? 'blue' : 'other';
}

/** A tiny PNG whose header claims `width`×`height`: a decompression bomb's signature. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 8, height: 8, channels: 3, background: 'black' } }).png().toBuffer());
  // Signature (8), IHDR length (4), "IHDR" (4), then width and height; the chunk's CRC follows its 13 data bytes.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

async function expectOurAvatar(user: User, profile: Profile) {
  expect(profile.avatarUrl).toMatch(new RegExp(`^/api/users/${profile.username}/avatar\\?v=[0-9a-f]{16}$`));
  const res = await getAvatar(user, profile.avatarUrl ?? '');
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('image/webp');
  const bytes = res.rawPayload;
  const meta = await sharp(bytes).metadata();
  expect([meta.format, meta.width, meta.height]).toEqual(['webp', AVATAR_SIZE, AVATAR_SIZE]);
  expect(meta.exif).toBeUndefined();
  expect(meta.xmp).toBeUndefined();
  expect(meta.icc).toBeUndefined();
  expect(bytes.includes(SECRET)).toBe(false);
  return res;
}

describe('display name', () => {
  it('is set trimmed, shown in /api/me and people search, and cleared with null', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const set = await profileOf(await setName(alice, '  Alice Liddell \u00a0'));
    expect(set).toEqual({ username: alice.username, displayName: 'Alice Liddell', avatarUrl: null });

    const me = await t.app.inject({ method: 'GET', url: ApiPaths.me, headers: bearer(alice.token) });
    expect(TypeCompiler.Compile(MeResponse).Check(me.json()), me.body).toBe(true);
    expect(me.json<MeResponse>().displayName).toBe('Alice Liddell');

    const people = await t.app.inject({ method: 'GET', url: `${ApiPaths.people}?q=${alice.username}`, headers: bearer(bob.token) });
    expect(people.json<PeopleResponse>().users).toEqual([expect.objectContaining({ username: alice.username, displayName: 'Alice Liddell', avatarUrl: null })]);

    expect((await profileOf(await setName(alice, null))).displayName).toBeNull();
    expect((await t.app.inject({ method: 'GET', url: ApiPaths.me, headers: bearer(alice.token) })).json<MeResponse>().displayName).toBeNull();
  });

  it('takes any script, emoji and the same name as someone else', async () => {
    const [a, b] = [await register(t), await register(t)];
    expect((await profileOf(await setName(a, 'محمد 🦊'))).displayName).toBe('محمد 🦊');
    expect((await profileOf(await setName(b, 'محمد 🦊'))).displayName).toBe('محمد 🦊');
    expect((await profileOf(await setName(a, '🦊'.repeat(MAX_DISPLAY_NAME_LENGTH)))).displayName).toHaveLength(MAX_DISPLAY_NAME_LENGTH * 2);
  });

  it.each([
    ['too long', 'a'.repeat(MAX_DISPLAY_NAME_LENGTH + 1), /at most 64 characters/],
    ['blank', ' \u200b ', /visible/],
    ['a control character', 'bell\u0007', /control characters/],
    ['a line break', 'two\nlines', /one line/],
    ['a bidi override', 'evil\u202egnp.exe', /bidirectional/],
    ['a bidi isolate', '\u2067x\u2069', /bidirectional/],
  ])('refuses %s with a message that says which rule', async (_what, displayName, says) => {
    const user = await register(t);
    const res = await setName(user, displayName);
    expect(res.statusCode, res.body).toBe(400);
    expect(code(res)).toBe('validation_failed');
    expect(message(res)).toMatch(says);
  });

  it('refuses other fields and API tokens, and needs a session', async () => {
    const user = await register(t);
    expect(code(await t.app.inject({ method: 'PATCH', url: ApiPaths.myProfile, headers: bearer(user.token), payload: { displayName: 'x', avatarUrl: 'https://evil.example/x.png' } }))).toBe('validation_failed');
    const anonymous = await t.app.inject({ method: 'PATCH', url: ApiPaths.myProfile, payload: { displayName: 'x' } });
    expect([anonymous.statusCode, code(anonymous)]).toEqual([401, 'unauthorized']);
  });
});

describe('avatar', () => {
  it('turns a PNG into our own 256×256 WebP, cropped square, served with safe headers', async () => {
    const user = await register(t);
    const png = await picture(900, 600).png().withExif(EXIF).toBuffer();
    expect((await sharp(png).metadata()).exif).toBeDefined();
    const profile = await profileOf(await upload(user, png, 'image/png'));
    const res = await expectOurAvatar(user, profile);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(res.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    // The middle square of a picture whose left half is blue: blue on the left edge, red on the right.
    expect(await pixel(res.rawPayload, 2, 128)).toBe('blue');
    expect(await pixel(res.rawPayload, AVATAR_SIZE - 3, 128)).toBe('red');
  });

  it('strips EXIF and GPS from a JPEG, turned upright by its orientation first', async () => {
    const user = await register(t);
    // 600×300 stored sideways (orientation 6: turn 90° clockwise to show), its left half blue:
    // upright, the blue half is on top.
    const jpeg = await picture(600, 300).jpeg().withExif(EXIF).withMetadata({ orientation: 6 }).toBuffer();
    const meta = await sharp(jpeg).metadata();
    expect([meta.exif?.includes(SECRET), meta.orientation]).toEqual([true, 6]);
    const res = await expectOurAvatar(user, await profileOf(await upload(user, jpeg, 'image/jpeg')));
    expect(await pixel(res.rawPayload, 128, 2)).toEqual('blue');
    expect(await pixel(res.rawPayload, 128, AVATAR_SIZE - 3)).toEqual('red');
  });

  it('takes WebP and GIF too', async () => {
    const user = await register(t);
    await expectOurAvatar(user, await profileOf(await upload(user, await picture(300, 300).webp().toBuffer(), 'image/webp')));
    await expectOurAvatar(user, await profileOf(await upload(user, await picture(64, 48).gif().toBuffer(), 'image/gif')));
  });

  it('judges the picture by its bytes: a PNG sent as image/jpeg is a PNG', async () => {
    const user = await register(t);
    await expectOurAvatar(user, await profileOf(await upload(user, await picture(100, 100).png().toBuffer(), 'image/jpeg')));
  });

  it('refuses SVG, whatever the Content-Type says', async () => {
    const user = await register(t);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>');
    for (const type of ['image/svg+xml', 'image/png']) {
      const res = await upload(user, svg, type);
      expect([res.statusCode, code(res)], type).toEqual([415, 'unsupported_image']);
    }
    // Nor is an SVG with a PNG's first bytes a PNG: it does not decode.
    const disguised = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), svg]);
    const res = await upload(user, disguised, 'image/png');
    expect([res.statusCode, code(res)]).toEqual([400, 'invalid_image']);
    expect((await t.app.inject({ method: 'GET', url: ApiPaths.me, headers: bearer(user.token) })).json<MeResponse>().avatarUrl).toBeNull();
  });

  it('refuses other formats and other content types with 415', async () => {
    const user = await register(t);
    const tiff = await picture(20, 20).tiff().toBuffer();
    expect(code(await upload(user, tiff, 'image/png'))).toBe('unsupported_image');
    const png = await picture(20, 20).png().toBuffer();
    const wrongType = await upload(user, png, 'application/octet-stream');
    expect([wrongType.statusCode, code(wrongType)]).toEqual([415, 'unsupported_media_type']);
    expect(message(wrongType)).toMatch(/image\/png/);
    const json = await t.app.inject({ method: 'PUT', url: ApiPaths.myAvatar, headers: bearer(user.token), payload: { image: 'x' } });
    expect([json.statusCode, code(json)]).toEqual([415, 'unsupported_media_type']);
  });

  it('refuses a body over 2 MiB with 413', async () => {
    const user = await register(t);
    const res = await upload(user, Buffer.alloc(MAX_AVATAR_BYTES + 1, 0xff), 'image/jpeg');
    expect([res.statusCode, code(res)]).toEqual([413, 'payload_too_large']);
  });

  it('refuses a decompression bomb (a small PNG declaring a huge picture) before decoding it', async () => {
    const user = await register(t);
    const bomb = await pngClaiming(100_000, 100_000);
    expect(bomb.length).toBeLessThan(1000);
    const res = await upload(user, bomb, 'image/png');
    expect([res.statusCode, code(res)]).toEqual([400, 'invalid_image']);
    expect(message(res)).toMatch(/100000×100000 pixels/);
  });

  it('needs a signed-in user to upload and to look', async () => {
    const user = await register(t);
    const png = await picture(50, 50).png().toBuffer();
    const anonymous = await upload(null, png, 'image/png');
    expect([anonymous.statusCode, code(anonymous)]).toEqual([401, 'unauthorized']);
    const profile = await profileOf(await upload(user, png, 'image/png'));
    const look = await getAvatar(null, profile.avatarUrl ?? '');
    expect([look.statusCode, code(look)]).toEqual([401, 'unauthorized']);
  });

  it('is cached for good under its version, revalidated by ETag otherwise, and gone when deleted', async () => {
    const [owner, viewer] = [await register(t), await register(t)];
    const first = await profileOf(await upload(owner, await picture(80, 80).png().toBuffer(), 'image/png'));
    const url = first.avatarUrl ?? '';
    const plain = ApiPaths.avatar(owner.username);
    const unversioned = await getAvatar(viewer, plain);
    expect(unversioned.headers['cache-control']).toBe('private, no-cache');
    const etag = String(unversioned.headers.etag);
    expect(etag).toBe(`"${url.split('v=')[1]}"`);
    const again = await getAvatar(viewer, plain, { 'if-none-match': etag });
    expect([again.statusCode, again.rawPayload.length]).toEqual([304, 0]);

    const second = await profileOf(await upload(owner, await picture(80, 80).jpeg().toBuffer(), 'image/jpeg'));
    expect(second.avatarUrl).not.toBe(url);
    expect((await getAvatar(viewer, plain, { 'if-none-match': etag })).statusCode).toBe(200);
    // The old URL now serves the current picture, not cacheable for good under the old version.
    expect((await getAvatar(viewer, url)).headers['cache-control']).toBe('private, no-cache');

    const deleted = await profileOf(await t.app.inject({ method: 'DELETE', url: ApiPaths.myAvatar, headers: bearer(owner.token) }));
    expect(deleted.avatarUrl).toBeNull();
    const gone = await getAvatar(viewer, plain);
    expect([gone.statusCode, code(gone)]).toEqual([404, 'not_found']);
    const nobody = await getAvatar(viewer, ApiPaths.avatar('no-such-user-x'));
    expect([nobody.statusCode, code(nobody)]).toEqual([404, 'not_found']);
  });

  it(`allows ${AVATAR_RATE} uploads a minute per user`, async () => {
    const [busy, other] = [await register(t), await register(t)];
    const png = await picture(16, 16).png().toBuffer();
    for (let i = 0; i < AVATAR_RATE; i++) expect((await upload(busy, png, 'image/png')).statusCode).toBe(200);
    const limited = await upload(busy, png, 'image/png');
    expect([limited.statusCode, code(limited)]).toEqual([429, 'rate_limited']);
    expect((await upload(other, png, 'image/png')).statusCode).toBe(200);
  });
});

describe('GET /api/profiles', () => {
  it('answers the known names in the order asked and leaves unknown ones out', async () => {
    const [asker, a, b] = [await register(t), await register(t), await register(t)];
    await setName(b, 'Bee');
    const withPicture = await profileOf(await upload(a, await picture(40, 40).png().toBuffer(), 'image/png'));
    const res = await t.app.inject({ method: 'GET', url: `${ApiPaths.profiles}?usernames=${b.username},nosuchuser0,${a.username},${b.username}`, headers: bearer(asker.token) });
    expect(res.statusCode, res.body).toBe(200);
    expect(isProfiles.Check(res.json()), res.body).toBe(true);
    expect(res.json<ProfilesResponse>().profiles).toEqual([
      { username: b.username, displayName: 'Bee', avatarUrl: null },
      { username: a.username, displayName: null, avatarUrl: withPicture.avatarUrl },
    ]);
  });

  it('takes 1 to 100 folded usernames, and a signed-in user', async () => {
    const asker = await register(t);
    const names = (n: number) => Array.from({ length: n }, (_, i) => `someone${i}`).join(',');
    const ask = (q: string, token: string | null = asker.token) =>
      t.app.inject({ method: 'GET', url: `${ApiPaths.profiles}?usernames=${q}`, headers: token ? bearer(token) : {} });
    expect((await ask(names(100))).json<ProfilesResponse>().profiles).toEqual([]);
    for (const q of [names(101), '', 'Alice', 'a,,b']) expect(code(await ask(q)), q).toBe('validation_failed');
    expect((await ask('alice', null)).statusCode).toBe(401);
  });
});

describe('lists of people', () => {
  it('carry each person\'s display name and picture: conversation rows and group members', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    await setName(bob, 'Bob the Builder');
    const pictured = await profileOf(await upload(bob, await picture(40, 40).png().toBuffer(), 'image/png'));
    expect((await send(t, alice.token, bob.username, 'hi')).statusCode).toBe(202);
    const expected = { displayName: 'Bob the Builder', avatarUrl: pictured.avatarUrl };
    let rows: ConversationsResponse['conversations'] = [];
    await waitUntil(
      async () => {
        const res = await t.app.inject({ method: 'GET', url: ApiPaths.conversations, headers: bearer(alice.token) });
        rows = res.json<ConversationsResponse>().conversations;
        return rows.length > 0;
      },
      15_000,
      'the conversation listed',
    );
    expect(rows).toEqual([expect.objectContaining({ peer: bob.username, ...expected })]);

    const created = await t.app.inject({ method: 'POST', url: GroupApiPaths.groups, headers: bearer(alice.token), payload: { name: 'Builders', members: [bob.username] } });
    expect(created.statusCode, created.body).toBe(201);
    const members = await t.app.inject({ method: 'GET', url: GroupApiPaths.members(created.json<Group>().id), headers: bearer(alice.token) });
    expect(members.json<GroupMembersResponse>().members).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: bob.username, ...expected }),
        expect.objectContaining({ username: alice.username, displayName: null, avatarUrl: null }),
      ]),
    );
  });
});

describe('profile:update', () => {
  it("reaches the owner's and their peers' sockets, and no stranger's", async () => {
    const [alice, bob, stranger] = [await register(t), await register(t), await register(t)];
    const bobSocket = await connect(t, bob.token);
    const aliceSocket = await connect(t, alice.token);
    const strangerSocket = await connect(t, stranger.token);
    try {
      // A conversation makes them peers; the push of the stored message says it is stored.
      expect((await send(t, alice.token, bob.username, 'hello')).statusCode).toBe(202);
      await waitFor(bobSocket, 'message:new', ({ message: m }) => m.from === alice.username);

      const named = await profileOf(await setName(alice, 'Alice ✨'));
      const isNamed = (p: Profile) => p.username === alice.username && p.displayName === 'Alice ✨';
      expect(await waitFor(bobSocket, 'profile:update', isNamed)).toEqual(named);
      expect(await waitFor(aliceSocket, 'profile:update', isNamed)).toEqual(named);

      const pictured = await profileOf(await upload(alice, await picture(64, 64).png().toBuffer(), 'image/png'));
      expect(await waitFor(bobSocket, 'profile:update', (p) => p.avatarUrl === pictured.avatarUrl)).toEqual(pictured);

      // One emit names every room, so the stranger would have had both by now; an answer on
      // their own socket comes after anything sent to it before.
      await strangerSocket.timeout(5000).emitWithAck('presence:query', { usernames: [alice.username] });
      expect(heard(strangerSocket).filter(([event]) => event === 'profile:update')).toEqual([]);
    } finally {
      for (const s of [bobSocket, aliceSocket, strangerSocket]) s.close();
    }
  });
});
