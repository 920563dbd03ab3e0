// Message actions (issue 18) through the real stack: each action is a change record on the
// messages topic, applied by the store and pushed as message:update to the screens it changes.
// Two people in a 1:1 conversation (reply, edit, also with ↑, delete for everyone and for me,
// reactions, an offline person who converges on return), and three in a group.
import type { Locator, Page } from '@playwright/test';
import { copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Group, GroupApiPaths } from '@messenger/protocol';
import { composer, expect, messages, openConversation, screenshotPath, scriptClient, sendText, test, uniqueName, userSession, waitLive } from './fixtures.js';

/** The message whose own text has `text` (a reply quoting it is another message). */
const message = (page: Page, text: string) => messages(page).filter({ has: page.locator('.bubble > .text', { hasText: text }) });

/** Opens a message's actions menu with a right-click on its bubble, once the server has it. */
async function menuOf(page: Page, bubble: Locator) {
  // Still sending, it has no id to act on yet (and no menu).
  await expect(bubble).toHaveAttribute('data-id', /.+/);
  await bubble.locator('.bubble').click({ button: 'right' });
  const menu = page.getByRole('menu');
  await expect(menu).toBeVisible();
  return menu;
}

async function act(page: Page, text: string, item: string) {
  const menu = await menuOf(page, message(page, text));
  await menu.getByRole(item.startsWith('React with') ? 'menuitemcheckbox' : 'menuitem', { name: item }).click();
}

async function confirmDelete(page: Page) {
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
}

test('two people: reply, edit (also with ↑), delete for everyone and for me, reactions, live on the other side', async ({ browser }) => {
  test.setTimeout(120_000);
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  await openConversation(alice.page, bob.username);
  await openConversation(bob.page, alice.username);

  await sendText(bob.page, 'lunch at noon?');
  await expect(message(alice.page, 'lunch at noon?')).toHaveCount(1);

  // Reply: the quote bar, then the quote on both sides.
  await act(alice.page, 'lunch at noon?', 'Reply');
  await expect(alice.page.getByTestId('reply-bar')).toContainText(`Replying to ${bob.username}`);
  await sendText(alice.page, 'yes, 12:30');
  await expect(alice.page.getByTestId('reply-bar')).toHaveCount(0);
  for (const page of [alice.page, bob.page]) {
    const reply = message(page, 'yes, 12:30');
    await expect(reply.getByTestId('quote')).toContainText('lunch at noon?');
    await expect(reply.getByTestId('quote')).toContainText(bob.username);
  }
  // The quote leads to the original, highlighted where it is.
  await message(bob.page, 'yes, 12:30').getByTestId('quote').click();
  await expect(bob.page.getByRole('log').locator('[data-focused]')).toContainText('lunch at noon?');

  // Edit with ↑ in the empty composer: my last message; Bob sees it change live.
  await composer(alice.page).click();
  await composer(alice.page).press('ArrowUp');
  await expect(alice.page.getByTestId('editing-bar')).toBeVisible();
  await expect(composer(alice.page)).toHaveValue('yes, 12:30');
  await composer(alice.page).fill('yes, 12:45');
  await composer(alice.page).press('Enter');
  for (const page of [alice.page, bob.page]) {
    await expect(message(page, 'yes, 12:45')).toHaveAttribute('data-edited', 'true');
    await expect(message(page, 'yes, 12:45').getByText('edited', { exact: true })).toBeVisible();
  }
  await expect(message(bob.page, 'yes, 12:30')).toHaveCount(0);

  // Edit from the menu; Esc cancels an edit and leaves the text as it was.
  await act(alice.page, 'yes, 12:45', 'Edit');
  await expect(composer(alice.page)).toHaveValue('yes, 12:45');
  await composer(alice.page).press('Escape');
  await expect(alice.page.getByTestId('editing-bar')).toHaveCount(0);
  await expect(composer(alice.page)).toHaveValue('');

  // Reactions: Bob's thumbs up shows on Alice's screen live, and hers joins it.
  await act(bob.page, 'yes, 12:45', 'React with thumbs up');
  await expect(message(alice.page, 'yes, 12:45').getByRole('button', { name: `thumbs up: ${bob.username}` })).toBeVisible();
  await message(alice.page, 'yes, 12:45').getByRole('button', { name: `thumbs up: ${bob.username}` }).click();
  await expect(message(bob.page, 'yes, 12:45').getByRole('button', { name: `thumbs up: you and ${alice.username}` })).toHaveText(/2/);
  // A reaction from the picker, searched by name.
  const menu = await menuOf(bob.page, message(bob.page, 'lunch at noon?'));
  await menu.getByRole('menuitem', { name: 'More reactions' }).click();
  await bob.page.getByRole('searchbox', { name: 'Search emoji' }).fill('tada');
  await bob.page.getByRole('button', { name: 'party popper' }).click();
  await expect(message(alice.page, 'lunch at noon?').getByRole('button', { name: `party popper: ${bob.username}` })).toBeVisible();

  // Delete for everyone: gone on both screens, the bubble says so.
  await sendText(alice.page, 'wrong chat, sorry');
  await expect(message(bob.page, 'wrong chat, sorry')).toHaveCount(1);
  await act(alice.page, 'wrong chat, sorry', 'Delete for everyone');
  await confirmDelete(alice.page);
  for (const page of [alice.page, bob.page]) {
    await expect(message(page, 'wrong chat, sorry')).toHaveCount(0);
    await expect(messages(page).filter({ hasText: 'This message was deleted' })).toHaveCount(1);
  }

  // Delete for me: gone from Bob's screen only.
  await act(bob.page, 'lunch at noon?', 'Delete for me');
  await confirmDelete(bob.page);
  await expect(message(bob.page, 'lunch at noon?')).toHaveCount(0);
  // The reply that quoted it stays, and Alice still has the original.
  await expect(message(bob.page, 'yes, 12:45')).toHaveCount(1);
  await sendText(bob.page, 'see you');
  await expect(message(alice.page, 'see you')).toHaveCount(1);
  await expect(message(alice.page, 'lunch at noon?')).toHaveCount(1);

  // A reload shows the same (the store has it all).
  await bob.page.reload();
  await waitLive(bob.page);
  await expect(message(bob.page, 'yes, 12:45')).toHaveAttribute('data-edited', 'true');
  await expect(message(bob.page, 'lunch at noon?')).toHaveCount(0);
  await expect(messages(bob.page).filter({ hasText: 'This message was deleted' })).toHaveCount(1);
  await alice.context.close();
  await bob.context.close();
});

