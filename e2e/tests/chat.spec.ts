// Two people chatting through the real stack: browser → /send → Kafka → history store → socket.
import {
  BASE_URL,
  bearerToken,
  composer,
  expect,
  messageList,
  messages,
  newUser,
  openConversation,
  PASSWORD,
  screenshotPath,
  sendText,
  signInViaUi,
  test,
  uniqueName,
  userSession,
  waitLive,
} from './fixtures.js';

test('sign up in the UI, then two people chat both ways, live', async ({ browser }) => {
  const aliceContext = await browser.newContext({ baseURL: BASE_URL });
  const alicePage = await aliceContext.newPage();
  const alice = uniqueName('alice');
  await alicePage.goto('/');
  await expect(alicePage).toHaveURL(/\/signin$/);
  await alicePage.getByRole('link', { name: 'Create an account' }).click();
  await alicePage.getByLabel('Username').fill(alice);
  await alicePage.getByLabel('Password').fill(PASSWORD);
  await alicePage.getByRole('button', { name: 'Sign up' }).click();
  await expect(alicePage.getByRole('navigation', { name: 'Conversation list' })).toBeVisible();
  await waitLive(alicePage);

  const bob = await userSession(browser, 'bob');

  // Alice finds Bob with "New chat" and writes first.
  await alicePage.getByRole('button', { name: 'New chat' }).click();
  await alicePage.getByLabel('Search people').fill(bob.username.slice(0, 12));
  await alicePage.getByRole('option', { name: bob.username }).click();
  await expect(alicePage).toHaveURL(new RegExp(`/c/${bob.username}$`));
  await expect(alicePage.getByText(`No messages yet. Say hi to ${bob.username}!`)).toBeVisible();

  // Typing shows on Bob's side once he has the conversation.
  const first = `Hi ${bob.username}, how are you?`;
  const started = Date.now();
  await sendText(alicePage, first);
  await expect(messages(alicePage).filter({ hasText: first })).toBeVisible();

  // Bob's sidebar gets the conversation live, with an unread badge.
  const bobItem = bob.page.locator(`a[data-peer="${alice}"]`);
  await expect(bobItem).toBeVisible();
  await expect(bobItem.getByTestId('unread-badge')).toHaveText('1');
  console.log(`[latency] first message visible in the other sidebar after ${Date.now() - started} ms`);
  await bobItem.click();
  await expect(messages(bob.page).filter({ hasText: first })).toBeVisible();
  // Presence: each sees the other online.
  await expect(bob.page.getByTestId('peer-status')).toHaveText('online');
  await expect(alicePage.getByTestId('peer-status')).toHaveText('online');
  await expect(bobItem.getByTestId('unread-badge')).toHaveCount(0);

  // Typing indicator: Bob types, Alice sees it.
  await composer(bob.page).pressSequentially('Fine');
  await expect(alicePage.getByTestId('typing-indicator')).toContainText(`${bob.username} is typing`);
  await composer(bob.page).fill('Fine, thanks! And you?');
  await composer(bob.page).press('Enter');
  await expect(messages(alicePage).filter({ hasText: 'Fine, thanks! And you?' })).toBeVisible();
  await expect(alicePage.getByTestId('typing-indicator')).toHaveCount(0);

  // Click-to-appear latency: Alice clicks Send, the text shows in Bob's open conversation.
  // Both moments are taken inside the browsers (same machine clock), not by polling.
  const samples: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const text = `latency probe ${i} ${Date.now()}`;
    await composer(alicePage).fill(text);
    await bob.page.evaluate((t) => {
      const w = window as unknown as { __seen?: Promise<number> };
      w.__seen = new Promise<number>((resolve) => {
        const present = () => Array.from(document.querySelectorAll('[data-testid="message"]')).some((e) => e.textContent?.includes(t));
        const observer = new MutationObserver(() => {
          if (present()) {
            observer.disconnect();
            resolve(Date.now());
          }
        });
        observer.observe(document.body, { childList: true, subtree: true, characterData: true });
      });
    }, text);
    await alicePage.evaluate(() => {
      const w = window as unknown as { __clickAt?: number };
      document.querySelector('button.send')?.addEventListener('click', () => (w.__clickAt = Date.now()), { once: true, capture: true });
    });
    await alicePage.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(messages(bob.page).filter({ hasText: text })).toBeVisible();
    const shownAt = await bob.page.evaluate(() => (window as unknown as { __seen: Promise<number> }).__seen);
    const clickAt = await alicePage.evaluate(() => (window as unknown as { __clickAt: number }).__clickAt);
    samples.push(shownAt - clickAt);
  }
  samples.sort((a, b) => a - b);
  console.log(`[latency] click Send → visible to the peer: median ${samples[2]} ms, min ${samples[0]} ms, max ${samples[4]} ms (${samples.join(', ')})`);

  // Shift+Enter makes a new line rather than sending.
  await composer(alicePage).fill('line one');
  await composer(alicePage).press('Shift+Enter');
  await composer(alicePage).pressSequentially('line two');
  await expect(composer(alicePage)).toHaveValue('line one\nline two');
  await composer(alicePage).press('Enter');
  await expect(messages(bob.page).filter({ hasText: 'line one' })).toContainText('line two');

  // No duplicates on either side.
  for (const page of [alicePage, bob.page]) {
    const ids = await messages(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-id') ?? e.textContent));
    expect(new Set(ids).size).toBe(ids.length);
  }
  // Alice leaves: Bob sees her go offline, live.
  await aliceContext.close();
  await expect(bob.page.getByTestId('peer-status')).toHaveText('offline');
  await expect(bob.page.locator(`a[data-peer="${alice}"]`).getByRole('img', { name: 'offline' })).toBeVisible();
  await bob.context.close();
});

