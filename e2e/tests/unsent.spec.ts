// What a person wrote is not lost to a reload: a draft comes back in its conversation and shows as
// "Draft:" in the list, and a message whose answer never arrived comes back and is sent again by
// itself with the same Idempotency-Key, so it arrives exactly once.
import { composer, expect, messages, openConversation, screenshotPath, sendText, test, userSession, waitLive } from './fixtures.js';

test('a draft survives a reload and shows as "Draft:" in the list', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  const carol = await userSession(browser, 'carol');
  // Conversations with both, so both are in Alice's list.
  await openConversation(alice.page, bob.username);
  await sendText(alice.page, 'hi bob');
  await openConversation(alice.page, carol.username);
  await sendText(alice.page, 'hi carol');
  await expect(messages(alice.page).filter({ hasText: 'hi carol' })).toHaveAttribute('data-state', /sent|delivered|read/);

  await openConversation(alice.page, bob.username);
  await composer(alice.page).fill('half a thought for bob');
  await openConversation(alice.page, carol.username);
  const bobItem = alice.page.locator(`a[data-peer="${bob.username}"]`);
  await expect(bobItem.locator('.conversation-preview')).toHaveText('Draft: half a thought for bob');

  await alice.page.reload();
  await waitLive(alice.page);
  await expect(bobItem.locator('.conversation-preview')).toHaveText('Draft: half a thought for bob');
  await alice.page.screenshot({ path: screenshotPath('desktop-draft') });
  // On a phone the list is its own screen.
  await alice.page.setViewportSize({ width: 390, height: 844 });
  await alice.page.goto('/');
  await waitLive(alice.page);
  await expect(bobItem.locator('.conversation-preview')).toHaveText('Draft: half a thought for bob');
  // Nothing hovered or focused, so each row shows its time and preview as a glance would.
  await alice.page.mouse.move(195, 700);
  await alice.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await alice.page.screenshot({ path: screenshotPath('phone-draft') });
  await alice.page.setViewportSize({ width: 1280, height: 800 });
  await openConversation(alice.page, bob.username);
  await expect(composer(alice.page)).toHaveValue('half a thought for bob');
  // Sent: the draft is gone, here and in the list.
  await composer(alice.page).press('Enter');
  await expect(composer(alice.page)).toHaveValue('');
  await openConversation(alice.page, carol.username);
  await expect(bobItem.locator('.conversation-preview')).toHaveText('You: half a thought for bob');
  for (const s of [alice, bob, carol]) await s.context.close();
});

test('a message whose answer was lost comes back after a reload and is sent once, with the same key', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  await openConversation(alice.page, bob.username);
  await openConversation(bob.page, alice.username);

  // The request reaches the server (Kafka takes the message), but the answer is lost on the way.
  const keys: string[] = [];
  await alice.context.route('**/send', async (route) => {
    keys.push(route.request().headers()['idempotency-key'] ?? '');
    await route.fetch();
    await route.abort('connectionreset');
  });
  await sendText(alice.page, 'did this arrive?');
  const mine = messages(alice.page).filter({ hasText: 'did this arrive?' });
  await expect(mine).toHaveAttribute('data-state', 'failed');
  await expect(messages(bob.page).filter({ hasText: 'did this arrive?' })).toHaveCount(1);

  // The page goes away with the message still "failed"; the network is fine again.
  await alice.context.unroute('**/send');
  const resent: string[] = [];
  alice.page.on('request', (r) => {
    if (r.url().endsWith('/send')) resent.push(r.headers()['idempotency-key'] ?? '');
  });
  await alice.page.reload();
  await waitLive(alice.page);
  // Sent again by itself, with the first attempt's key: one message, on both screens.
  await expect(mine).toHaveCount(1);
  await expect(mine).not.toHaveAttribute('data-state', 'failed');
  expect(resent.length).toBeGreaterThan(0);
  expect(new Set([...keys, ...resent]).size).toBe(1);
  await expect(messages(bob.page).filter({ hasText: 'did this arrive?' })).toHaveCount(1);
  await alice.page.reload();
  await waitLive(alice.page);
  await expect(messages(alice.page).filter({ hasText: 'did this arrive?' })).toHaveCount(1);
  for (const s of [alice, bob]) await s.context.close();
});
