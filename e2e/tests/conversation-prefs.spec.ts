// Pin, archive and mark as unread are the user's own server-side settings: made from a row's menu
// in one browser (right-click or the keyboard), they show at once in another browser signed in as
// the same user; a new message brings an archived conversation back; opening a conversation
// marked as unread clears the mark everywhere.
import type { Page } from '@playwright/test';
import { BASE_URL, expect, newUser, openConversation, scriptClient, screenshotPath, signInViaUi, test, userSession, waitLive } from './fixtures.js';

const row = (page: Page, peer: string) => page.locator(`a[data-peer="${peer}"]`);
/** Peers in the order the main list (pinned, then the rest) shows them; archived ones are apart. */
const mainOrder = (page: Page) => page.locator('nav[aria-label="Conversation list"] > ul a[data-peer]').evaluateAll((as) => as.map((a) => (a as HTMLElement).dataset.peer));

test('pin, archive and mark as unread in one browser show at once in another of the same user', async ({ browser }) => {
  const bob = await userSession(browser, 'bob');
  const [aliceName, carolName] = [await newUser(browser, 'alice'), await newUser(browser, 'carol')];
  const [alice, carol] = [await scriptClient(aliceName), await scriptClient(carolName)];
  await alice.send(bob.username, 'from alice');
  await carol.send(bob.username, 'from carol');
  const here = bob.page;
  await expect(row(here, carolName)).toContainText('from carol');
  await expect.poll(() => mainOrder(here)).toEqual([carolName, aliceName]);

  // The same person on another device.
  const otherContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: BASE_URL });
  const there = await otherContext.newPage();
  await signInViaUi(there, bob.username);
  await waitLive(there);
  await expect.poll(() => mainOrder(there)).toEqual([carolName, aliceName]);

  // Pin alice by right-clicking her row: she moves to the top here and there.
  await row(here, aliceName).click({ button: 'right' });
  const menu = here.getByRole('menu', { name: `Actions for ${aliceName}` });
  await expect(menu.getByRole('menuitem')).toHaveText(['Pin', 'Mark as unread', 'Archive', 'Mute']);
  await expect(menu.getByRole('menuitem', { name: 'Pin' })).toBeFocused();
  await here.screenshot({ path: screenshotPath('conversation-menu-desktop') });
  await here.keyboard.press('Enter');
  await expect(menu).toBeHidden();
  await expect(row(there, aliceName)).toHaveAttribute('data-pinned', 'true');
  await expect.poll(() => mainOrder(there)).toEqual([aliceName, carolName]);
  await expect(row(there, aliceName).getByRole('img', { name: 'pinned' })).toBeVisible();

  // Archive carol from the other browser with the keyboard alone: the ⋯ button, ↓ to Archive, Enter.
  const carolMenuButton = there.getByRole('button', { name: `More actions for ${carolName}` });
  await carolMenuButton.focus();
  await there.keyboard.press('Enter');
  await expect(there.getByRole('menu', { name: `Actions for ${carolName}` }).getByRole('menuitem', { name: 'Pin' })).toBeFocused();
  await there.keyboard.press('ArrowDown');
  await there.keyboard.press('ArrowDown');
  await expect(there.getByRole('menuitem', { name: 'Archive' })).toBeFocused();
  await there.keyboard.press('Enter');
  // Focus does not fall to the page body when the row leaves the list.
  await expect(there.locator('body')).not.toBeFocused();
  for (const page of [here, there]) {
    await expect.poll(() => mainOrder(page)).toEqual([aliceName]);
    await expect(page.getByRole('button', { name: /^Archived/ })).toHaveAttribute('aria-expanded', 'false');
    await expect(page.getByRole('button', { name: /^Archived/ })).toContainText('1');
  }
  await here.getByRole('button', { name: /^Archived/ }).click();
  await expect(here.getByRole('list', { name: 'Archived conversations' }).locator(`a[data-peer="${carolName}"]`)).toBeVisible();

  // A new message from carol brings her back, in both browsers.
  await carol.send(bob.username, 'are you there?');
  for (const page of [here, there]) {
    await expect.poll(() => mainOrder(page)).toEqual([aliceName, carolName]);
    await expect(page.getByRole('button', { name: /^Archived/ })).toHaveCount(0);
  }

  // Read alice's message here, then mark her conversation as unread from a chat with carol.
  await openConversation(here, aliceName);
  await expect(row(there, aliceName).getByTestId('unread-badge')).toHaveCount(0);
  await openConversation(here, carolName);
  await expect.poll(() => there.title()).toBe('Messenger');
  await row(here, aliceName).click({ button: 'right' });
  await here.getByRole('menuitem', { name: 'Mark as unread' }).click();
  for (const page of [here, there]) {
    await expect(row(page, aliceName).getByRole('img', { name: 'marked as unread' })).toBeVisible();
    await expect(row(page, aliceName)).toHaveClass(/\bunread\b/);
    await expect.poll(() => page.title()).toBe('(1) Messenger');
  }

  // Opening it in the other browser clears the mark everywhere.
  await row(there, aliceName).click();
  await expect(there.getByRole('heading', { name: aliceName, level: 2 })).toBeVisible();
  for (const page of [here, there]) {
    await expect(row(page, aliceName).getByRole('img', { name: 'marked as unread' })).toHaveCount(0);
    await expect.poll(() => page.title()).toBe('Messenger');
  }
  // The server has every setting: a fresh load agrees.
  await here.reload();
  await waitLive(here);
  await expect.poll(() => mainOrder(here)).toEqual([aliceName, carolName]);
  await expect(row(here, aliceName)).toHaveAttribute('data-pinned', 'true');

  await otherContext.close();
  await bob.context.close();
});

test('on a phone, a long press on a row opens its menu, and lifting the finger does not open the chat', async ({ browser }) => {
  const bob = await userSession(browser, 'bob', { width: 390, height: 844 });
  const aliceName = await newUser(browser, 'alice');
  await (await scriptClient(aliceName)).send(bob.username, 'hello from alice');
  const item = row(bob.page, aliceName);
  await expect(item).toContainText('hello from alice');
  // A finger held on the row: pointerdown, then nothing until the menu is there, then the lift.
  await item.dispatchEvent('pointerdown', { pointerType: 'touch', isPrimary: true, button: 0 });
  const menu = bob.page.getByRole('menu', { name: `Actions for ${aliceName}` });
  await expect(menu).toBeVisible();
  await item.dispatchEvent('pointerup', { pointerType: 'touch', isPrimary: true, button: 0 });
  await item.dispatchEvent('click');
  await expect(bob.page).toHaveURL(/\/$/);
  await expect(menu).toBeVisible();
  await bob.page.screenshot({ path: screenshotPath('conversation-menu-phone') });
  await menu.getByRole('menuitem', { name: 'Archive' }).click();
  await expect(bob.page.getByRole('button', { name: /^Archived/ })).toContainText('1');
  await bob.context.close();
});
