// docs/examples/send.py, the Python example of docs/integrations.md, run as a reader would run it
// against the real server: it makes a bot token, sends with it, posts to a webhook, and gives up
// on a 429 whose Retry-After is longer than it may wait.
import { WebhookPaths, type CreatedWebhook, type SendResponse } from '@messenger/protocol';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connect, randomName, register, removeDir, startApp, waitFor, type TestApp } from './helpers/app.js';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/examples/send.py');

let t: TestApp;
beforeAll(async () => {
  // One send a minute per token: the example's second send meets a 429 with a long Retry-After.
  t = await startApp({ SEND_RATE_PER_MINUTE: '1' });
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
});

/** Runs the example; never throws on a non-zero exit (the test reads the code). */
function python(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'python3',
      [SCRIPT, ...args],
      // PATH only (to find python3): nothing of the test's environment leaks in by accident.
      { env: { PATH: process.env.PATH ?? '', MESSENGER_URL: t.url, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

describe('docs/examples/send.py', () => {
  it('creates a bot token, sends with it, posts to a webhook, and gives up on a long 429 with exit code 75', async () => {
    const owner = await register(t);
    const peer = await register(t);
    const bot = randomName('bot');
    const socket = await connect(t, peer.token);

    const token = await python(['token', '--username', owner.username, '--bot', bot], { MESSENGER_PASSWORD: owner.password });
    expect(token.code, token.stderr).toBe(0);
    const created = JSON.parse(token.stdout) as { secret: string; username: string; scopes: string[] };
    expect(created).toMatchObject({ username: bot, scopes: ['send'] });

    const arrived = waitFor(socket, 'message:new', ({ message }) => message.text === 'from python');
    const sent = await python(['send', peer.username, 'from python'], { MESSENGER_TOKEN: created.secret });
    expect(sent.code, sent.stderr).toBe(0);
    const answer = JSON.parse(sent.stdout) as SendResponse;
    expect((await arrived).message).toMatchObject({ id: answer.id, from: bot, to: peer.username });

    // A real HTTP request, so the URL names this server's port as a tool would get it.
    const res = await fetch(new URL(WebhookPaths.webhooks, t.url), {
      method: 'POST',
      headers: { ...bearer(owner.token), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'python', bot, target: { user: peer.username } }),
    });
    expect(res.status).toBe(201);
    const hook = (await res.json()) as CreatedWebhook;
    const hooked = waitFor(socket, 'message:new', ({ message }) => message.text === 'hook from python');
    const posted = await python(['webhook', 'hook from python'], { MESSENGER_WEBHOOK_URL: hook.url });
    expect(posted.code, posted.stderr).toBe(0);
    expect((await hooked).message).toMatchObject({ id: (JSON.parse(posted.stdout) as SendResponse).id, from: bot });

    // The token's one send this minute is spent: Retry-After (up to a minute) exceeds what it may wait.
    const limited = await python(['send', peer.username, 'too soon'], { MESSENGER_TOKEN: created.secret, MESSENGER_MAX_WAIT: '0' });
    expect(limited.code).toBe(75);
    expect(limited.stderr).toContain('429 rate_limited');
    socket.close();
  });
});