test('an offline person converges on return: edits, deletes and reactions made while away are there', async ({ browser }) => {
  test.setTimeout(120_000);
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  await openConversation(alice.page, bob.username);
  await openConversation(bob.page, alice.username);
  await sendText(alice.page, 'draft plan v1');
  await sendText(alice.page, 'to be deleted');
  await sendText(bob.page, 'looks good');
  await expect(message(bob.page, 'to be deleted')).toHaveCount(1);
  await expect(message(alice.page, 'looks good')).toHaveCount(1);

  // Bob goes away (his only page closes); Alice acts meanwhile.
  await bob.page.close();
  await act(alice.page, 'draft plan v1', 'Edit');
  await composer(alice.page).fill('draft plan v2');
  await composer(alice.page).press('Enter');
  await expect(message(alice.page, 'draft plan v2')).toHaveAttribute('data-edited', 'true');
  await act(alice.page, 'to be deleted', 'Delete for everyone');
  await confirmDelete(alice.page);
  await act(alice.page, 'looks good', 'React with red heart');
  await expect(message(alice.page, 'looks good').getByRole('button', { name: 'red heart: you' })).toBeVisible();
  await expect(messages(alice.page).filter({ hasText: 'This message was deleted' })).toHaveCount(1);

  // Back: the catch-up and the history bring every change.
  const page = await bob.context.newPage();
  await page.goto(`/c/${alice.username}`);
  await waitLive(page);
  await expect(message(page, 'draft plan v2')).toHaveAttribute('data-edited', 'true');
  await expect(message(page, 'draft plan v1')).toHaveCount(0);
  await expect(message(page, 'to be deleted')).toHaveCount(0);
  await expect(messages(page).filter({ hasText: 'This message was deleted' })).toHaveCount(1);
  await expect(message(page, 'looks good').getByRole('button', { name: `red heart: ${alice.username}` })).toBeVisible();
  await alice.context.close();
  await bob.context.close();
});

