// Search from one box (Ctrl+K): find an old message, open the conversation at it, page both ways
// from there to the newest, where live messages append again; and search within one conversation.
import type { MessengerClient } from '@messenger/client';
import { Group, GroupApiPaths } from '@messenger/protocol';
import { expect, messageList, messages, newUser, openConversation, screenshotPath, scriptClient, test, userSession, walkMessageTexts } from './fixtures.js';

const TOTAL = 150;
const TARGET = 60;
const pad = (i: number) => String(i).padStart(4, '0');
const textOf = (i: number) => (i === TARGET ? `the pomegranate harvest is in ${pad(i)}` : `filler ${pad(i)}`);

/** Alice and Bob take turns: more than one history page either side of the target. */
async function exchange(alice: MessengerClient, bob: MessengerClient, aliceName: string, bobName: string) {
  for (let i = 0; i < TOTAL; i += 1) {
    if (i % 2 === 0) await alice.send(bobName, textOf(i));
    else await bob.send(aliceName, textOf(i));
  }
}

test('Ctrl+K finds an old message, opens the conversation at it, and pages down to the newest, live again', async ({ browser }) => {
  test.setTimeout(120_000);
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  const [aliceApi, bobApi] = await Promise.all([scriptClient(alice.username), scriptClient(bob.username)]);
  await exchange(aliceApi, bobApi, alice.username, bob.username);
  // A third person also mentions the word: only the scoped search leaves her out.
  const carol = await newUser(browser, 'carol');
  await (await scriptClient(carol)).send(bob.username, 'carol grows a pomegranate too');

  const { page } = bob;
  await expect(page.getByRole('link', { name: new RegExp(alice.username) })).toBeVisible();
  await page.keyboard.press('Control+k');
  const box = page.getByRole('combobox', { name: 'Search conversations, people and messages' });
  await expect(box).toBeFocused();
  await box.fill('pomegran');
  const found = page.getByRole('group', { name: 'Messages' }).getByRole('option');
  await expect(found).toHaveCount(2);
  const hit = found.filter({ hasText: 'harvest' });
  await expect(hit.locator('mark')).toHaveText(['pomegranate']);
  await expect(hit).toContainText(alice.username);
  await page.screenshot({ path: screenshotPath('search-desktop') });

  // ↓ to the older hit (results are newest first: Carol's), Enter opens it.
  await expect(box).toHaveAttribute('aria-activedescendant', (await found.first().getAttribute('id')) ?? '');
  await box.press('ArrowDown');
  await box.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/c/${alice.username}$`));
  const focused = messageList(page).locator('[data-focused]');
  await expect(focused).toContainText(textOf(TARGET));
  await expect(focused).toBeInViewport();
  await expect(focused).toHaveClass(/message-focus/);
  await expect(messageList(page)).toBeFocused();

  // Older from there, up to the very first message.
  const log = messageList(page);
  await expect(async () => {
    await log.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect(messages(page).first()).toHaveText(new RegExp(textOf(0)), { timeout: 300 });
  }).toPass({ timeout: 30_000, intervals: [100] });
  // Newer, page by page, down to the newest.
  await expect(async () => {
    await log.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect(messages(page).last()).toHaveText(new RegExp(textOf(TOTAL - 1)), { timeout: 300 });
  }).toPass({ timeout: 30_000, intervals: [100] });

  // Back at the newest, live messages append as usual.
  await aliceApi.send(bob.username, 'fresh after the jump');
  await expect(messages(page).last()).toHaveText(/fresh after the jump/);
  // Every message once, in order, across the window and the live history, walked from the top.
  await expect(async () => {
    await log.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect(messages(page).first()).toHaveText(new RegExp(textOf(0)), { timeout: 300 });
  }).toPass({ timeout: 30_000, intervals: [100] });
  const texts = await walkMessageTexts(log);
  expect(texts).toEqual([...Array.from({ length: TOTAL }, (_, i) => textOf(i)), 'fresh after the jump']);

  await alice.context.close();
  await bob.context.close();
});

test('searching within one conversation or group, from its header, and widening it with Backspace', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob', { width: 390, height: 844 });
  const [aliceApi, bobApi] = await Promise.all([scriptClient(alice.username), scriptClient(bob.username)]);
  await aliceApi.send(bob.username, 'the quince jam is ready');
  await bobApi.send(alice.username, 'quince for me too');
  const carol = await newUser(browser, 'carol');
  await (await scriptClient(carol)).send(bob.username, 'a quince from carol');

  const { page } = bob;
  await openConversation(page, alice.username);
  await expect(messages(page)).toHaveCount(2);
  const opener = page.getByRole('button', { name: `Search in conversation with ${alice.username}` });
  await opener.click();
  await expect(page.getByTestId('search-scope')).toHaveText(new RegExp(`in\\s*${alice.username}`));
  const box = page.getByRole('combobox', { name: `Search messages in ${alice.username}` });
  await box.fill('quince');
  const found = page.getByRole('group', { name: 'Messages' }).getByRole('option');
  await expect(found).toHaveCount(2);
  await expect(found.filter({ hasText: 'carol' })).toHaveCount(0);
  await page.screenshot({ path: screenshotPath('search-phone') });

  // Backspace in the empty field drops the scope: Carol's message shows too.
  await box.fill('');
  await box.press('Backspace');
  await expect(page.getByTestId('search-scope')).toHaveCount(0);
  await page.getByRole('combobox', { name: 'Search conversations, people and messages' }).fill('quince');
  await expect(found).toHaveCount(3);
  await expect(page.getByRole('group', { name: 'Conversations' })).toHaveCount(0);

  // No match says so; Esc closes and gives the focus back to the button that opened the box.
  await page.getByRole('combobox').fill('zzzyzx');
  await expect(page.getByText('No messages match.')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(opener).toBeFocused();

  // In a group too: its header scopes the box to it, and a result opens there, highlighted.
  const { id } = await aliceApi.request(GroupApiPaths.groups, Group, { method: 'POST', body: { name: 'Orchard', members: [bob.username] } });
  await aliceApi.sendToGroup(id, 'quince trees in the orchard');
  await aliceApi.sendToGroup(id, 'and apples');
  await page.goto(`/g/${id}`);
  await expect(messages(page)).toHaveCount(2);
  await page.getByRole('button', { name: 'Search in Orchard' }).click();
  const inGroup = page.getByRole('combobox', { name: 'Search messages in Orchard' });
  await inGroup.fill('quince');
  await expect(found).toHaveCount(1);
  await inGroup.press('Enter');
  await expect(messageList(page).locator('[data-focused]')).toContainText('quince trees in the orchard');
  await alice.context.close();
  await bob.context.close();
});
