// The curl examples of docs/integrations.md, run as a reader would paste them, in order, against
// the real server: sign in, make a bot and a token, send with an Idempotency-Key, retry with the
// same key (the same message, not a second one), make a webhook and post to it. A change to the
// API that the examples do not follow fails here, not in a user's terminal.
import { ApiPaths, type CreatedApiToken, type CreatedWebhook, type MessagesPage, type SendResponse } from '@messenger/protocol';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connect, register, removeDir, startApp, waitFor, type TestApp } from './helpers/app.js';
import { waitUntil } from './helpers/wait.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/integrations.md');

/** The doc's `sh` blocks that call the API with curl (not the ones that run the Python example). */
function curlBlocks(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
  return blocks.filter((b) => /^(curl|SESSION=)/.test(b.trimStart()));
}

/** Bodies curl -s printed back to back (`{…}{…}`), parsed one by one. */
function bodies(stdout: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < stdout.length; i++) {
    const c = stdout[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(JSON.parse(stdout.slice(start, i + 1)));
  }
  return out;
}

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
});

function bash(script: string, env: Record<string, string>): Promise<unknown[]> {
  const host = new URL(t.url).host;
  // The doc talks to `npm start` on localhost:3000; this server listens elsewhere.
  const here = script.replaceAll('localhost:3000', host);
  return new Promise((resolve, reject) => {
    execFile('bash', ['-eo', 'pipefail', '-c', here], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${error.message}\n${stderr}`));
      resolve(bodies(stdout));
    });
  });
}

describe('docs/integrations.md curl examples', () => {
  it('run as written: a bot token, an idempotent send and its retry, a webhook and a post to it', async () => {
    const blocks = curlBlocks(readFileSync(DOC, 'utf8'));
    // One per step below: a new curl example needs a line here.
    expect(blocks).toHaveLength(6);
    const [makeToken, sendOnce, correct, sendWithRetry, makeWebhook, postToWebhook] = blocks as [string, string, string, string, string, string];

    // The doc's people: alice (with the doc's passphrase) and bob, who listens.
    const alice = await register(t, 'alice', 'a long passphrase');
    const bob = await register(t, 'bob');
    const socket = await connect(t, bob.token);

    const [bot, token] = (await bash(makeToken, {})) as [{ username: string }, CreatedApiToken];
    expect(bot).toMatchObject({ username: 'bot.ci' });
    expect(token).toMatchObject({ username: 'bot.ci', scopes: ['send'] });
    expect(token.secret).toMatch(/^msk_/);

    const arrived = waitFor(socket, 'message:new', ({ message }) => message.from === 'bot.ci' && message.text === 'Build 42 is green');
    const [sent] = (await bash(sendOnce, { TOKEN: token.secret })) as [SendResponse];
    expect((await arrived).message.id).toBe(sent.id);
    // The same Idempotency-Key again: the first message's answer, not a second message.
    const [again] = (await bash(sendWithRetry, { TOKEN: token.secret })) as [SendResponse];
    expect(again.id).toBe(sent.id);

    // Edit, react, delete: each reaches bob's screen as the message's new state. The store must
    // hold the message first (a 202 means Kafka holds it).
    await waitUntil(
      async () => (await t.app.inject({ method: 'GET', url: ApiPaths.messages('bot.ci'), headers: bearer(bob.token) })).json<MessagesPage>().messages.some((m) => m.id === sent.id),
      15_000,
      'the message stored',
    );
    const deletedOnScreen = waitFor(socket, 'message:update', (u) => u.message.id === sent.id && u.change.kind === 'delete');
    const editedOnScreen = waitFor(socket, 'message:update', (u) => u.message.id === sent.id && u.change.kind === 'edit');
    const changes = (await bash(correct, { TOKEN: token.secret, MESSAGE_ID: sent.id })) as { messageId: string; kind: string }[];
    expect(changes.map((c) => [c.messageId, c.kind])).toEqual([
      [sent.id, 'edit'],
      [sent.id, 'react'],
      [sent.id, 'delete'],
    ]);
    expect((await editedOnScreen).message.text).toBe('Build 42 is green (all 312 tests)');
    expect((await deletedOnScreen).message).toMatchObject({ id: sent.id, deleted: true, text: '' });

    const [hook] = (await bash(makeWebhook, { SESSION: alice.token })) as [CreatedWebhook];
    expect(hook).toMatchObject({ bot: 'bot.ci', target: { user: 'bob' } });
    const hooked = waitFor(socket, 'message:new', ({ message }) => message.from === 'bot.ci' && message.id !== sent.id);
    const [posted] = (await bash(postToWebhook, { WEBHOOK_URL: hook.url })) as [SendResponse];
    expect((await hooked).message).toMatchObject({ id: posted.id, text: 'Build 42 is green', to: 'bob' });

    // Exactly two messages reached bob: the send (once, despite its retry) and the webhook's. A
    // 202 means Kafka holds them; the history store may lag a moment behind.
    const stored = async () => {
      const res = await t.app.inject({ method: 'GET', url: ApiPaths.messages('bot.ci'), headers: bearer(bob.token) });
      return res.json<MessagesPage>().messages.map((m) => m.id).sort();
    };
    await waitUntil(async () => (await stored()).length >= 2, 15_000, 'both messages stored');
    expect(await stored()).toEqual([sent.id, posted.id].sort());
    socket.close();
  });
});
