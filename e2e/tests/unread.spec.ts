// Unread, the way people read: a conversation with unread messages opens at the first of them,
// under a "New messages" divider, and "Jump to latest" shows how many new messages are below.
import { expect, messageList, messages, newUser, openConversation, screenshotPath, scriptClient, test, userSession } from './fixtures.js';

test('opens at the first unread message under a divider; "Jump to latest" counts what is below', async ({ browser }) => {
  const bob = await userSession(browser, 'bob');
  const aliceName = await newUser(browser, 'alice');
  const alice = await scriptClient(aliceName);
  await alice.send(bob.username, 'already read 1');
  await alice.send(bob.username, 'already read 2');
  await openConversation(bob.page, aliceName);
  await expect(messages(bob.page).filter({ hasText: 'already read 2' })).toBeVisible();
  // Read (the view marks them), then Bob looks elsewhere while 30 more arrive.
  await expect.poll(async () => (await alice.history(bob.username)).messages.every((m) => m.state === 'read')).toBe(true);
  await bob.page.goto('/');
  for (let i = 1; i <= 30; i++) await alice.send(bob.username, `new ${i}`);
  await expect(bob.page.locator(`a[data-peer="${aliceName}"]`)).toContainText('new 30');

  await bob.page.locator(`a[data-peer="${aliceName}"]`).click();
  const divider = bob.page.getByTestId('unread-divider');
  await expect(divider).toBeVisible();
  await expect(divider).toHaveText('New messages');
  // The divider sits right above "new 1", and the list opened there, not at the bottom.
  const list = messageList(bob.page);
  await expect(list.getByText('new 1', { exact: true })).toBeInViewport();
  await expect(list.getByText('new 30', { exact: true })).not.toBeInViewport();
  const jump = bob.page.getByRole('button', { name: 'Jump to latest: 30 new messages' });
  await expect(jump).toHaveText('↓ 30 new');
  await bob.page.screenshot({ path: screenshotPath('desktop-unread-divider') });
  // The same at phone size: the list keeps the divider at its top while it re-measures.
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await expect(divider).toBeInViewport();
  await expect(list.getByText('new 1', { exact: true })).toBeInViewport();
  // The pointer off the messages, so no hover toolbar covers them.
  await bob.page.mouse.move(200, 30);
  await bob.page.screenshot({ path: screenshotPath('phone-unread-divider') });
  await bob.page.setViewportSize({ width: 1280, height: 800 });

  await jump.click();
  await expect(list.getByText('new 30', { exact: true })).toBeInViewport();
  await expect(jump).toBeHidden();
  // Scrolled up by hand: the button comes back, without a count when nothing new arrived.
  await list.evaluate((el) => el.scrollTo(0, 0));
  await expect(bob.page.getByRole('button', { name: 'Jump to latest' })).toBeVisible();
  await bob.context.close();
});
