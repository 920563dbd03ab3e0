// Keyboard-only use, and the system colour scheme.
import { BASE_URL, composer, expect, messages, newUser, test, userSession } from './fixtures.js';

test('keyboard only: find a person, open the chat, send with Enter', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bobName = await newUser(browser, 'bob');

  const page = alice.page;
  const newChat = page.getByRole('button', { name: 'New chat' });
  // With no conversations yet, focus starts on "New chat"; else Tab reaches it.
  for (let i = 0; i < 8; i += 1) {
    if (await newChat.evaluate((el) => el === document.activeElement)) break;
    await page.keyboard.press('Tab');
  }
  await expect(newChat).toBeFocused();
  await page.keyboard.press('Enter');
  const search = page.getByLabel('Search people');
  await expect(search).toBeFocused();
  await page.keyboard.type(bobName);
  await expect(page.getByRole('option', { name: bobName })).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: bobName, level: 2 })).toBeVisible();
  await expect(composer(page)).toBeFocused();
  await page.keyboard.type('typed without a mouse');
  await page.keyboard.press('Enter');
  await expect(messages(page).filter({ hasText: 'typed without a mouse' })).toBeVisible();
  // The conversation list entry is a link reachable by keyboard.
  await expect(page.locator(`a[data-peer="${bobName}"]`)).toHaveAttribute('aria-current', 'page');
  await alice.context.close();
});

test('follows the system dark scheme without a toggle', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: BASE_URL, colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Welcome back' })).toBeVisible();
  const background = await page.evaluate(() => getComputedStyle(document.querySelector('.auth-card')!).backgroundColor);
  const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
  expect((r ?? 255) + (g ?? 255) + (b ?? 255)).toBeLessThan(150);
  // The toggle overrides the system: light colours although the system stays dark.
  await page.getByRole('button', { name: 'Switch to light theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect
    .poll(async () => {
      const light = await page.evaluate(() => getComputedStyle(document.querySelector('.auth-card')!).backgroundColor);
      return (light.match(/\d+/g) ?? []).slice(0, 3).map(Number).reduce((sum, v) => sum + v, 0);
    })
    .toBeGreaterThan(700);
  await context.close();
});
