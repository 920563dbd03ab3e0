// Shared helpers: unique users, signing in through the UI or the API, opening conversations.
import { createClient, type MessengerClient } from '@messenger/client';
import { test as base, expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE_URL = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3000';
export const PASSWORD = 'correct horse battery';
export const SCREENSHOTS = fileURLToPath(new URL('../artifacts/screenshots/', import.meta.url));
mkdirSync(SCREENSHOTS, { recursive: true });

export const test = base.extend({});
test.use({ baseURL: BASE_URL });
export { expect };

let counter = 0;
/** A username no other test (or earlier run on the same broker) uses. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}_${Date.now().toString(36)}${process.pid.toString(36)}${counter}`.slice(0, 32);
}

/** Creates an account through the API (the context gets the session cookie). */
export async function register(context: BrowserContext, username: string): Promise<void> {
  const res = await context.request.post(`${BASE_URL}/api/auth/register`, { data: { username, password: PASSWORD } });
  expect(res.status(), await res.text()).toBe(201);
}

/** A new account that no browser is signed in to (yet): its name. */
export async function newUser(browser: Browser, prefix: string): Promise<string> {
  const username = uniqueName(prefix);
  const context = await browser.newContext({ baseURL: BASE_URL });
  await register(context, username);
  await context.close();
  return username;
}

/** A script or bot signed in with a bearer token, through the shared client (the web app never sees one). */
export async function scriptClient(username: string): Promise<MessengerClient> {
  const client = createClient({ baseUrl: BASE_URL });
  await client.login(username, PASSWORD);
  return client;
}

/** A bearer token, for the tests whose point is the raw HTTP request. */
export async function bearerToken(username: string): Promise<string> {
  const { token } = await scriptClient(username);
  if (!token) throw new Error(`signing in as ${username} gave no token`);
  return token;
}

export async function signInViaUi(page: Page, username: string): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Conversation list' })).toBeVisible();
}

/** A new browser context with a registered, signed-in user on the conversation list. */
export async function userSession(browser: Browser, prefix: string, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, baseURL: BASE_URL });
  const page = await context.newPage();
  const username = uniqueName(prefix);
  await register(context, username);
  await page.goto('/');
  await expect(page.getByRole('navigation', { name: 'Conversation list' })).toBeVisible();
  await waitLive(page);
  return { context, page, username };
}

/** The socket has caught up (sync:done). */
export async function waitLive(page: Page): Promise<void> {
  await expect(page.locator('[data-connection]')).toHaveAttribute('data-connection', 'live');
}

export async function openConversation(page: Page, peer: string): Promise<void> {
  await page.goto(`/c/${peer}`);
  await expect(page.getByRole('heading', { name: peer, level: 2 })).toBeVisible();
  await waitLive(page);
}

export function composer(page: Page) {
  return page.getByRole('textbox', { name: /^Message / });
}

export async function sendText(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

export function messageList(page: Page) {
  return page.getByRole('log');
}

export function messages(page: Page) {
  return messageList(page).getByTestId('message');
}

export function screenshotPath(name: string): string {
  return path.join(SCREENSHOTS, `${name}.png`);
}

/**
 * Every message text of a virtualized list, in order: walks it down from where it is, half a
 * screen and two frames at a time, so each window is rendered before it is read.
 */
export function walkMessageTexts(log: Locator): Promise<string[]> {
  return log.evaluate(async (el) => {
    const order: string[] = [];
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    for (let guard = 0; guard < 500; guard += 1) {
      for (const node of Array.from(el.querySelectorAll('[data-testid="message"] .text'))) {
        const text = node.textContent ?? '';
        if (!order.includes(text)) order.push(text);
      }
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) break;
      el.scrollTop += el.clientHeight / 2;
      await frame();
    }
    return order;
  });
}
