// A 1:1 mute is the user's server-side setting: made in one browser, it shows at once in another
// signed in as the same user (conversation:update), survives a reload, and a mute an older version
// kept in a browser's localStorage moves to the server on the next visit.
import { createClient } from '@messenger/client';
import { BASE_URL, PASSWORD, expect, openConversation, register, signInViaUi, test, uniqueName, userSession } from './fixtures.js';

async function scriptUser(prefix: string) {
  const client = createClient({ baseUrl: BASE_URL });
  await client.register(uniqueName(prefix), PASSWORD);
  return client;
}

test('muting in one browser silences the conversation in another at once; unmuting there reaches the first', async ({ browser }) => {
  const bob = await userSession(browser, 'bob');
  const alice = await scriptUser('alice');
  const peer = alice.username!;
  const text = `ping ${uniqueName('m')}`;
  await alice.send(bob.username, text);
  const here = bob.page.locator(`a[data-peer="${peer}"]`);
  await expect(here).toContainText(text);

  // The same person on another device.
  const otherContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: BASE_URL });
  const other = await otherContext.newPage();
  await signInViaUi(other, bob.username);
  const there = other.locator(`a[data-peer="${peer}"]`);
  await expect(there).toHaveAttribute('data-muted', 'false');

  await openConversation(bob.page, peer);
  const button = bob.page.getByRole('button', { name: `Mute ${peer}` });
  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await expect(there).toHaveAttribute('data-muted', 'true');
  await other.reload();
  await expect(there).toHaveAttribute('data-muted', 'true');

  await openConversation(other, peer);
  await other.getByRole('button', { name: `Mute ${peer}` }).click();
  await expect(other.getByRole('button', { name: `Mute ${peer}` })).toHaveAttribute('aria-pressed', 'false');
  await expect(button).toHaveAttribute('aria-pressed', 'false');
  await expect(here).toHaveAttribute('data-muted', 'false');

  await otherContext.close();
  await bob.context.close();
});

test('a mute kept in localStorage by an older version moves to the server once, and the key goes', async ({ browser }) => {
  const bot = await scriptUser('oldbot');
  const username = uniqueName('carl');
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: BASE_URL });
  await register(context, username);
  // What the older version wrote, there before the app starts.
  await context.addInitScript(
    ([key, value]) => {
      if (sessionStorage.getItem('seeded') === null) {
        localStorage.setItem(key, value);
        sessionStorage.setItem('seeded', '1');
      }
    },
    [`messenger.muted-peers.${username}`, JSON.stringify([bot.username])] as const,
  );
  const page = await context.newPage();
  await page.goto('/');
  const item = page.locator(`a[data-peer="${bot.username!}"]`);
  await expect(item).toHaveAttribute('data-muted', 'true');
  await expect.poll(() => page.evaluate((key) => localStorage.getItem(key), `messenger.muted-peers.${username}`)).toBeNull();
  // The server has it: the list any device loads says so.
  const list = await context.request.get(`${BASE_URL}/api/conversations`);
  const body = (await list.json()) as { conversations: { peer: string; muted: boolean }[] };
  expect(body.conversations.find((c) => c.peer === bot.username)?.muted).toBe(true);
  await context.close();
});