test('a message sent with POST /send and a bearer token appears without a reload', async ({ browser, request }) => {
  const bob = await userSession(browser, 'bob');
  const bot = await newUser(browser, 'bot');
  const token = await bearerToken(bot);

  const text = `Build #${Date.now()} passed`;
  const res = await request.post(`${BASE_URL}/send`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { to: bob.username, text },
  });
  expect(res.status()).toBe(202);

  const item = bob.page.locator(`a[data-peer="${bot}"]`);
  await expect(item).toContainText(text);
  await expect(item.getByTestId('unread-badge')).toHaveText('1');
  await expect(bob.page).toHaveTitle('(1) Messenger');
  await item.click();
  await expect(messages(bob.page).filter({ hasText: text })).toBeVisible();
  await expect(bob.page).toHaveTitle('Messenger');
  await bob.context.close();
});

test('offline recipient: three messages wait, then arrive in order with an unread badge; receipts go sent → delivered → read', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  // Bob exists but has never opened the app.
  const bobName = await newUser(browser, 'bob');
  const bobContext = await browser.newContext({ baseURL: BASE_URL });

  await openConversation(alice.page, bobName);
  const texts = ['one: are you there?', 'two: ping', 'three: call me'];
  for (const text of texts) await sendText(alice.page, text);
  const sent = messages(alice.page);
  await expect(sent).toHaveCount(3);
  for (let i = 0; i < 3; i += 1) await expect(sent.nth(i).getByTestId('message-state')).toHaveAttribute('data-state', 'sent');

  // Bob signs in: catch-up delivers the three (he holds them, so Alice sees "delivered").
  const bobPage = await bobContext.newPage();
  await signInViaUi(bobPage, bobName);
  const item = bobPage.locator(`a[data-peer="${alice.username}"]`);
  await expect(item.getByTestId('unread-badge')).toHaveText('3');
  await expect(item).toContainText('three: call me');
  for (let i = 0; i < 3; i += 1) {
    await expect(sent.nth(i).getByTestId('message-state')).toHaveAttribute('data-state', 'delivered');
  }
  await expect(sent.last().getByRole('img', { name: 'Delivered' })).toBeVisible();

  // Bob opens the conversation: in order, and Alice sees "read".
  await item.click();
  const got = messages(bobPage);
  await expect(got).toHaveCount(3);
  await expect(got).toHaveText(texts.map((t) => new RegExp(t)));
  for (let i = 0; i < 3; i += 1) await expect(sent.nth(i).getByTestId('message-state')).toHaveAttribute('data-state', 'read');
  await expect(sent.last().getByRole('img', { name: 'Read' })).toBeVisible();
  await expect(item.getByTestId('unread-badge')).toHaveCount(0);
  await alice.context.close();
  await bobContext.close();
});

