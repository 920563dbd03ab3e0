// Profiles through the client against the real server: the display name, a picture uploaded as
// raw bytes (a Uint8Array or a Blob, as a browser's file input gives), the contract's error for an
// SVG, many profiles at once past one request's limit, and `profile:update` on a peer's socket.
import { ApiPaths, MAX_PROFILES_PER_REQUEST, type Profile } from '@messenger/protocol';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MessengerClient, type Subscription } from '../src/index.js';
import { apiError, signedUp, startServer, waitUntil, type TestServer } from './helpers.js';

let server: TestServer;
let alice: MessengerClient;
let bob: MessengerClient;
const subscriptions: Subscription[] = [];

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([signedUp(server, 'al'), signedUp(server, 'bo')]);
});

afterAll(async () => {
  for (const s of subscriptions) s.close();
  await server?.stop();
});

/** A `size`×`size` RGB PNG of one colour, written by hand: the client's tests need no image library. */
function png(size: number, rgb: [number, number, number]): Uint8Array<ArrayBuffer> {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const row = Buffer.from([0, ...Array.from({ length: size }, () => rgb).flat()]); // filter 0, then pixels
  const image = deflateSync(Buffer.concat(Array.from({ length: size }, () => row)));
  const bytes = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', header), chunk('IDAT', image), chunk('IEND', Buffer.alloc(0))]);
  return new Uint8Array(bytes);
}

describe('profiles', () => {
  it('sets and clears the display name, seen in me() and getProfiles()', async () => {
    expect(await alice.updateProfile({ displayName: ' Alice ' })).toEqual({ username: alice.username, displayName: 'Alice', avatarUrl: null });
    expect((await alice.me()).displayName).toBe('Alice');
    expect(await bob.getProfiles([alice.username!, 'nosuchuser0'])).toEqual([{ username: alice.username, displayName: 'Alice', avatarUrl: null }]);
    const refused = await apiError(alice.updateProfile({ displayName: 'evil\u202egnp.exe' }));
    expect([refused.status, refused.code]).toEqual([400, 'validation_failed']);
    expect((await alice.updateProfile({ displayName: null })).displayName).toBeNull();
  });

  it('uploads a picture from bytes or a Blob, which the server serves as WebP, and deletes it', async () => {
    const fromBytes = await alice.uploadAvatar(png(32, [200, 0, 0]), 'image/png');
    expect(fromBytes.avatarUrl).toMatch(/^\/api\/users\/.+\/avatar\?v=[0-9a-f]{16}$/);
    const fromBlob = await alice.uploadAvatar(new Blob([png(32, [0, 0, 200])], { type: 'image/png' }), 'image/png');
    expect(fromBlob.avatarUrl).not.toBe(fromBytes.avatarUrl);
    const image = await fetch(`${server.url}${fromBlob.avatarUrl}`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect([image.status, image.headers.get('content-type'), image.headers.get('cache-control')]).toEqual([200, 'image/webp', 'private, max-age=31536000, immutable']);
    expect(Buffer.from(await image.arrayBuffer()).subarray(8, 12).toString('latin1')).toBe('WEBP');
    expect((await alice.deleteAvatar()).avatarUrl).toBeNull();
    expect((await fetch(`${server.url}${ApiPaths.avatar(alice.username!)}`, { headers: { authorization: `Bearer ${bob.token}` } })).status).toBe(404);
  });

  it('reports a refused picture with the contract code', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const error = await apiError(alice.uploadAvatar(svg, 'image/png'));
    expect([error.status, error.code]).toEqual([415, 'unsupported_image']);
  });

  it('asks for any number of profiles, a request per hundred', async () => {
    const strangers = Array.from({ length: MAX_PROFILES_PER_REQUEST + 20 }, (_, i) => `nobody${i}`);
    const found = await bob.getProfiles([...strangers, alice.username!, bob.username!]);
    expect(found.map((p) => p.username)).toEqual([alice.username, bob.username]);
    expect(await bob.getProfiles([])).toEqual([]);
  });

  it("hears a peer's new name and picture on the socket (onProfileUpdate)", async () => {
    const heard: Profile[] = [];
    const got: string[] = [];
    const subscription = bob.subscribe({ onMessage: (m) => void got.push(m.id), onProfileUpdate: (p) => heard.push(p) });
    subscriptions.push(subscription);
    await subscription.ready;
    // A conversation makes them peers; Bob holding the message means it is stored.
    const sent = await alice.send(bob.username!, 'hello');
    await waitUntil('the message at bob', () => got.includes(sent.id));
    const named = await alice.updateProfile({ displayName: 'Alice 🌷' });
    const pictured = await alice.uploadAvatar(png(16, [0, 150, 0]), 'image/png');
    await waitUntil('the picture at bob', () => heard.some((p) => p.avatarUrl === pictured.avatarUrl));
    // Each push carries the profile as stored when it is sent, in order: the last word is the newest.
    expect(heard.length).toBeGreaterThanOrEqual(1);
    expect(heard.every((p) => p.username === alice.username && p.displayName === named.displayName)).toBe(true);
    expect(heard.at(-1)).toEqual(pictured);
  });
});
