// More unread than one page: the conversation loads older pages until it holds the first unread
// message, then opens there under the divider; the read mark follows what has been seen.
import { QueryClientProvider } from '@tanstack/react-query';
import { act, render, renderHook, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '@messenger/protocol';
import { jsonResponse, msg, testQueryClient, withConversationScreen } from '../../test/fixtures';
import { PAGE_SIZE } from '../../api/messages';
import { ConversationView } from './ConversationView';
import { MAX_PAGES_TO_FIRST_UNREAD, unreadCountNotLoaded, unreadMayBeOlder } from './unread-divider';
import { useRecountOnLeave, useSeenUpTo } from './useSeenUpTo';

withConversationScreen();

/** bob's history as the server pages it: newest first, PAGE_SIZE a page, `before` an id. */
function serveHistory(history: ChatMessage[], answered = Infinity) {
  const asked: (string | null)[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (!url.startsWith('/api/conversations/bob/messages')) return jsonResponse(200, { peer: 'bob', upTo: 'x', readAt: new Date().toISOString() });
      const before = new URL(url, 'http://x').searchParams.get('before');
      asked.push(before);
      // Past `answered` pages the server is slow: the list stays as it opened.
      if (asked.length > answered) return new Promise<Response>(() => undefined);
      const newestFirst = [...history].reverse();
      const start = before ? newestFirst.findIndex((m) => m.id === before) + 1 : 0;
      const page = newestFirst.slice(start, start + PAGE_SIZE);
      const more = start + PAGE_SIZE < newestFirst.length;
      return jsonResponse(200, { messages: page, nextBefore: more ? page.at(-1)!.id : null });
    }),
  );
  return asked;
}

const readOnes = (n: number) => Array.from({ length: n }, (_, i) => msg({ text: `read ${i + 1}`, state: 'read' }));
const unreadOnes = (n: number) => Array.from({ length: n }, (_, i) => msg({ text: `new ${i + 1}`, state: 'delivered' }));

function dividerFollowedBy(): string | null | undefined {
  const divider = screen.getByTestId('unread-divider');
  return divider.closest('.row')?.nextElementSibling?.querySelector('[data-testid="message"] .text')?.textContent;
}

describe('a conversation with more unread messages than a page', () => {
  it('loads older pages until the first unread one, and opens at it under the divider', async () => {
    const asked = serveHistory([...readOnes(3), ...unreadOnes(2 * PAGE_SIZE + 20)]);
    render(
      <QueryClientProvider client={testQueryClient()}>
        <ConversationView me="alice" peer="bob" />
      </QueryClientProvider>,
    );
    const divider = await screen.findByTestId('unread-divider');
    expect(divider).toHaveTextContent('New messages');
    expect(dividerFollowedBy()).toBe('new 1');
    // The newest page, then older ones until one holds a read message: three, not all of them.
    expect(asked).toHaveLength(3);
    expect(asked[0]).toBeNull();
  });

  it(`stops after ${MAX_PAGES_TO_FIRST_UNREAD} pages and opens at the oldest loaded`, async () => {
    const asked = serveHistory(unreadOnes((MAX_PAGES_TO_FIRST_UNREAD + 2) * PAGE_SIZE), MAX_PAGES_TO_FIRST_UNREAD);
    render(
      <QueryClientProvider client={testQueryClient()}>
        <ConversationView me="alice" peer="bob" />
      </QueryClientProvider>,
    );
    await screen.findByTestId('unread-divider', {}, { timeout: 5000 });
    // It opened (an eleventh page while opening would never answer), with the divider on the
    // oldest loaded message; the list then asks for older ones itself, as the top is near.
    expect(asked.length).toBeGreaterThanOrEqual(MAX_PAGES_TO_FIRST_UNREAD);
    expect(dividerFollowedBy()).toBe(`new ${2 * PAGE_SIZE + 1}`);
  });
});

describe('whether the first unread may be older than what is loaded', () => {
  it('1:1: while the oldest loaded message from the peer is unread', () => {
    expect(unreadMayBeOlder([msg({ text: 'a', state: 'delivered' }), msg({ text: 'b', state: 'read' })], 'alice')).toBe(true);
    expect(unreadMayBeOlder([msg({ text: 'mine', from: 'alice', to: 'bob' }), msg({ text: 'a', state: 'read' }), msg({ text: 'b' })], 'alice')).toBe(false);
    expect(unreadMayBeOlder([msg({ text: 'mine', from: 'alice', to: 'bob' })], 'alice')).toBe(false);
  });

  it('group: while fewer messages from others are loaded than are unread', () => {
    const loaded = [msg({ text: 'a' }), msg({ text: 'mine', from: 'alice' }), msg({ text: 'b' })];
    expect(unreadCountNotLoaded(loaded, 'alice', 3)).toBe(true);
    expect(unreadCountNotLoaded(loaded, 'alice', 2)).toBe(false);
    expect(unreadCountNotLoaded(loaded, 'alice', 0)).toBe(false);
  });
});

describe('the read mark follows what was seen', () => {
  it('goes no further than the newest message seen, and never back', () => {
    const messages = [msg({ text: 'a' }), msg({ text: 'mine', from: 'alice' }), msg({ text: 'b' }), msg({ text: 'c' })];
    const fromBob = (m: ChatMessage) => m.from === 'bob';
    const { result, rerender } = renderHook(({ conversation }) => useSeenUpTo(conversation, messages), { initialProps: { conversation: 'bob' } });
    expect(result.current.newestSeen(fromBob)).toBeUndefined();
    act(() => result.current.onSeen(messages[1]!.id));
    expect(result.current.newestSeen(fromBob)?.text).toBe('a');
    act(() => result.current.onSeen(messages[2]!.id));
    expect(result.current.newestSeen(fromBob)?.text).toBe('b');
    act(() => result.current.onSeen(messages[0]!.id)); // scrolled back up
    expect(result.current.newestSeen(fromBob)?.text).toBe('b');
    rerender({ conversation: 'carol' }); // another conversation starts unseen
    expect(result.current.newestSeen(fromBob)).toBeUndefined();
  });
});

describe('leaving a conversation read only part way', () => {
  it("asks the server for the list's counts, and only then", () => {
    const recount = vi.fn();
    const { rerender, unmount } = renderHook(({ conversation, left }) => useRecountOnLeave(conversation, left, recount), {
      initialProps: { conversation: 'bob', left: true },
    });
    rerender({ conversation: 'bob', left: true }); // still here
    expect(recount).not.toHaveBeenCalled();
    rerender({ conversation: 'carol', left: false }); // left bob with unread
    expect(recount).toHaveBeenCalledTimes(1);
    unmount(); // left carol with everything read
    expect(recount).toHaveBeenCalledTimes(1);
  });
});