test('reload keeps the session and the history; sign out ends it', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bobName = await newUser(browser, 'bob');

  await openConversation(alice.page, bobName);
  for (const text of ['before reload 1', 'before reload 2']) await sendText(alice.page, text);
  await expect(messages(alice.page).last().getByTestId('message-state')).toHaveAttribute('data-state', 'sent');
  await alice.page.reload();
  await expect(alice.page.getByRole('heading', { name: bobName, level: 2 })).toBeVisible();
  await expect(messages(alice.page)).toHaveText([/before reload 1/, /before reload 2/]);
  await alice.page.goto('/');
  await expect(alice.page.locator(`a[data-peer="${bobName}"]`)).toContainText('You: before reload 2');
  // The session is a cookie, never a token in the URL or in script-readable storage.
  expect(alice.page.url()).not.toMatch(/token/i);
  const stored = await alice.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  expect(stored).not.toMatch(/session|token/i);

  // An unknown person gets a clear message, not a crash.
  await alice.page.goto('/c/nobody_by_this_name');
  await expect(alice.page.getByRole('heading', { name: /No user named/ })).toBeVisible();

  // Signing out ends the session: a reload stays signed out.
  await alice.page.goto('/');
  await alice.page.getByRole('button', { name: 'Sign out' }).click();
  await expect(alice.page).toHaveURL(/\/signin$/);
  await alice.page.reload();
  await expect(alice.page.getByRole('heading', { name: 'Welcome back' })).toBeVisible();

  // A link to a conversation while signed out: sign in, then land on that conversation.
  await alice.page.goto(`/c/${bobName}`);
  await expect(alice.page).toHaveURL(/\/signin$/);
  await alice.page.getByLabel('Username').fill(alice.username);
  await alice.page.getByLabel('Password').fill(PASSWORD);
  await alice.page.getByRole('button', { name: 'Sign in' }).click();
  await expect(alice.page).toHaveURL(new RegExp(`/c/${bobName}$`));
  await expect(messages(alice.page)).toHaveText([/before reload 1/, /before reload 2/]);
  await alice.context.close();
});

test('markup in a message is shown as text and never runs', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  const dialogs: string[] = [];
  for (const page of [alice.page, bob.page]) page.on('dialog', (d) => void d.dismiss().then(() => dialogs.push(d.message())));

  const evil = '<img src=x onerror=alert(1)> and <script>alert(2)</script> see https://example.com/a?b=1 or javascript:alert(3)';
  await openConversation(alice.page, bob.username);
  await openConversation(bob.page, alice.username);
  await sendText(alice.page, evil);
  const shown = messages(bob.page).filter({ hasText: '<img src=x onerror=alert(1)>' });
  await expect(shown).toBeVisible();
  await expect(shown.locator('.text')).toHaveText(evil);
  await expect(messageList(bob.page).locator('img, script')).toHaveCount(0);
  // Only the http(s) URL became a link, and it opens safely.
  const links = shown.getByRole('link');
  await expect(links).toHaveCount(1);
  await expect(links).toHaveAttribute('href', 'https://example.com/a?b=1');
  await expect(links).toHaveAttribute('target', '_blank');
  await expect(links).toHaveAttribute('rel', 'noopener noreferrer');
  expect(dialogs).toEqual([]);
  await alice.context.close();
  await bob.context.close();
});

test('formatting: a safe Markdown subset, www. links, and emoji-only messages shown large', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  await openConversation(alice.page, bob.username);
  await openConversation(bob.page, alice.username);
  const dialogs: string[] = [];
  bob.page.on('dialog', (d) => void d.dismiss().then(() => dialogs.push(d.message())));

  await sendText(alice.page, '**Release** is _today_: run `npm test` first\n> from the plan\n- docs at www.example.org\n- [a label](javascript:alert(1))');
  const formatted = messages(bob.page).filter({ hasText: 'Release' });
  await expect(formatted.locator('strong')).toHaveText('Release');
  await expect(formatted.locator('em')).toHaveText('today');
  await expect(formatted.locator('code')).toHaveText('npm test');
  await expect(formatted.locator('blockquote')).toHaveText('from the plan');
  await expect(formatted.locator('li')).toHaveCount(2);
  // The www. address is a link to itself; the Markdown link stays the characters typed.
  await expect(formatted.locator('a')).toHaveCount(1);
  await expect(formatted.getByRole('link', { name: 'www.example.org' })).toHaveAttribute('href', 'http://www.example.org/');
  await expect(formatted.locator('li').nth(1)).toHaveText('[a label](javascript:alert(1))');

  await sendText(alice.page, '🎉');
  const party = messages(bob.page).filter({ hasText: '🎉' });
  await expect(party.locator('.text')).toHaveClass(/emoji-only/);
  const sizes = await bob.page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid="message"] .text'), (el) => parseFloat(getComputedStyle(el).fontSize)),
  );
  expect(sizes.at(-1)).toBeGreaterThan(1.5 * sizes[0]!);
  await bob.page.screenshot({ path: screenshotPath('desktop-formatting') });
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await expect(formatted).toBeInViewport();
  await expect(party).toBeInViewport();
  await bob.page.screenshot({ path: screenshotPath('phone-formatting') });
  expect(dialogs).toEqual([]);
  await alice.context.close();
  await bob.context.close();
});
