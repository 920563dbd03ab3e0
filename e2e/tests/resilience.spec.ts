// Losing the connection, catching up, retrying a failed send, and paging through long history.
import {
  composer,
  expect,
  messageList,
  messages,
  newUser,
  openConversation,
  scriptClient,
  sendText,
  test,
  userSession,
  walkMessageTexts,
} from './fixtures.js';

test('after losing the connection the app catches up with no gaps and no duplicates; a failed send is sent again by itself', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  await openConversation(alice.page, bob.username);
  await openConversation(bob.page, alice.username);
  await sendText(alice.page, 'before the outage');
  await expect(messages(bob.page)).toHaveText([/before the outage/]);

  await bob.context.setOffline(true);
  await expect(bob.page.getByRole('status').filter({ hasText: 'Reconnecting' })).toBeVisible();
  for (const text of ['during outage 1', 'during outage 2', 'during outage 3']) await sendText(alice.page, text);
  await expect(messages(alice.page)).toHaveCount(4);

  // Bob writes while offline: it fails visibly and offers Retry.
  await sendText(bob.page, 'sent while offline');
  const failed = messages(bob.page).filter({ hasText: 'sent while offline' });
  await expect(failed).toHaveAttribute('data-state', 'failed');
  await expect(failed.getByRole('button', { name: 'Retry' })).toBeVisible();

  await bob.context.setOffline(false);
  await expect(bob.page.getByRole('status').filter({ hasText: 'Caught up' })).toBeVisible();
  await expect(messages(bob.page).filter({ hasText: 'during outage' })).toHaveCount(3);
  await expect(messages(bob.page).filter({ hasText: /during outage|before the outage/ })).toHaveText([
    /before the outage/,
    /during outage 1/,
    /during outage 2/,
    /during outage 3/,
  ]);

  // Back online, the failed message is sent again by itself, with its key (issue 18): no click.
  const retried = messages(bob.page).filter({ hasText: 'sent while offline' });
  await expect(retried).toHaveCount(1);
  await expect(retried.getByTestId('message-state')).toHaveAttribute('data-state', /sent|delivered|read/);
  await expect(messages(alice.page).filter({ hasText: 'sent while offline' })).toHaveCount(1);
  // Alice's outage messages end up read: Bob has the conversation open.
  await expect(messages(alice.page).filter({ hasText: 'during outage 3' }).getByTestId('message-state')).toHaveAttribute('data-state', 'read');

  const ids = await messages(bob.page).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  expect(new Set(ids).size).toBe(ids.length);
  await alice.context.close();
  await bob.context.close();
});

test('long history pages in upward, in order, each message once', async ({ browser }) => {
  const total = 250;
  const bot = await newUser(browser, 'feed');
  const bob = await userSession(browser, 'bob');
  const feed = await scriptClient(bot);
  const started = Date.now();
  for (let i = 0; i < total; i += 1) await feed.send(bob.username, `entry ${String(i).padStart(4, '0')}`);
  console.log(`[history] sent ${total} messages in ${Date.now() - started} ms`);

  await openConversation(bob.page, bot);
  // All 250 are unread: the list opens at the "New messages" divider; jump to the newest first.
  await expect(bob.page.getByTestId('unread-divider')).toBeVisible();
  await bob.page.getByRole('button', { name: /^Jump to latest/ }).click();
  await expect(messages(bob.page).last()).toHaveText(/entry 0249/);
  const log = messageList(bob.page);
  await expect(async () => {
    const texts = await messages(bob.page).locator('.text').allTextContents();
    const sorted = [...texts].sort();
    expect(texts).toEqual(sorted);
    await log.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect(bob.page.getByText(`This is the beginning of your conversation with ${bot}.`)).toBeVisible({ timeout: 200 });
  }).toPass({ timeout: 30_000, intervals: [50] });
  // The last page kept the reader's place; scrolling up once more reaches the very first message.
  await expect(async () => {
    await log.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect(messages(bob.page).first()).toHaveText(/entry 0000/, { timeout: 200 });
  }).toPass({ timeout: 10_000, intervals: [50] });
  // Walk down the whole (virtualized) list: every message once, in order.
  const walked = await walkMessageTexts(log);
  expect(walked).toEqual(Array.from({ length: total }, (_, i) => `entry ${String(i).padStart(4, '0')}`));
  await expect(composer(bob.page)).toBeVisible();
  await bob.context.close();
});
