// The bugs a daily user hit (issue 18, item 6), each replayed the way it was reported.
import { BASE_URL, composer, expect, messages, newUser, openConversation, register, scriptClient, sendText, signInViaUi, test, uniqueName, userSession } from './fixtures.js';

test('presence in a new chat: the peer signing in and the first message update it live, no reload', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const daveName = await newUser(browser, 'dave');

  // 1. Alice opens a chat with Dave while he is offline. They share nothing yet, so the server
  //    shares no presence: the header must not claim either way.
  await alice.page.goto(`/c/${daveName}`);
  await expect(alice.page.getByRole('heading', { name: daveName, level: 2 })).toBeVisible();
  const status = alice.page.getByTestId('peer-status');
  await expect(status).not.toHaveText(/online|offline/);

  // 2. Dave signs in: still no claim (he is a stranger to Alice until a message is stored).
  const daveContext = await browser.newContext({ baseURL: BASE_URL });
  const davePage = await daveContext.newPage();
  await signInViaUi(davePage, daveName);
  await expect(status).not.toHaveText(/offline/);

  // 3. Alice sends: delivered, and now they are peers: "online" without a reload.
  await sendText(alice.page, 'hello Dave');
  await expect(messages(alice.page).last().getByTestId('message-state')).toHaveAttribute('data-state', /delivered|read/);
  await expect(status).toHaveText('online');
  // Dave's side knows Alice is online too, in the list and in the chat.
  const item = davePage.locator(`a[data-peer="${alice.username}"]`);
  await expect(item.getByRole('img', { name: 'online' })).toBeVisible();
  await item.click();
  await expect(davePage.getByTestId('peer-status')).toHaveText('online');

  // And it stays live both ways: Dave leaves, Alice sees it.
  await daveContext.close();
  await expect(status).toHaveText('offline');
  await expect(composer(alice.page)).toBeVisible();
  await alice.context.close();
});

test('a chat with yourself is never offered: no composer that can only fail, no requests', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const requests: string[] = [];
  alice.page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  await alice.page.goto(`/c/${alice.username}`);
  await expect(alice.page.getByRole('heading', { name: 'This is you', level: 2 })).toBeVisible();
  await expect(alice.page.getByText('Notes to yourself are not supported')).toBeVisible();
  await expect(composer(alice.page)).toHaveCount(0);
  await expect(alice.page.getByRole('button', { name: 'Retry' })).toHaveCount(0);
  // Nothing is sent or asked about a conversation that cannot exist.
  expect(requests.filter((r) => r.includes(`/api/conversations/${alice.username}`) || r.startsWith('POST /send'))).toEqual([]);
  // "New chat" never offers yourself either.
  await alice.page.getByRole('button', { name: 'New chat' }).click();
  await alice.page.getByLabel('Search people').fill(alice.username);
  await expect(alice.page.getByText('Nobody by that name.')).toBeVisible();
  await alice.context.close();
});

test('an unknown user in the address: "no such user" at once, one request, never a composer', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const nobody = uniqueName('nobody');
  // Whether a composer is ever on screen, however briefly: recorded inside the page.
  await alice.page.addInitScript(() => {
    const w = window as unknown as { __composerSeen?: boolean };
    new MutationObserver(() => {
      if (document.querySelector('form.composer textarea')) w.__composerSeen = true;
    }).observe(document, { childList: true, subtree: true });
  });
  const asked: string[] = [];
  alice.page.on('request', (r) => {
    if (new URL(r.url()).pathname === `/api/conversations/${nobody}/messages`) asked.push(r.url());
  });
  await alice.page.goto(`/c/${nobody}`);
  await expect(alice.page.getByRole('heading', { name: /No user named/ })).toBeVisible();
  await expect(composer(alice.page)).toHaveCount(0);
  // A 404 is an answer, not a failure: asked once, never retried (it was, twice, with a working
  // composer on screen meanwhile whose text then vanished). The list answers in the same round,
  // so by the time it shows, a retry would have been sent.
  await expect(alice.page.getByRole('navigation', { name: 'Conversation list' })).toBeVisible();
  expect({
    requests: asked.length,
    composerShown: await alice.page.evaluate(() => (window as unknown as { __composerSeen?: boolean }).__composerSeen ?? false),
  }).toEqual({ requests: 1, composerShown: false });
  await alice.context.close();
});

