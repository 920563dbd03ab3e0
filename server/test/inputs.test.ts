// Every 4xx path, as a table: bad input gets a clear error with a stable code, never a 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register, removeDir, startApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let token = '';
let peer = '';
beforeAll(async () => {
  t = await startApp();
  token = (await register(t)).token;
  peer = (await register(t)).username;
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
});

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string | (() => string);
  headers?: Record<string, string> | 'auth';
  payload?: unknown;
  raw?: string;
  status: number;
  code: string;
}

const auth = () => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };

const cases: Case[] = [
  { name: 'send without a token', method: 'POST', url: '/send', payload: { to: 'x', text: 'y' }, status: 401, code: 'unauthorized' },
  { name: 'send with a malformed Authorization header', method: 'POST', url: '/send', headers: { authorization: 'Basic abc' }, payload: { to: 'x', text: 'y' }, status: 401, code: 'unauthorized' },
  { name: 'send with an unknown token', method: 'POST', url: '/send', headers: { authorization: 'Bearer nope' }, payload: { to: 'x', text: 'y' }, status: 401, code: 'unauthorized' },
  { name: 'send with empty text', method: 'POST', url: '/send', headers: 'auth', payload: { to: 'bob', text: '' }, status: 400, code: 'validation_failed' },
  { name: 'send with blank text', method: 'POST', url: '/send', headers: 'auth', payload: { to: '__PEER__', text: '   \n ' }, status: 400, code: 'validation_failed' },
  { name: 'send with text over 4000', method: 'POST', url: '/send', headers: 'auth', payload: { to: 'bob', text: 'x'.repeat(4001) }, status: 400, code: 'validation_failed' },
  { name: 'send with a number as text', method: 'POST', url: '/send', headers: 'auth', payload: { to: 'bob', text: 42 }, status: 400, code: 'validation_failed' },
  { name: 'send with a from field', method: 'POST', url: '/send', headers: 'auth', payload: { to: 'bob', text: 'hi', from: 'mallory' }, status: 400, code: 'validation_failed' },
  { name: 'send without to', method: 'POST', url: '/send', headers: 'auth', payload: { text: 'hi' }, status: 400, code: 'validation_failed' },
  { name: 'send to nobody', method: 'POST', url: '/send', headers: 'auth', payload: { to: 'no-such-user', text: 'hi' }, status: 404, code: 'recipient_not_found' },
  { name: 'send to an invalid username', method: 'POST', url: '/send', headers: 'auth', payload: { to: '../../etc', text: 'hi' }, status: 404, code: 'recipient_not_found' },
  { name: 'send with broken JSON', method: 'POST', url: '/send', headers: 'auth', raw: '{"to": "bob",', status: 400, code: 'bad_request' },
  { name: 'send with a JSON array', method: 'POST', url: '/send', headers: 'auth', payload: [1, 2], status: 400, code: 'validation_failed' },
  { name: 'send as text/plain', method: 'POST', url: '/send', headers: { ...auth(), 'content-type': 'text/plain' }, raw: 'hello', status: 415, code: 'unsupported_media_type' },
  { name: 'send a 100 KB body', method: 'POST', url: '/send', headers: 'auth', payload: { to: 'bob', text: 'x'.repeat(100_000) }, status: 413, code: 'payload_too_large' },
  { name: 'send with a 200-char Idempotency-Key', method: 'POST', url: '/send', headers: { ...auth(), 'idempotency-key': 'k'.repeat(200) }, payload: { to: 'bob', text: 'hi' }, status: 400, code: 'validation_failed' },
  { name: 'register with a short username', method: 'POST', url: '/api/auth/register', payload: { username: 'ab', password: 'long enough pw' }, status: 400, code: 'validation_failed' },
  { name: 'register with a bad character', method: 'POST', url: '/api/auth/register', payload: { username: 'al ice', password: 'long enough pw' }, status: 400, code: 'validation_failed' },
  { name: 'register with a short password', method: 'POST', url: '/api/auth/register', payload: { username: 'someone', password: 'short' }, status: 400, code: 'password_too_short' },
  { name: 'register with a blank password', method: 'POST', url: '/api/auth/register', payload: { username: 'someone2', password: '          ' }, status: 400, code: 'password_too_short' },
  { name: 'login without a password', method: 'POST', url: '/api/auth/login', payload: { username: 'someone' }, status: 400, code: 'validation_failed' },
  { name: 'me without a token', method: 'GET', url: '/api/me', status: 401, code: 'unauthorized' },
  { name: 'logout without a token', method: 'POST', url: '/api/auth/logout', status: 401, code: 'unauthorized' },
  { name: 'people without q', method: 'GET', url: '/api/people', headers: 'auth', status: 400, code: 'validation_failed' },
  { name: 'people with limit 0', method: 'GET', url: '/api/people?q=a&limit=0', headers: 'auth', status: 400, code: 'validation_failed' },
  { name: 'people with limit abc', method: 'GET', url: '/api/people?q=a&limit=abc', headers: 'auth', status: 400, code: 'validation_failed' },
  { name: 'history of an unknown peer', method: 'GET', url: '/api/conversations/nobody-x/messages', headers: 'auth', status: 404, code: 'not_found' },
  { name: 'history with a bad before', method: 'GET', url: () => `/api/conversations/${peer}/messages?before=zzz`, headers: 'auth', status: 400, code: 'validation_failed' },
  { name: 'history with an unknown before', method: 'GET', url: () => `/api/conversations/${peer}/messages?before=0192f5a4-7c1e-7a3b-9c4d-1e2f3a4b5c6d`, headers: 'auth', status: 404, code: 'message_not_found' },
  { name: 'history with limit 1000', method: 'GET', url: () => `/api/conversations/${peer}/messages?limit=1000`, headers: 'auth', status: 400, code: 'validation_failed' },
  { name: 'read without upTo', method: 'POST', url: () => `/api/conversations/${peer}/read`, headers: 'auth', payload: {}, status: 400, code: 'validation_failed' },
  { name: 'history without a token', method: 'GET', url: () => `/api/conversations/${peer}/messages`, status: 401, code: 'unauthorized' },
  { name: 'search without q', method: 'GET', url: '/api/search', headers: 'auth', status: 400, code: 'validation_failed' },
  { name: 'search with a q of 201 characters', method: 'GET', url: `/api/search?q=${'x'.repeat(201)}`, headers: 'auth', status: 400, code: 'validation_failed' },
  { name: 'search with limit 51', method: 'GET', url: '/api/search?q=a&limit=51', headers: 'auth', status: 400, code: 'validation_failed' },
  { name: 'search in a peer and a group', method: 'GET', url: () => `/api/search?q=a&peer=${peer}&group=0192f5a4-7c1e-7a3b-9c4d-1e2f3a4b5c6d`, headers: 'auth', status: 400, code: 'validation_failed' },
  { name: 'search in a group that is not mine', method: 'GET', url: '/api/search?q=a&group=0192f5a4-7c1e-7a3b-9c4d-1e2f3a4b5c6d', headers: 'auth', status: 404, code: 'group_not_found' },
  { name: 'search with an unknown before', method: 'GET', url: '/api/search?q=a&before=0192f5a4-7c1e-7a3b-9c4d-1e2f3a4b5c6d', headers: 'auth', status: 404, code: 'message_not_found' },
  { name: 'search without a token', method: 'GET', url: '/api/search?q=a', status: 401, code: 'unauthorized' },
  { name: 'history around and before at once', method: 'GET', url: () => `/api/conversations/${peer}/messages?around=0192f5a4-7c1e-7a3b-9c4d-1e2f3a4b5c6d&before=0192f5a4-7c1e-7a3b-9c4d-1e2f3a4b5c6d`, headers: 'auth', status: 400, code: 'validation_failed' },
  { name: 'history around an unknown message', method: 'GET', url: () => `/api/conversations/${peer}/messages?around=0192f5a4-7c1e-7a3b-9c4d-1e2f3a4b5c6d`, headers: 'auth', status: 404, code: 'message_not_found' },
  { name: 'an unknown route', method: 'GET', url: '/api/nope', status: 404, code: 'not_found' },
  { name: 'a wrong method', method: 'DELETE', url: '/send', status: 404, code: 'not_found' },
];

describe('bad input', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const headers = c.headers === 'auth' ? auth() : (c.headers ?? {});
    const url = typeof c.url === 'function' ? c.url() : c.url;
    const payload = c.raw ?? (c.payload === undefined ? undefined : JSON.stringify(c.payload).replace('__PEER__', peer));
    const res = await t.app.inject({
      method: c.method,
      url,
      headers: { ...(payload !== undefined && !('content-type' in headers) ? json : {}), ...headers },
      ...(payload !== undefined ? { payload } : {}),
    });
    expect(res.statusCode, res.body).toBe(c.status);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe(c.code);
    expect(body.error.message.length).toBeGreaterThan(0);
  });
});
