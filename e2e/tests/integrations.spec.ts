// Bots, tokens and webhooks through the real stack: Alice makes a bot and a token for it on the settings
// page, a script (plain fetch, as curl would) sends with that token, Bob sees the message arrive
// from a conversation marked "bot" and mutes it; revoking the token in the UI stops the script. A
// webhook made there posts as the bot, and rotating or deleting it ends its URL.
import type { Page } from '@playwright/test';
import { BASE_URL, expect, screenshotPath, test, uniqueName, userSession } from './fixtures.js';

async function openSettings(page: Page) {
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole('heading', { name: 'Bots, tokens and webhooks', level: 3 })).toBeVisible();
}

async function createBot(page: Page, username: string) {
  const form = page.getByRole('form', { name: 'Create a bot' });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Display name (optional)').fill('Deploy notices');
  await form.getByRole('button', { name: 'Create bot' }).click();
  await expect(page.getByRole('list', { name: 'Your bots' })).toContainText(username);
}

/** Creates a token from the form and returns the secret the dialog shows once. */
async function createToken(page: Page, name: string, actsAs: string, extraScopes: string[] = []): Promise<string> {
  const form = page.getByRole('form', { name: 'Create an API token' });
  await form.getByLabel('Token name').fill(name);
  await form.getByLabel('Acts as').selectOption({ label: actsAs });
  for (const scope of extraScopes) await form.getByRole('checkbox', { name: new RegExp(`^${scope}\\b`) }).check();
  await form.getByRole('button', { name: 'Create token' }).click();
  const dialog = page.getByRole('dialog', { name: `Token “${name}” created` });
  await expect(dialog).toContainText('You will not see it again');
  const secret = await dialog.getByLabel('Secret').inputValue();
  expect(secret).toMatch(/^msk_[A-Za-z0-9_-]{43}$/);
  return secret;
}

function sendAs(secret: string, to: string, text: string) {
  return fetch(`${BASE_URL}/send`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
    body: JSON.stringify({ to, text }),
  });
}

test('a token made in the settings page sends as a bot; the bot is badged and mutable; revoking stops it', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  const botName = uniqueName('deploybot');

  await openSettings(alice.page);
  await createBot(alice.page, botName);
  const secret = await createToken(alice.page, 'deploy script', `Bot: ${botName}`);
  await alice.page.getByRole('button', { name: 'Done' }).click();
  await expect(alice.page.getByRole('dialog')).toHaveCount(0);
  // Gone with the dialog: the page keeps no copy of the secret.
  expect(await alice.page.content()).not.toContain(secret);
  const row = alice.page.getByRole('list', { name: 'Your API tokens' }).getByRole('listitem').filter({ hasText: 'deploy script' }).first();
  await expect(row).toContainText(botName);

  // The script: a plain HTTP client with the secret, nothing of the browser's session.
  const text = `Deployed build ${uniqueName('b')}`;
  const sent = await sendAs(secret, bob.username, text);
  expect(sent.status, await sent.clone().text()).toBe(202);

  // Bob gets it live, from a conversation marked as a bot's.
  const item = bob.page.locator(`a[data-peer="${botName}"]`);
  await expect(item).toContainText(text);
  await expect(item.getByTestId('bot-badge')).toHaveText('bot');
  await item.click();
  await expect(bob.page.getByRole('log')).toContainText(text);
  await expect(bob.page.getByRole('main').getByTestId('bot-badge')).toBeVisible();
  // Named by the display name it was made with, its username under it (issue 18's profiles).
  await expect(bob.page.getByRole('heading', { name: 'Deploy notices', level: 2 })).toBeVisible();
  await expect(bob.page.getByTestId('peer-status')).toContainText(`@${botName}`);
  await bob.page.getByRole('button', { name: 'Mute Deploy notices' }).click();
  await expect(bob.page.getByRole('button', { name: 'Mute Deploy notices' })).toHaveAttribute('aria-pressed', 'true');
  await expect(item).toHaveAttribute('data-muted', 'true');
  await bob.page.screenshot({ path: screenshotPath('desktop-bot-conversation') });

  // The server recorded the use before it answered; the reloaded list shows it.
  await expect(row).toContainText(/Last used\s*never/);
  await alice.page.reload();
  await expect(row).toContainText(/Last used\s*[A-Z][a-z]{2} \d{1,2}, \d{4}/);
  await alice.page.screenshot({ path: screenshotPath('desktop-settings') });

  // Revoked in the UI: the very next request with it is refused.
  await row.getByRole('button', { name: 'Revoke token deploy script' }).click();
  await alice.page.getByRole('button', { name: 'Yes, revoke' }).click();
  await expect(alice.page.getByRole('list', { name: 'Your API tokens' })).toHaveCount(0);
  const refused = await sendAs(secret, bob.username, 'after revocation');
  expect(refused.status).toBe(401);

  await alice.context.close();
  await bob.context.close();
});

