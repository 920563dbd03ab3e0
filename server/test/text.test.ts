// Text that hides itself: blank-looking, malformed or control-laden text is refused at the door
// with a 400, and what is accepted comes back from the live push and from history identically.
import type { MessagesPage } from '@messenger/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoAck, bearer, collectMessages, connect, register, removeDir, send, startApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let alice: Awaited<ReturnType<typeof register>>;
let bob: Awaited<ReturnType<typeof register>>;
beforeAll(async () => {
  t = await startApp();
  alice = await register(t);
  bob = await register(t);
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
});

/** Posts a raw JSON body, so escapes such as "\ud800" reach the server exactly as written. */
function postRaw(url: string, raw: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: raw });
}

const hidden: [string, string][] = [
  ['NUL', '\u0000'],
  ['NULs and a newline', '\u0000\u0000\n\u0000'],
  ['other C0 controls', '\u0001\u0007\u001b'],
  ['C1 controls', '\u0085\u009b'],
  ['zero-width space, non-joiner and joiner', '\u200b\u200c\u200d'],
  ['word joiner', '\u2060'],
  ['byte-order mark', '\ufeff'],
  ['Mongolian vowel separator', '\u180e'],
  ['Hangul fillers', '\u3164\u115f\u1160\uffa0'],
  ['braille blank', '\u2800\u2800'],
  ['soft hyphen', '\u00ad'],
  ['a combining mark alone', '\u0301\u0308'],
  ['bidi marks and overrides alone', '\u200e\u200f\u202e\u2066\u2069'],
  ['every kind of space', '\t\u00a0\u1680\u2000\u2003\u200a\u2028\u2029\u202f\u205f\u3000'],
  ['a tag sequence', '\u{e0041}\u{e007f}'],
];

describe('text that hides itself', () => {
  it.each(hidden)('refuses %s as blank with 400 validation_failed', async (_name, text) => {
    const res = await send(t, alice.token, bob.username, text);
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toMatch(/visible/);
  });

  it('refuses a control character inside visible text', async () => {
    const res = await send(t, alice.token, bob.username, 'look\u001b[2Jhere');
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json<{ error: { code: string; message: string } }>().error.message).toMatch(/control/);
  });

  it.each([
    ['a lone high surrogate', '{"to":"__TO__","text":"\\ud800"}'],
    ['a lone low surrogate after text', '{"to":"__TO__","text":"hi \\udc00"}'],
    ['a reversed pair', '{"to":"__TO__","text":"\\ude00\\ud83d"}'],
  ])('refuses %s in /send with 400, before it is stored anywhere', async (_name, raw) => {
    const res = await postRaw('/send', raw.replace('__TO__', bob.username), bearer(alice.token));
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toMatch(/surrogate/);
    const history = await t.app.inject({ method: 'GET', url: `/api/conversations/${bob.username}/messages`, headers: bearer(alice.token) });
    expect(history.json<MessagesPage>().messages).toEqual([]);
  });

  it('refuses a lone surrogate in a username or a password with 400', async () => {
    const name = await postRaw('/api/auth/register', '{"username":"ab\\ud800cd","password":"long enough pw"}');
    expect(name.statusCode, name.body).toBe(400);
    expect(name.json<{ error: { code: string } }>().error.code).toBe('validation_failed');
    // Argon2 would hash "\ud800" and "\udbff" alike (both become U+FFFD in UTF-8).
    const password = await postRaw('/api/auth/register', '{"username":"surrogate-pw","password":"long enough \\ud800"}');
    expect(password.statusCode, password.body).toBe(400);
    expect(password.json<{ error: { code: string } }>().error.code).toBe('validation_failed');
    const login = await postRaw('/api/auth/login', `{"username":"${alice.username}","password":"long enough \\udbff"}`);
    expect(login.statusCode, login.body).toBe(400);
  });

  it('keeps every visible text exactly as sent, live and in history alike', async () => {
    const texts = [
      'emoji 😀👩🏽‍💻 and a flag 🇳🇴', // surrogate pairs and joiners inside visible text
      'photo\u202Egpj.exe', // an RTL override is allowed; displays isolate it
      'e\u0301 tab\there\r\nnext line',
      'a\u200bb', // a zero-width space between visible letters is ordinary text
    ];
    const [carol, dave] = [await register(t), await register(t)];
    const daveSocket = await connect(t, dave.token);
    const acks = autoAck(daveSocket, dave.username);
    const live = collectMessages(daveSocket);
    try {
      for (const text of texts) expect((await send(t, carol.token, dave.username, text)).statusCode).toBe(202);
      await live.until(texts.length);
      expect(live.texts).toEqual(texts);
      await acks.settled();
    } finally {
      daveSocket.close();
    }
    const history = await t.app.inject({ method: 'GET', url: `/api/conversations/${carol.username}/messages`, headers: bearer(dave.token) });
    expect(history.json<MessagesPage>().messages.map((m) => m.text).reverse()).toEqual(texts);
  });
});
