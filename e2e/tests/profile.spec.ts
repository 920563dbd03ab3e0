// The profile through the real stack (issue 18 item 4): Alice sets a display name and a picture on
// the settings page, and Bob, who talks with her, sees both in his list and his chat header at
// once, without a reload (profile:update). An SVG never becomes a picture, whether the browser
// calls it one or it is passed off as a PNG (the server judges the bytes). The password is changed
// from the same page, and only the new one signs in. With UPDATE_DOC_SCREENSHOTS=1 the pictures
// also go to docs/screenshots/.
import { copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { BASE_URL, PASSWORD, expect, openConversation, screenshotPath, sendText, test, userSession } from './fixtures.js';

const DOCS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

async function screenshot(page: Page, name: string) {
  const path = screenshotPath(name);
  await page.screenshot({ path });
  if (process.env.UPDATE_DOC_SCREENSHOTS === '1') copyFileSync(path, `${DOCS}${name}.png`);
}

/** A real PNG, drawn by the browser: a face-ish disc on a coloured square. */
async function drawPng(page: Page, hue: number): Promise<Buffer> {
  const base64 = await page.evaluate((h) => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 320;
    const g = canvas.getContext('2d')!;
    g.fillStyle = `hsl(${h} 70% 55%)`;
    g.fillRect(0, 0, 320, 320);
    g.fillStyle = `hsl(${h + 40} 80% 85%)`;
    g.beginPath();
    g.arc(160, 140, 70, 0, Math.PI * 2);
    g.fill();
    g.fillRect(70, 230, 180, 90);
    return canvas.toDataURL('image/png').split(',')[1]!;
  }, hue);
  return Buffer.from(base64, 'base64');
}

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>';

async function openSettings(page: Page) {
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole('heading', { name: 'Settings', level: 2 })).toBeVisible();
}

/** The picture is there and decoded (not a broken image). */
async function expectPicture(picture: Locator, owner: string) {
  await expect(picture).toHaveAttribute('src', new RegExp(`^/api/users/${owner}/avatar\\?v=[0-9a-f]{16}$`));
  await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(256);
}

test('a display name and picture set in settings reach the other side live; an SVG is refused', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  const name = `Alice Liddell ${alice.username.slice(-4)}`;

  // They talk, so each sees the other's presence, and with it the other's profile changes.
  await openConversation(bob.page, alice.username);
  await sendText(bob.page, 'Tea at four?');
  await expect(alice.page.locator(`a[data-peer="${bob.username}"]`)).toBeVisible();
  const row = bob.page.locator(`a[data-peer="${alice.username}"]`);
  await expect(row).toContainText(alice.username);

  await openSettings(alice.page);
  const profile = alice.page.getByRole('region', { name: 'Profile' });
  await profile.getByLabel('Display name').fill(`  ${name} `);
  await profile.getByRole('button', { name: 'Save name' }).click();
  await expect(profile.getByRole('status')).toHaveText('Display name saved.');

  await profile.getByLabel('Choose a picture').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: await drawPng(alice.page, 200) });
  await expect(profile.getByAltText('Preview of the chosen picture')).toBeVisible();
  await profile.getByRole('button', { name: 'Use this picture' }).click();
  await expect(profile.getByRole('status').filter({ hasText: 'Picture saved.' })).toBeVisible();
  await expectPicture(profile.getByAltText(name), alice.username);
  // Her own badge follows too.
  await expect(alice.page.locator('.sidebar-header .me-name')).toHaveText(name);
  await screenshot(alice.page, 'profile-settings-desktop');

  // Bob, without a reload: the name and the picture in his list and in the chat header, her
  // username under the name there (names need not be unique).
  await expect(row.locator('.conversation-peer')).toHaveText(name);
  await expectPicture(row.getByAltText(name), alice.username);
  await expect(bob.page.getByRole('heading', { name, level: 2 })).toBeVisible();
  await expectPicture(bob.page.locator('.conversation-header').getByAltText(name), alice.username);
  await expect(bob.page.getByTestId('peer-status')).toContainText(`@${alice.username}`);
  await expect(bob.page.getByRole('textbox', { name: `Message ${name}` })).toBeVisible();
  await openConversation(alice.page, bob.username);
  await sendText(alice.page, 'Yes! The March Hare is coming too.');
  await expect(bob.page.getByTestId('message').filter({ hasText: 'March Hare' })).toBeVisible();
  await screenshot(bob.page, 'display-names-desktop');

  // An SVG as the browser names it: refused before it is sent.
  await openSettings(alice.page);
  const picker = profile.getByLabel('Choose another picture');
  await picker.setInputFiles({ name: 'evil.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(SVG) });
  await expect(profile.getByRole('alert')).toContainText('SVG is not accepted');
  // Passed off as a PNG: the server reads the bytes and refuses (415 unsupported_image).
  const refused = alice.page.waitForResponse((r) => r.url().endsWith('/api/me/avatar') && r.request().method() === 'PUT');
  await picker.setInputFiles({ name: 'evil.png', mimeType: 'image/png', buffer: Buffer.from(SVG) });
  await profile.getByRole('button', { name: 'Use this picture' }).click();
  expect((await refused).status()).toBe(415);
  await expect(profile.getByRole('alert')).toHaveText('That file is not a picture we can use. Choose a PNG, JPEG, WebP or GIF (SVG is not accepted).');
  await profile.getByRole('button', { name: 'Cancel' }).click();
  // The picture Bob sees is still the PNG.
  await expectPicture(row.getByAltText(name), alice.username);

  await alice.context.close();
  await bob.context.close();
});

test('the password is changed from the settings page (on a phone), and only the new one signs in', async ({ browser }) => {
  const me = await userSession(browser, 'maya', { width: 390, height: 844 });
  await openSettings(me.page);
  const profile = me.page.getByRole('region', { name: 'Profile' });
  await profile.getByLabel('Display name').fill('Maya Angelou');
  await profile.getByRole('button', { name: 'Save name' }).click();
  await expect(profile.getByRole('status')).toHaveText('Display name saved.');
  await profile.getByLabel('Choose a picture').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: await drawPng(me.page, 330) });
  await profile.getByRole('button', { name: 'Use this picture' }).click();
  await expectPicture(profile.getByAltText('Maya Angelou'), me.username);
  await me.page.locator('.settings-body').evaluate((el) => el.scrollTo(0, 0));
  await screenshot(me.page, 'profile-settings-phone');

  const next = 'a brand new passphrase 42';
  const password = me.page.getByRole('region', { name: 'Password' });
  await password.getByLabel('Current password').fill(PASSWORD);
  await password.getByLabel('New password').fill(next);
  await password.getByRole('button', { name: 'Change password' }).click();
  await expect(password.getByRole('status')).toHaveText('Password changed. Every other device was signed out.');

  // The old password no longer works; the new one signs in, in a fresh browser.
  const old = await me.context.request.post(`${BASE_URL}/api/auth/login`, { data: { username: me.username, password: PASSWORD } });
  expect(old.status()).toBe(401);
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto('/signin');
  await page.getByLabel('Username').fill(me.username);
  await page.getByLabel('Password').fill(next);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Conversation list' })).toBeVisible();
  await expect(page.locator('.sidebar-header .me-name')).toHaveText('Maya Angelou');
  await context.close();
  await me.context.close();
});
