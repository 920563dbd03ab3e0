// Signing out leaves nothing behind for the next person on the same tab: no failed message to
// see or Retry under their cookie, no draft, no cached conversation.
import type { Browser, Page } from '@playwright/test';
import { BASE_URL, PASSWORD, scriptClient, composer, expect, messages, register, sendText, test, uniqueName, userSession } from './fixtures.js';


/** Carol and Bob, made through the API in a throwaway context: [carol, bob]. */
async function registerCarolAndBob(browser: Browser): Promise<[string, string]> {
  const names: [string, string] = [uniqueName('carol'), uniqueName('bob')];
  const setup = await browser.newContext({ baseURL: BASE_URL });
  for (const name of names) await register(setup, name);
  await setup.close();
  return names;
}

// Both below stay in the page (no navigation): a reload would hide a leak by wiping module state.

async function startChatFromSearch(page: Page, peer: string): Promise<void> {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.getByLabel('Search people').fill(peer);
  await page.getByRole('listbox', { name: 'People' }).getByRole('option', { name: new RegExp(peer) }).click();
  await expect(page.getByRole('heading', { name: peer, level: 2 })).toBeVisible();
}

async function signInOnThisTab(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a failed message and a draft of user A leave no trace for user B signing in on the same tab', async ({ browser }) => {
  const [carol, bobName] = await registerCarolAndBob(browser);
  // Carol writes to Bob, so Bob has a conversation with carol to click on later.
  await (await scriptClient(carol)).send(bobName, 'hello bob, from carol');

  const alice = await userSession(browser, 'alice');
  const { page } = alice;
  // The same JavaScript realm throughout: a reload would hide a leak by wiping module state.
  await page.evaluate(() => ((window as unknown as { sameTab: number }).sameTab = 1));

  await startChatFromSearch(page, carol);

  // A real failure: the request to /send never reaches the server.
  await page.route('**/send', (route) => route.abort('connectionrefused'));
  await sendText(page, 'secret from alice to carol');
  const failed = messages(page).filter({ hasText: 'secret from alice to carol' });
  await expect(failed).toHaveAttribute('data-state', 'failed');
  await expect(failed.getByRole('button', { name: 'Retry' })).toBeVisible();
  await page.unroute('**/send');
  await composer(page).fill('half-written draft of alice');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await signInOnThisTab(page, bobName);
  await expect(page.getByRole('navigation', { name: 'Conversation list' })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { sameTab?: number }).sameTab)).toBe(1);

  await page.getByRole('navigation', { name: 'Conversation list' }).getByRole('link', { name: new RegExp(carol) }).click();
  await expect(page.getByRole('heading', { name: carol, level: 2 })).toBeVisible();
  await expect(messages(page).filter({ hasText: 'hello bob, from carol' })).toHaveCount(1);
  await expect(page.getByText('secret from alice to carol')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Retry' })).toHaveCount(0);
  await expect(messages(page)).toHaveCount(1);
  await expect(composer(page)).toHaveValue('');
  await expect(page.getByText('half-written draft of alice')).toHaveCount(0);
  await alice.context.close();
});

test('a send still on its way when A signs out does not land in B’s view when its answer arrives', async ({ browser }) => {
  const [carol, bobName] = await registerCarolAndBob(browser);
  const carolClient = await scriptClient(carol);
  const carolSends = (text: string) => carolClient.send(bobName, text);
  await carolSends('hello bob, from carol');

  const alice = await userSession(browser, 'alice');
  const { page } = alice;
  await startChatFromSearch(page, carol);

  // The server really accepts Alice's message; only its answer reaches the tab late, after the
  // tab belongs to Bob.
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let accepted = () => {};
  const serverAccepted = new Promise<void>((resolve) => (accepted = resolve));
  await page.route('**/send', async (route) => {
    const response = await route.fetch();
    expect(response.status()).toBe(202);
    accepted();
    await gate;
    await route.fulfill({ response });
  });
  await sendText(page, 'in flight when alice signed out');
  await serverAccepted;

  await page.getByRole('button', { name: 'Sign out' }).click();
  await signInOnThisTab(page, bobName);
  await page.getByRole('navigation', { name: 'Conversation list' }).getByRole('link', { name: new RegExp(carol) }).click();
  await expect(messages(page).filter({ hasText: 'hello bob, from carol' })).toHaveCount(1);

  const answered = page.waitForResponse('**/send');
  release();
  await answered;
  // A later message through Kafka and the socket: by the time it shows, the late answer has long
  // been handled.
  await carolSends('after the late answer');
  await expect(messages(page).filter({ hasText: 'after the late answer' })).toHaveCount(1);
  await expect(page.getByText('in flight when alice signed out')).toHaveCount(0);
  await expect(messages(page)).toHaveCount(2);
  await page.unroute('**/send');
  await alice.context.close();
});

test('when A’s session is revoked on an open conversation, B signing in next does not land on it', async ({ browser }) => {
  const [carol, bobName] = await registerCarolAndBob(browser);

  const alice = await userSession(browser, 'alice');
  const { page } = alice;
  await startChatFromSearch(page, carol);

  // Signed out from elsewhere (same cookie, another request): the server ends the tab's socket.
  const logout = await alice.context.request.post(`${BASE_URL}/api/auth/logout`, { headers: { origin: BASE_URL } });
  expect(logout.status()).toBe(204);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await signInOnThisTab(page, bobName);
  await expect(page.getByRole('navigation', { name: 'Conversation list' })).toBeVisible();
  await expect(page).toHaveURL(`${BASE_URL}/`);
  await expect(page.getByRole('heading', { name: carol })).toHaveCount(0);
  await alice.context.close();
});
