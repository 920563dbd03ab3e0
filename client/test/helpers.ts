// The real server as a child process for the client's tests, with users registered through the
// client itself, and waits that give up after a deadline instead of sleeping.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { expect, inject } from 'vitest';
import {
  freePort,
  startServerProcess,
  tempDataDir,
  testServerEnv,
  type ServerProcess,
} from '../../scripts/lib/server-process.mjs';
import { ApiError, createClient, type MessengerClient } from '../src/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

export const PASSWORD = 'correct horse battery';

export const randomName = (prefix = 'u') => `${prefix}${randomBytes(5).toString('hex')}`;

export interface TestServer {
  url: string;
  process: ServerProcess;
  stop(): Promise<void>;
}

/** The built server on a free port, its own topics and SQLite file; `env` on top. */
export async function startServer(env: Record<string, string | number> = {}, kafkaBrokers = inject('kafkaBrokers')): Promise<TestServer> {
  const dataDir = tempDataDir('messenger-client-');
  const port = await freePort();
  const proc = await startServerProcess({ env: testServerEnv({ kafkaBrokers, dataDir, port, ...env }) });
  return {
    url: proc.url,
    process: proc,
    async stop() {
      await proc.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new account, signed in through the client under test. */
export async function signedUp(server: TestServer, prefix = 'u'): Promise<MessengerClient> {
  const client = createClient({ baseUrl: server.url });
  await client.register(randomName(prefix), PASSWORD);
  return client;
}

type Probe<T> = T | undefined | false;

/** Until `probe` gives a value (it may ask the server), within `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => Probe<T> | Promise<Probe<T>>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The ApiError a call rejects with (fails the test if it resolves or rejects with anything else). */
export async function apiError(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}