test('three people in a group: a reply, an edit, a delete and reactions reach every member live', async ({ browser }) => {
  test.setTimeout(120_000);
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  const carol = await userSession(browser, 'carol');
  const name = `Actions ${uniqueName('g').slice(-6)}`;
  const script = await scriptClient(alice.username);
  const { id } = await script.request(GroupApiPaths.groups, Group, { method: 'POST', body: { name, members: [bob.username, carol.username] } });
  for (const person of [alice, bob, carol]) {
    await person.page.goto(`/g/${id}`);
    await expect(person.page.getByRole('heading', { name, level: 2 })).toBeVisible();
    await waitLive(person.page);
  }

  await sendText(alice.page, 'release at 5?');
  for (const person of [bob, carol]) await expect(message(person.page, 'release at 5?')).toHaveCount(1);
  await act(bob.page, 'release at 5?', 'Reply');
  await sendText(bob.page, 'make it 6');
  for (const person of [alice, bob, carol]) await expect(message(person.page, 'make it 6').getByTestId('quote')).toContainText('release at 5?');

  await act(carol.page, 'release at 5?', 'React with thumbs up');
  for (const person of [alice, bob]) await expect(message(person.page, 'release at 5?').getByRole('button', { name: `thumbs up: ${carol.username}` })).toBeVisible();

  await act(alice.page, 'release at 5?', 'Edit');
  await composer(alice.page).fill('release at 6');
  await composer(alice.page).press('Enter');
  for (const person of [bob, carol]) {
    await expect(message(person.page, 'release at 6')).toHaveAttribute('data-edited', 'true');
    // The reaction stays with the edited message.
    await expect(message(person.page, 'release at 6').getByRole('button', { name: /thumbs up/ })).toBeVisible();
  }

  await act(bob.page, 'make it 6', 'Delete for everyone');
  await confirmDelete(bob.page);
  for (const person of [alice, carol]) await expect(messages(person.page).filter({ hasText: 'This message was deleted' })).toHaveCount(1);
  await Promise.all([alice.context.close(), bob.context.close(), carol.context.close()]);
});

const SIZES = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
] as const;

for (const size of SIZES) {
  test(`screenshot: message actions at ${size.name} size`, async ({ browser }) => {
    test.setTimeout(90_000);
    const me = await userSession(browser, 'maya', size.viewport);
    const friend = await userSession(browser, 'sam');
    await openConversation(me.page, friend.username);
    await openConversation(friend.page, me.username);
    await sendText(friend.page, 'Oops, that was for another chat');
    await act(friend.page, 'that was for another chat', 'Delete for everyone');
    await confirmDelete(friend.page);
    await sendText(friend.page, 'Are we still on for lunch at 12:30? 🍜');
    await expect(message(me.page, 'still on for lunch')).toHaveCount(1);
    await act(me.page, 'still on for lunch', 'Reply');
    await sendText(me.page, 'Yes! See you at the usual place.');
    await sendText(me.page, 'Bringing the notes from yesterday');
    // ↑ edits my newest message once the server has it.
    await expect(message(me.page, 'Bringing the notes')).toHaveAttribute('data-id', /.+/);
    await composer(me.page).press('ArrowUp');
    await expect(composer(me.page)).toHaveValue('Bringing the notes from yesterday');
    await composer(me.page).fill('Bringing the notes from yesterday and the launch draft');
    await composer(me.page).press('Enter');
    await act(friend.page, 'See you at the usual place', 'React with thumbs up');
    await act(friend.page, 'launch draft', 'React with red heart');
    await act(me.page, 'launch draft', 'React with red heart');
    await expect(message(me.page, 'launch draft').getByRole('button', { name: /red heart/ })).toHaveText(/2/);
    await expect(messages(me.page).filter({ hasText: 'This message was deleted' })).toHaveCount(1);
    // The menu from the keyboard, under my newest message: where the eye is, over nothing else.
    await message(me.page, 'launch draft').focus();
    await me.page.keyboard.press('Enter');
    await expect(me.page.getByRole('menu')).toBeVisible();
    const shot = screenshotPath(`message-actions-${size.name}`);
    await me.page.screenshot({ path: shot });
    // Refreshes the README's pictures on request, as the desktop agent's click screenshot does.
    if (process.env.UPDATE_DOC_SCREENSHOTS === '1') copyFileSync(shot, fileURLToPath(new URL(`../../docs/screenshots/message-actions-${size.name}.png`, import.meta.url)));
    await Promise.all([me.context.close(), friend.context.close()]);
  });
}
