// The tab that sends a message gets no echo of it over its socket: it shows the message from the
// 202 and names its socket in X-Socket-Id. The sender's other tab still gets it live. Counted on
// the wire, from the frames the sending tab's WebSocket received.
import { expect, messages, openConversation, sendText, test, userSession } from './fixtures.js';

test('the sending tab gets no echo frame; the same user’s other tab shows the message live', async ({ browser }) => {
  const alice = await userSession(browser, 'alice');
  const bob = await userSession(browser, 'bob');
  // Every socket.io frame the sending tab receives, from its next connection on.
  const frames: string[] = [];
  alice.page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => frames.push(String(payload))));
  const otherTab = await alice.context.newPage();
  await openConversation(otherTab, bob.username);
  await openConversation(alice.page, bob.username);

  const text = `from the sending tab ${Date.now()}`;
  await sendText(alice.page, text);
  await expect(messages(otherTab).filter({ hasText: text })).toBeVisible();
  await expect(messages(alice.page).filter({ hasText: text })).toHaveCount(1);

  // A later message to Bob from the other tab is on the same partition, so it reaches the sending
  // tab after the first one would have: once it shows, the first one's echo is not coming.
  const marker = `from the other tab ${Date.now()}`;
  await sendText(otherTab, marker);
  await expect(messages(alice.page).filter({ hasText: marker })).toBeVisible();
  const pushed = (t: string) => frames.filter((f) => f.startsWith('42["message:new"') && f.includes(t));
  expect(pushed(marker)).toHaveLength(1);
  expect(pushed(text)).toHaveLength(0);
  await expect(messages(alice.page).filter({ hasText: text })).toHaveCount(1);
  await alice.context.close();
  await bob.context.close();
});
