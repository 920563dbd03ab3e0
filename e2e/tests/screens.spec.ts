// Screenshots of the main screens at desktop and phone sizes (e2e/artifacts/screenshots/).
import { BASE_URL, scriptClient, expect, messages, openConversation, register, screenshotPath, sendText, test, uniqueName, userSession } from './fixtures.js';

const SIZES = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
] as const;

for (const size of SIZES) {
  test(`screens at ${size.name} size (${size.viewport.width}x${size.viewport.height})`, async ({ browser }) => {
    const signin = await browser.newPage({ viewport: size.viewport, baseURL: BASE_URL });
    await signin.goto('/signin');
    await expect(signin.getByRole('heading', { name: 'Welcome back' })).toBeVisible();
    await signin.screenshot({ path: screenshotPath(`${size.name}-signin`) });
    await signin.close();

    const me = await userSession(browser, 'maya', size.viewport);
    const friends = [uniqueName('sam'), uniqueName('lee')];
    const friend = friends[0]!;
    for (const name of friends) {
      const context = await browser.newContext({ baseURL: BASE_URL });
      await register(context, name);
      await context.close();
      // The friend writes first (as a script would), so the list shows a preview and a badge.
      const text = name === friend ? 'Are we still on for lunch at 12:30? 🍜' : 'Sent you the slides: https://example.com/deck';
      await (await scriptClient(name)).send(me.username, text);
    }
    const list = me.page.locator('a[data-peer]');
    await expect(list).toHaveCount(2);
    await me.page.screenshot({ path: screenshotPath(`${size.name}-conversations`) });

    await openConversation(me.page, friend);
    await expect(messages(me.page)).toHaveCount(1);
    await sendText(me.page, 'Yes! See you at the usual place.');
    await sendText(me.page, 'I will bring the notes from yesterday,\nand the draft for the launch post.');
    await expect(messages(me.page).last().getByTestId('message-state')).toHaveAttribute('data-state', /sent|delivered|read/);
    await me.page.screenshot({ path: screenshotPath(`${size.name}-conversation`) });

    // The other theme, switched from the conversation list.
    if (size.name === 'phone') await me.page.getByRole('button', { name: 'Back to conversations' }).click();
    await me.page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
    await expect(me.page.locator('html')).toHaveAttribute('data-theme', /dark|light/);
    if (size.name === 'phone') {
      await me.page.screenshot({ path: screenshotPath(`${size.name}-conversations-toggled-theme`) });
      await me.page.locator(`a[data-peer="${friend}"]`).click();
      await expect(messages(me.page)).toHaveCount(3);
    }
    await me.page.screenshot({ path: screenshotPath(`${size.name}-conversation-toggled-theme`) });
    await me.context.close();
  });
}
