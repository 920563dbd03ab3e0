// Three people in three browser contexts, through the real stack (browser → POST
// /api/groups/:id/messages → one Kafka record per member → each member's socket): create a group,
// chat, remove a member (who then gets nothing more), and @mention a member who muted the group.
import type { Page } from '@playwright/test';
import { BASE_URL, composer, expect, messages, screenshotPath, sendText, test, uniqueName, userSession, waitLive } from './fixtures.js';

const texts = (page: Page) => messages(page).locator('.text').allTextContents();

async function openGroup(page: Page, id: string, name: string) {
  await page.locator(`a[data-group="${id}"]`).click();
  await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
  await expect(composer(page)).toBeVisible();
}

test('three people: create a group, chat in one order, remove a member, mention a muted member', async ({ browser }) => {
  test.setTimeout(120_000);
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  const carol = await userSession(browser, 'carol');
  const name = `Launch ${uniqueName('g').slice(-6)}`;

  // Alice creates the group from the UI, picking both with the people search.
  await alice.page.getByRole('button', { name: 'New group' }).click();
  const dialog = alice.page.getByRole('dialog', { name: 'New group' });
  await dialog.getByLabel('Group name').fill(name);
  for (const person of [bob, carol]) {
    await dialog.getByLabel('Add people').fill(person.username);
    await dialog.getByRole('option', { name: person.username }).click();
    await expect(dialog.getByRole('list', { name: 'Chosen people' })).toContainText(person.username);
  }
  await dialog.getByRole('button', { name: 'Create group with 3 people' }).click();
  await expect(alice.page).toHaveURL(/\/g\/[0-9a-f-]{36}$/);
  const id = new URL(alice.page.url()).pathname.split('/').at(-1)!;
  await expect(alice.page.getByRole('heading', { name, level: 2 })).toBeVisible();
  await expect(alice.page.getByTestId('group-status')).toHaveText('3 members');

  // The others get it in their list live (group:update), and open it.
  for (const person of [bob, carol]) await openGroup(person.page, id, name);

  // Everyone writes at once; every member sees each message once, in the same order.
  const said = [`${alice.username} says one`, `${bob.username} says two`, `@${alice.username} says three`];
  await Promise.all([sendText(alice.page, said[0]!), sendText(bob.page, said[1]!), sendText(carol.page, said[2]!)]);
  for (const person of [alice, bob, carol]) await expect(messages(person.page)).toHaveCount(3);
  const order = await texts(alice.page);
  expect([...order].sort()).toEqual([...said].sort());
  expect(await texts(bob.page)).toEqual(order);
  expect(await texts(carol.page)).toEqual(order);
  // Senders are named above their messages (others' only); a mention of me stands out.
  await expect(bob.page.locator(`[data-testid="message"][data-from="${alice.username}"]`)).toHaveCount(1);
  await expect(alice.page.getByTestId('mention-me')).toHaveText(`@${alice.username}`);
  await expect(bob.page.getByTestId('mention')).toHaveText(`@${alice.username}`);

  // Receipts on Alice's message: both others have it open, so both read it.
  await expect(alice.page.getByTestId('group-receipts')).toHaveText('Delivered to 2 of 2 · Read by 2 of 2');
  await alice.page.getByRole('button', { name: /Delivered to 2 of 2/ }).click();
  await expect(alice.page.locator('.receipts-names')).toContainText(bob.username);

  // Typing, in the group's words.
  await composer(bob.page).pressSequentially('hm');
  await expect(alice.page.getByTestId('typing-indicator')).toHaveText(`${bob.username} is typing…`);
  await composer(bob.page).fill('');

  // Screenshots of a group conversation at desktop width and at phone width.
  await alice.page.screenshot({ path: screenshotPath('group-desktop') });
  await bob.page.setViewportSize({ width: 360, height: 760 });
  await expect(bob.page.getByRole('navigation', { name: 'Conversation list' })).toBeHidden();
  await bob.page.screenshot({ path: screenshotPath('group-phone') });
  await bob.page.setViewportSize({ width: 1280, height: 800 });

  // Alice removes Carol from the members panel.
  await alice.page.getByRole('button', { name: 'Members' }).click();
  const panel = alice.page.getByRole('complementary', { name: /Members/ });
  await expect(panel.locator(`[data-member="${carol.username}"]`)).toBeVisible();
  await panel.getByRole('button', { name: `Remove ${carol.username}`, exact: true }).click();
  await expect(panel.locator(`[data-member="${carol.username}"]`)).toHaveCount(0);
  await expect(alice.page.getByTestId('group-status')).toHaveText('2 members');
  // The owner makes Bob an admin.
  await panel.getByRole('button', { name: `Make ${bob.username} an admin` }).click();
  await expect(panel.locator(`[data-member="${bob.username}"] .role`)).toHaveText('admin');
  await panel.getByRole('button', { name: 'Close' }).click();
  // Carol's screen says she is out; the group leaves her list; she has nothing to type into.
  await expect(carol.page.getByTestId('not-member')).toBeVisible();
  await expect(carol.page.locator(`a[data-group="${id}"]`)).toHaveCount(0);
  await expect(composer(carol.page)).toHaveCount(0);

  // What is said after the removal reaches Bob, and only Bob.
  const after = `after the removal ${Date.now()}`;
  await sendText(alice.page, after);
  await expect(messages(bob.page).filter({ hasText: after })).toHaveCount(1);
  await expect(alice.page.getByTestId('group-receipts')).toHaveText(/^Delivered to 1 of 1/);
  await expect(messages(carol.page)).toHaveCount(3);
  expect(await texts(carol.page)).not.toContain(after);
  // Nor can she page history or see the group on reload.
  const history = await carol.context.request.get(`${BASE_URL}/api/groups/${id}/messages`);
  expect(history.status()).toBe(404);
  await carol.page.reload();
  await expect(carol.page.getByTestId('not-member')).toBeVisible();
  await expect(messages(carol.page)).toHaveCount(0);

  // Bob mutes the group and goes back to his list; a mention of him still counts.
  await bob.page.getByRole('button', { name: 'Mute group' }).click();
  await expect(bob.page.getByRole('button', { name: 'Mute group' })).toHaveAttribute('aria-pressed', 'true');
  await bob.page.goto('/');
  // Live before the mention is sent: it is then counted as it arrives, like on a screen left open.
  await waitLive(bob.page);
  const bobItem = bob.page.locator(`a[data-group="${id}"]`);
  await expect(bobItem).toHaveAttribute('data-muted', 'true');
  await expect(bob.page).toHaveTitle('Messenger');

  const ping = `@${bob.username} can you check the launch post?`;
  await sendText(alice.page, ping);
  await expect(bobItem.getByTestId('unread-badge')).toHaveText('1');
  await expect(bobItem.getByTestId('unread-badge')).toHaveAttribute('aria-label', /you were mentioned/);
  await expect(bob.page).toHaveTitle('(1) Messenger');
  // Chatter without a mention is unread, but a muted group does not add it to the title.
  await sendText(alice.page, 'just chatter');
  await expect(bobItem.getByTestId('unread-badge')).toHaveText('2');
  await expect(bob.page).toHaveTitle('(1) Messenger');

  // Opening the group: the mention of Bob is highlighted, and reading clears the count.
  await openGroup(bob.page, id, name);
  await expect(messages(bob.page).filter({ hasText: 'can you check' }).getByTestId('mention-me')).toHaveText(`@${bob.username}`);
  await expect(bob.page).toHaveTitle('Messenger');
  await expect(bobItem.getByTestId('unread-badge')).toHaveCount(0);

  for (const person of [alice, bob, carol]) await person.context.close();
});
