// More unread than one page of history (100): bob writes alice 120 messages while she is away.
// She opens the chat at the first of them, under "New messages", with "Jump to latest: 120 new
// messages"; the read mark follows what she has seen, not the newest, until she jumps there.
import type { Locator, Page } from '@playwright/test';
import { Group, GroupApiPaths } from '@messenger/protocol';
import { expect, messageList, messages, newUser, scriptClient, test, uniqueName, userSession, waitLive } from './fixtures.js';

const UNREAD = 120;

/** The text of the message right below the divider, in the rendered rows. */
function belowDivider(page: Page): Promise<string | null | undefined> {
  return page
    .getByTestId('unread-divider')
    .evaluate((divider) => divider.closest('.row')?.nextElementSibling?.querySelector('[data-testid="message"] .text')?.textContent);
}

/** Opened at the divider: right above "new 1", both on screen, the newest not. */
async function expectOpenedAtFirstUnread(page: Page) {
  const divider = page.getByTestId('unread-divider');
  await expect(divider).toHaveText('New messages');
  await expect(divider).toBeInViewport();
  await expect.poll(() => belowDivider(page)).toBe('new 1');
  const list = messageList(page);
  await expect(list.getByText('new 1', { exact: true })).toBeInViewport();
  await expect(list.getByText(`new ${UNREAD}`, { exact: true })).not.toBeInViewport();
  await expect(page.getByRole('button', { name: `Jump to latest: ${UNREAD} new messages` })).toHaveText(`↓ ${UNREAD} new`);
}

async function jumpToLatest(page: Page, list: Locator) {
  await page.getByRole('button', { name: `Jump to latest: ${UNREAD} new messages` }).click();
  await expect(list.getByText(`new ${UNREAD}`, { exact: true })).toBeInViewport();
  await expect(page.getByRole('button', { name: /^Jump to latest/ })).toBeHidden();
}

test(`1:1: ${UNREAD} unread open at the first under the divider, and are read only as far as seen`, async ({ browser }) => {
  test.setTimeout(120_000);
  const alice = await userSession(browser, 'alice');
  const bobName = await newUser(browser, 'bob');
  const bob = await scriptClient(bobName);
  // A read message first, so the divider has something above it.
  await bob.send(alice.username, 'earlier');
  await alice.page.goto(`/c/${bobName}`);
  await expect(messages(alice.page).filter({ hasText: 'earlier' })).toBeVisible();
  await expect.poll(async () => (await bob.history(alice.username)).messages[0]?.state).toBe('read');
  await alice.page.goto('/');
  await waitLive(alice.page);

  for (let i = 1; i <= UNREAD; i++) await bob.send(alice.username, `new ${i}`);
  const row = alice.page.locator(`a[data-peer="${bobName}"]`);
  await expect(row).toContainText(`new ${UNREAD}`);
  await row.click();
  await expectOpenedAtFirstUnread(alice.page);

  // What is on screen is read; the newest, far below, is not.
  const stateOf = async (text: string) => {
    const { messages: page } = await bob.history(alice.username, { limit: 100 });
    const older = page.length < 100 ? [] : (await bob.history(alice.username, { before: page.at(-1)!.id, limit: 100 })).messages;
    return [...page, ...older].find((m) => m.text === text)?.state;
  };
  await expect.poll(() => stateOf('new 1')).toBe('read');
  expect(await stateOf(`new ${UNREAD}`)).not.toBe('read');

  await jumpToLatest(alice.page, messageList(alice.page));
  await expect.poll(() => stateOf(`new ${UNREAD}`)).toBe('read');
  await alice.context.close();
});

test(`group: ${UNREAD} unread open at the first under the divider`, async ({ browser }) => {
  test.setTimeout(120_000);
  const alice = await userSession(browser, 'alice');
  const bobName = await newUser(browser, 'bob');
  const bob = await scriptClient(bobName);
  const name = `Unread ${uniqueName('g').slice(-6)}`;
  const { id } = await bob.request(GroupApiPaths.groups, Group, { method: 'POST', body: { name, members: [alice.username] } });
  await bob.sendToGroup(id, 'earlier');
  const row = alice.page.locator(`a[data-group="${id}"]`);
  await expect(row).toContainText('earlier');
  await row.click();
  await expect(messages(alice.page).filter({ hasText: 'earlier' })).toBeVisible();
  // Read on the server once the list's badge goes (the view clears it when the mark is stored).
  await expect(row).not.toHaveClass(/(^| )unread( |$)/);
  await alice.page.goto('/');
  await waitLive(alice.page);

  for (let i = 1; i <= UNREAD; i++) await bob.sendToGroup(id, `new ${i}`);
  await expect(row).toContainText(`new ${UNREAD}`);
  await row.click();
  await expectOpenedAtFirstUnread(alice.page);
  await jumpToLatest(alice.page, messageList(alice.page));
  await alice.context.close();
});
