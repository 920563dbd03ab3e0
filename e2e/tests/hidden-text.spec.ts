// Text that hides itself, in the real browser: the composer treats invisible text as blank, and
// a right-to-left override cannot make a file name read backwards on screen.
import { composer, expect, messages, newUser, openConversation, scriptClient, test, userSession } from './fixtures.js';

test('the composer treats zero-width, filler and control-only text as blank', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await newUser(browser, 'bob');
  await openConversation(alice.page, bob);
  const send = alice.page.getByRole('button', { name: 'Send' });
  for (const hidden of ['\u200b\u200c\u200d', '\u3164\u2800', '\u00ad\ufeff\u2060', '\u0301']) {
    await composer(alice.page).fill(hidden);
    await expect(send).toBeDisabled();
    await composer(alice.page).press('Enter');
  }
  await composer(alice.page).fill('visible');
  await expect(send).toBeEnabled();
  await expect(messages(alice.page)).toHaveCount(0);
  await alice.context.close();
});

test('a right-to-left override (U+202E) cannot make "photo<RLO>txt.exe" read as "photoexe.txt"', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const mallory = await newUser(browser, 'mallory');
  const text = 'photo\u202Etxt.exe https://example.com/\u202Egpj.exe';
  await (await scriptClient(mallory)).send(alice.username, text);
  await openConversation(alice.page, mallory);
  const bubble = messages(alice.page).filter({ hasText: 'photo' }).locator('.text');
  await expect(bubble).toHaveCount(1);
  // The characters as Chromium laid them out, left to right (one line, left-to-right paragraph).
  const visual = await bubble.evaluate((el) => {
    const chars: { ch: string; x: number }[] = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const value = node.nodeValue ?? '';
      for (let i = 0; i < value.length; i += 1) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getBoundingClientRect();
        if (rect.width > 0) chars.push({ ch: value[i] ?? '', x: rect.left });
      }
    }
    return chars.sort((a, b) => a.x - b.x).map((c) => c.ch).join('');
  });
  expect(visual.replace(/\s+/g, ' ')).toBe('phototxt.exe https://example.com/gpj.exe');
  await expect(bubble).toHaveAttribute('dir', 'auto');
  await alice.context.close();
});