test('focus: signing in lands on the list, arrows move through people, Escape returns to "New chat"', async ({ browser }) => {
  const base = uniqueName('pp').slice(0, 28);
  const [alice, carol, cleo] = [`${base}_a`, `${base}_c1`, `${base}_c2`];
  const signUp = await browser.newContext({ baseURL: BASE_URL });
  for (const name of [alice, carol, cleo]) {
    await signUp.clearCookies();
    await register(signUp, name);
  }
  await signUp.close();
  const fromCarol = await scriptClient(carol);
  await fromCarol.send(alice, 'are you there?');

  const context = await browser.newContext({ baseURL: BASE_URL });
  const page = await context.newPage();
  await signInViaUi(page, alice);
  // Signing in leaves focus in the app, on the newest conversation, not on the page body.
  await expect(page.locator(`a[data-peer="${carol}"]`)).toBeFocused();

  const newChat = page.getByRole('button', { name: 'New chat' });
  await newChat.click();
  const search = page.getByRole('combobox', { name: 'Search people' });
  await expect(search).toBeFocused();
  await page.keyboard.type(`${base}_c`);
  const options = page.getByRole('listbox', { name: 'People' }).getByRole('option');
  await expect(options).toHaveCount(2);
  await expect(options.first()).toHaveAttribute('aria-selected', 'true');
  await expect(search).toHaveAttribute('aria-activedescendant', (await options.first().getAttribute('id')) ?? 'missing');
  await page.keyboard.press('ArrowDown');
  await expect(options.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(options.first()).toHaveAttribute('aria-selected', 'false');
  await expect(search).toHaveAttribute('aria-activedescendant', (await options.nth(1).getAttribute('id')) ?? 'missing');
  await page.keyboard.press('ArrowDown');
  await expect(options.nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowUp');
  await expect(options.first()).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown');
  // Escape closes the search and gives focus back to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(search).toHaveCount(0);
  await expect(newChat).toBeFocused();
  // Again, and Enter opens the person the arrows chose (the second).
  await page.keyboard.press('Enter');
  await page.keyboard.type(`${base}_c`);
  await expect(options).toHaveCount(2);
  const second = (await options.nth(1).textContent()) ?? '';
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const opened = second.includes(cleo) ? cleo : carol;
  await expect(page).toHaveURL(new RegExp(`/c/${opened}$`));
  await expect(page.getByRole('heading', { name: opened, level: 2 })).toBeVisible();
  await expect(composer(page)).toBeFocused();
  await context.close();
});

test('a message’s accessible name says who wrote it, what, when and (for mine) how far it got', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  await openConversation(alice.page, bob.username);
  await sendText(alice.page, 'lunch at noon?');
  await openConversation(bob.page, alice.username);
  await sendText(bob.page, 'yes!');
  const time = /\d{1,2}:\d{2}(\s?[AP]M)?/.source;
  const named = (text: string, state = '') => new RegExp(`^${text} ?, ${time}${state ? ` ?, ${state}` : ''}$`, 'i');
  // Bob's screen: Alice's message is named with her name; his own with "You" and its state.
  await expect(bob.page.getByRole('article', { name: named(`${alice.username}: lunch at noon\\?`) })).toBeVisible();
  await expect(bob.page.getByRole('article', { name: named('You: yes!', '(sent|delivered|read)') })).toBeVisible();
  // Alice's screen, the other way round; Bob has it open, so hers reads "read".
  await expect(alice.page.getByRole('article', { name: named(`${bob.username}: yes!`) })).toBeVisible();
  await expect(alice.page.getByRole('article', { name: named('You: lunch at noon\\?', 'read') })).toBeVisible();
  // The name is the message as drawn, not a copy of it: the text is on screen once.
  await expect(alice.page.getByText('lunch at noon?', { exact: true })).toHaveCount(1);
  await alice.context.close();
  await bob.context.close();
});
