// The conversation list: a bot's conversation carries the "bot" badge, and a muted conversation
// shows a quiet badge and a muted mark instead of the unread highlight.
import type { Conversation, Group } from '@messenger/protocol';
import { QueryClientProvider, type UseQueryResult } from '@tanstack/react-query';
import { act, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { msg, testQueryClient } from '../../test/fixtures';
import { Sidebar } from './Sidebar';

const result = <T,>(data: T) => ({ data, isPending: false, isError: false }) as unknown as UseQueryResult<T>;

const CONVERSATIONS: Conversation[] = [
  { peer: 'ci-bot', bot: true, online: false, unread: 3, muted: false, lastMessage: msg({ text: 'build 812 passed', from: 'ci-bot', to: 'alice' }) },
  { peer: 'bob', online: true, unread: 1, muted: false, lastMessage: msg({ text: 'lunch?', from: 'bob', to: 'alice' }) },
];

function renderSidebar(conversations = CONVERSATIONS) {
  const client = testQueryClient();
  const view = (list: Conversation[]) => (
    <QueryClientProvider client={client}>
      <Sidebar me="alice" activePeer={null} activeGroup={null} conversations={result(list)} groups={result<Group[]>([])} />
    </QueryClientProvider>
  );
  const { rerender } = render(view(conversations));
  const item = (peer: string) => document.querySelector<HTMLElement>(`a[data-peer="${peer}"]`)!;
  return { item, show: (list: Conversation[]) => rerender(view(list)) };
}

describe('Sidebar', () => {
  it('marks a bot’s conversation with a "bot" badge, and nobody else’s', () => {
    const { item } = renderSidebar();
    expect(within(item('ci-bot')).getByTestId('bot-badge')).toHaveTextContent('bot');
    expect(item('ci-bot')).toHaveAccessibleName(expect.stringContaining('ci-bot bot'));
    expect(within(item('bob')).queryByTestId('bot-badge')).not.toBeInTheDocument();
  });

  it('a muted conversation is quiet: a muted mark, a grey badge, no unread highlight', () => {
    const { item, show } = renderSidebar();
    expect(item('ci-bot')).toHaveClass('unread');
    // The server's setting, as GET /api/conversations or conversation:update brings it.
    act(() => show(CONVERSATIONS.map((c) => (c.peer === 'ci-bot' ? { ...c, muted: true } : c))));
    expect(item('ci-bot')).not.toHaveClass('unread');
    expect(item('ci-bot')).toHaveAttribute('data-muted', 'true');
    expect(within(item('ci-bot')).getByRole('img', { name: 'muted' })).toBeInTheDocument();
    expect(within(item('ci-bot')).getByTestId('unread-badge')).toHaveClass('badge-muted');
    expect(within(item('bob')).getByTestId('unread-badge')).not.toHaveClass('badge-muted');
  });

  it('links to the bots and API tokens page', () => {
    renderSidebar();
    expect(screen.getByRole('link', { name: 'Bots, tokens and webhooks' })).toHaveAttribute('href', '/settings');
  });
});
