// The picture issue 17 asks for, made by a test: on the private desktop (Xvfb + a private bus +
// dunst), bob is signed in to the web app in a real Chromium and to the agent; alice writes; the
// bubble shows; a click on it (`dunstctl action`) runs $BROWSER, which opens the URL in that very
// Chromium (a new tab through its DevTools endpoint, as a browser's own launcher would); the tab
// shows the conversation with alice's message. Screenshots of the whole display before and after
// the click, side by side, go to artifacts/; with UPDATE_DOC_SCREENSHOTS=1 also to docs/screenshots/
// (a plain run must not rewrite a committed file: names and texts are random each time).
//
// Chromium is Debian's, driven by playwright-core, which the e2e workspace's @playwright/test puts
// in the root node_modules (no dependency of this workspace, no browser download).
import { SendResponse, parse } from '@messenger/protocol';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/server-process.mjs';
import { ARTIFACTS, CLI_ENTRY, ROOT, SCREEN, run, start, waitUntil, type Proc } from './helpers/desktop.js';
import { PASSWORD, agentEnv, startWorld, stopWorld, unique, type World } from './helpers/world.js';

const CHROMIUM = '/usr/bin/chromium';
const WEB_DIST = path.join(ROOT, 'web/dist');
const DOC_SHOT = path.join(ROOT, 'docs/screenshots/notification-click-opens-conversation.png');

let world: World;
let agent: Proc | undefined;
let context: BrowserContext | undefined;
let scratch: string;
let opened: string;

/** Width and height from a PNG's IHDR chunk; throws unless the file is a PNG. */
function pngSize(file: string): { width: number; height: number } {
  const head = fs.readFileSync(file).subarray(0, 24);
  expect(head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file} is a PNG`).toBe(true);
  expect(head.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

const openedUrls = () => (fs.existsSync(opened) ? fs.readFileSync(opened, 'utf8').trim().split('\n').filter(Boolean) : []);

beforeAll(async () => {
  for (const [file, fix] of [
    [path.join(WEB_DIST, 'index.html'), 'build the web app: npm run build -w web (from the repo root)'],
    [CHROMIUM, 'install Debian chromium: sudo apt install chromium'],
  ] as const) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${fix}`);
  }
  world = await startWorld('chat-notifier-browser-', { WEB_DIST });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-notifier-chromium-'));
  opened = path.join(scratch, 'opened');

  // Chromium on the test's display and bus, with a DevTools port for $BROWSER to open tabs on. A
  // persistent profile, so tabs opened from outside land in the context that holds bob's cookie.
  const port = await freePort();
  context = await chromium.launchPersistentContext(path.join(scratch, 'profile'), {
    executablePath: CHROMIUM,
    headless: false,
    viewport: null,
    env: { PATH: process.env.PATH, HOME: scratch, ...world.desktop.env },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // Hides the "unsupported command-line flag: --no-sandbox" bar, which is not the product's.
      '--test-type',
      `--remote-debugging-port=${port}`,
      '--window-position=0,0',
      `--window-size=${SCREEN.width},${SCREEN.height}`,
    ],
  });

  // What a click runs: records the URL, then asks the running Chromium for a new tab showing it.
  // A real script with no shell in between (open-url.ts runs $BROWSER's words without one).
  const browser = path.join(scratch, 'open-in-chromium.mjs');
  fs.writeFileSync(
    browser,
    [
      `#!${process.execPath}`,
      `import fs from 'node:fs';`,
      `const url = process.argv[2];`,
      `fs.appendFileSync(${JSON.stringify(opened)}, url + '\\n');`,
      `const res = await fetch('http://127.0.0.1:${port}/json/new?' + encodeURIComponent(url), { method: 'PUT' });`,
      `if (!res.ok) { fs.appendFileSync(${JSON.stringify(opened)}, 'error: DevTools answered ' + res.status + '\\n'); process.exit(1); }`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  agent = start('agent', process.execPath, [CLI_ENTRY, 'run'], agentEnv(world, { BROWSER: browser }));
  await agent.waitFor('; live', 30_000);
}, 180_000);

afterAll(async () => {
  await context?.close();
  await stopWorld(world);
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

/** Bob signed in to the web app (the session cookie from POST /api/auth/login), on his list. */
async function signedInPage(ctx: BrowserContext): Promise<Page> {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const res = await ctx.request.post(`${world.server.url}/api/auth/login`, { data: { username: world.bob.username, password: PASSWORD } });
  expect(res.status(), await res.text()).toBe(200);
  await page.goto(world.server.url);
  await page.getByRole('navigation', { name: 'Conversation list' }).waitFor({ timeout: 30_000 });
  await page.locator('[data-connection="live"]').waitFor({ state: 'attached', timeout: 30_000 });
  return page;
}

it('a click on the bubble opens the conversation in the running browser (screenshot)', async () => {
  if (!context) throw new Error('Chromium did not start');
  const home = await signedInPage(context);
  const dunst = (...args: string[]) => run('dunstctl', args, agentEnv(world));
  await dunst('close-all');

  const text = unique('Lunch at noon?');
  const sent = await fetch(`${world.server.url}/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${world.alice.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to: world.bob.username, text }),
  });
  expect(sent.status).toBe(202);
  parse(SendResponse, await sent.json());
  await waitUntil('dunst to display the notification', async () => Number((await dunst('count', 'displayed')).stdout.trim()) > 0, 15_000);
  await agent?.waitFor(new RegExp(`notified \\S+ from ${world.alice.username}`), 10_000);
  // Bob's list in the page behind the bubble has alice's unread message too.
  await home.locator(`a[data-peer="${world.alice.username}"]`).getByTestId('unread-badge').waitFor({ timeout: 10_000 });
  const before = path.join(ARTIFACTS, 'click-browser-1-notification.png');
  await world.desktop.screenshot(before);

  const tab = context.waitForEvent('page', { timeout: 15_000 });
  // Awaited below; should an earlier step fail, its rejection is not an unhandled one.
  tab.catch(() => undefined);
  const action = await dunst('action', '0');
  expect(action.code, action.stderr).toBe(0);
  const url = `${world.server.url}/c/${world.alice.username}`;
  await waitUntil('$BROWSER to be run with the URL', async () => openedUrls().length > 0, 10_000);
  expect(openedUrls()).toEqual([url]);

  const page = await tab;
  await page.waitForURL(url, { timeout: 15_000 });
  await page.getByRole('heading', { name: world.alice.username, level: 2 }).waitFor({ timeout: 15_000 });
  await page.getByRole('log').getByTestId('message').getByText(text).waitFor({ timeout: 15_000 });
  await page.locator('[data-connection="live"]').waitFor({ state: 'attached', timeout: 15_000 });
  const after = path.join(ARTIFACTS, 'click-browser-2-conversation.png');
  await world.desktop.screenshot(after);

  const combined = path.join(ARTIFACTS, 'notification-click-opens-conversation.png');
  const joined = await run('convert', [before, after, '+append', combined], process.env);
  expect(joined.code, joined.stderr).toBe(0);
  expect(pngSize(before)).toEqual(SCREEN);
  expect(pngSize(after)).toEqual(SCREEN);
  expect(pngSize(combined)).toEqual({ width: SCREEN.width * 2, height: SCREEN.height });
  if (process.env.UPDATE_DOC_SCREENSHOTS === '1') fs.copyFileSync(combined, DOC_SHOT);
});
