// Behind a TLS-terminating reverse proxy (TRUST_PROXY): a trusted hop's X-Forwarded-For and
// X-Forwarded-Proto are believed, anyone else's are ignored.
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { clientAddress, trustFunction } from '../src/net/client-address.js';
import { randomName, register, removeDir, startApp, type TestApp } from './helpers/app.js';

const PROXY = '10.1.2.3';
const STRANGER = '198.51.100.77';
const PER_ADDRESS = 3;

let proxied: TestApp;
beforeAll(async () => {
  proxied = await startApp({ TRUST_PROXY: `${PROXY}/32`, LOGIN_IP_RATE_PER_MINUTE: String(PER_ADDRESS) });
});
afterAll(async () => {
  await proxied?.close();
  if (proxied) removeDir(proxied.dataDir);
});

function loginVia(peer: string, headers: Record<string, string>, username = randomName('nobody')) {
  return proxied.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress: peer,
    headers,
    payload: { username, password: 'not the password' },
  });
}

describe('TRUST_PROXY', () => {
  it('keys login limits on the client address a trusted proxy forwards', async () => {
    const client = '203.0.113.10';
    for (let i = 0; i < PER_ADDRESS; i++) expect((await loginVia(PROXY, { 'x-forwarded-for': client })).statusCode).toBe(401);
    expect((await loginVia(PROXY, { 'x-forwarded-for': client })).statusCode).toBe(429);
    // Another client behind the same proxy is someone else, not the proxy's address.
    expect((await loginVia(PROXY, { 'x-forwarded-for': '203.0.113.11' })).statusCode).toBe(401);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const codes: number[] = [];
    for (let i = 0; i < PER_ADDRESS + 2; i++) {
      codes.push((await loginVia(STRANGER, { 'x-forwarded-for': `192.0.2.${i + 1}` })).statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
  });

  it('takes the rightmost untrusted address, so a client cannot prepend a fake one', async () => {
    const client = '203.0.113.20';
    for (let i = 0; i < PER_ADDRESS; i++) {
      await loginVia(PROXY, { 'x-forwarded-for': `192.0.2.${100 + i}, ${client}` });
    }
    expect((await loginVia(PROXY, { 'x-forwarded-for': `192.0.2.200, ${client}` })).statusCode).toBe(429);
    expect((await loginVia(PROXY, { 'x-forwarded-for': `192.0.2.200, 203.0.113.21` })).statusCode).toBe(401);
  });

  it('marks the cookie Secure and sends HSTS when the trusted proxy says https', async () => {
    const user = await register(proxied);
    const res = await proxied.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: PROXY,
      headers: { 'x-forwarded-for': '203.0.113.30', 'x-forwarded-proto': 'https' },
      payload: { username: user.username, password: user.password },
    });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(/;\s*Secure/i);
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
  });

  it('neither marks the cookie Secure nor sends HSTS when an untrusted peer claims https', async () => {
    const user = await register(proxied);
    const res = await proxied.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '198.51.100.78',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { username: user.username, password: user.password },
    });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['set-cookie'])).not.toMatch(/Secure/i);
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('gives socket.io handshakes the same client address as HTTP', () => {
    const trust = trustFunction(loadConfig({ TRUST_PROXY: `${PROXY}/32` }).trustProxy);
    const handshake = (peer: string, xff?: string) =>
      ({ socket: { remoteAddress: peer }, connection: { remoteAddress: peer }, headers: xff ? { 'x-forwarded-for': xff } : {} }) as unknown as IncomingMessage;
    expect(clientAddress(handshake(PROXY, '192.0.2.1, 203.0.113.40'), trust)).toBe('203.0.113.40');
    expect(clientAddress(handshake(STRANGER, '203.0.113.40'), trust)).toBe(STRANGER);
    const twoHops = trustFunction(loadConfig({ TRUST_PROXY: '2' }).trustProxy);
    expect(clientAddress(handshake(PROXY, '192.0.2.1, 203.0.113.40, 10.9.9.9'), twoHops)).toBe('203.0.113.40');
  });

  it('accepts hops, addresses, CIDRs and named ranges; refuses "true" and nonsense at startup', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::1']);
    for (const bad of ['true', 'banana', '10.0.0.0/99', '0']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(ConfigError);
    }
  });
});