test('the settings page on a phone: reached from the list, back to it, the secret dialog fits', async ({ browser }) => {
  const me = await userSession(browser, 'maya', { width: 390, height: 844 });
  await openSettings(me.page);
  // One pane at a time: the list is gone while settings are open.
  await expect(me.page.getByRole('navigation', { name: 'Conversation list' })).toBeHidden();
  const bot = uniqueName('standup');
  await createBot(me.page, bot);
  await createToken(me.page, 'standup bot', `Bot: ${bot}`, ['receive']);
  // The dialog fits the phone's width, its Copy button included.
  const dialog = me.page.getByRole('dialog');
  for (const part of [dialog, dialog.getByRole('button', { name: 'Copy' })]) {
    const box = (await part.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
  }
  await me.page.screenshot({ path: screenshotPath('phone-settings-secret') });
  await me.page.getByRole('button', { name: 'Done' }).click();
  await createToken(me.page, 'my scripts', `Me (${me.username})`, ['read']);
  await me.page.keyboard.press('Escape');
  await expect(me.page.getByRole('dialog')).toHaveCount(0);
  // The page scrolls inside its pane: back to the top for the picture.
  await me.page.locator('.settings-body').evaluate((el) => el.scrollTo(0, 0));
  await me.page.screenshot({ path: screenshotPath('phone-settings') });
  await me.page.getByRole('button', { name: 'Back to conversations' }).click();
  await expect(me.page.getByRole('navigation', { name: 'Conversation list' })).toBeVisible();
  await me.context.close();
});

test('a webhook made in the settings page posts as its bot; rotating it ends the old URL', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  const botName = uniqueName('cibot');
  await openSettings(alice.page);
  await createBot(alice.page, botName);

  const form = alice.page.getByRole('form', { name: 'Create a webhook' });
  await form.getByLabel('Webhook name').fill('CI');
  await form.getByLabel('Posts as').selectOption({ label: botName });
  await form.getByLabel('Person (username)').fill(bob.username);
  await form.getByRole('button', { name: 'Create webhook' }).click();
  const dialog = alice.page.getByRole('dialog', { name: 'Webhook “CI” created' });
  const url = await dialog.getByLabel('Webhook URL').inputValue();
  expect(url).toMatch(new RegExp(`^${BASE_URL}/hooks/[0-9a-f-]{36}/mwh_[A-Za-z0-9_-]{43}$`));
  await dialog.getByRole('button', { name: 'Done' }).click();
  expect(await alice.page.content()).not.toContain(url);

  // The tool: a plain POST of { text }, nothing else.
  const post = (to: string, text: string) =>
    fetch(to, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text }) });
  const text = `Build ${uniqueName('n')} is green`;
  const posted = await post(url, text);
  expect(posted.status, await posted.clone().text()).toBe(202);
  const item = bob.page.locator(`a[data-peer="${botName}"]`);
  await expect(item).toContainText(text);
  await expect(item.getByTestId('bot-badge')).toHaveText('bot');

  // Rotated in the UI: a new URL once, and the old one is dead.
  const row = alice.page.getByRole('list', { name: 'Your webhooks' }).getByRole('listitem').filter({ hasText: 'CI' });
  await expect(row).toContainText(`${botName} → ${bob.username}`);
  await row.getByRole('button', { name: 'Rotate the URL of webhook CI' }).click();
  const rotated = alice.page.getByRole('dialog', { name: 'Webhook “CI” has a new URL' });
  const newUrl = await rotated.getByLabel('Webhook URL').inputValue();
  expect(newUrl).not.toBe(url);
  await rotated.getByRole('button', { name: 'Done' }).click();
  expect((await post(url, 'old url')).status).toBe(404);
  expect((await post(newUrl, `${text} again`)).status).toBe(202);
  await expect(item).toContainText(`${text} again`);
  await alice.page.screenshot({ path: screenshotPath('desktop-settings-webhooks') });

  // Deleted in the UI: the URL is dead.
  await row.getByRole('button', { name: 'Delete webhook CI' }).click();
  await alice.page.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(alice.page.getByText('No webhooks yet.')).toBeVisible();
  expect((await post(newUrl, 'after delete')).status).toBe(404);

  await alice.context.close();
  await bob.context.close();
});
