// The conversation list: a bot's conversation carries the "bot" badge, and a muted conversation
// shows a quiet badge and a muted mark instead of the unread highlight; pinned ones come first,
// archived ones apart; each row's "⋯" menu works from the keyboard and right-click.
import type { Conversation, Group } from '@messenger/protocol';
import { QueryClientProvider, type UseQueryResult } from '@tanstack/react-query';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, msg, testQueryClient } from '../../test/fixtures';
import { Sidebar } from './Sidebar';

const result = <T,>(data: T) => ({ data, isPending: false, isError: false }) as unknown as UseQueryResult<T>;

const CONVERSATIONS: Conversation[] = [
  { peer: 'ci-bot', bot: true, online: false, unread: 3, muted: false, pinned: false, archived: false, markedUnread: false, lastMessage: msg({ text: 'build 812 passed', from: 'ci-bot', to: 'alice' }) },
  { peer: 'bob', online: true, unread: 1, muted: false, pinned: false, archived: false, markedUnread: false, lastMessage: msg({ text: 'lunch?', from: 'bob', to: 'alice' }) },
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

afterEach(() => {
  vi.unstubAllGlobals();
});

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
    expect(screen.getByRole('link', { name: 'Settings' })).toHaveAttribute('href', '/settings');
  });

  it('lists pinned conversations first, and archived ones under a collapsed "Archived" with their count', async () => {
    const list: Conversation[] = [
      ...CONVERSATIONS,
      { ...CONVERSATIONS[1]!, peer: 'carol', unread: 0, pinned: true, lastMessage: msg({ text: 'old news', from: 'carol', to: 'alice' }, Date.UTC(2026, 0, 1)) },
      { ...CONVERSATIONS[1]!, peer: 'dave', unread: 0, archived: true },
    ];
    renderSidebar(list);
    const rows = () => [...document.querySelectorAll<HTMLElement>('a[data-peer]')].map((a) => a.dataset.peer);
    expect(rows()).toEqual(['carol', 'bob', 'ci-bot']);
    expect(within(document.querySelector('a[data-peer="carol"]')!).getByRole('img', { name: 'pinned' })).toBeInTheDocument();
    const toggle = screen.getByRole('button', { name: /Archived/ });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(toggle).toHaveTextContent('1');
    await userEvent.click(toggle);
    expect(rows()).toEqual(['carol', 'bob', 'ci-bot', 'dave']);
    expect(screen.getByRole('list', { name: 'Archived conversations' })).toBeInTheDocument();
  });

  it('shows a conversation marked as unread with a dot and the unread highlight, though nothing is unread', () => {
    const { item } = renderSidebar([{ ...CONVERSATIONS[1]!, unread: 0, markedUnread: true }]);
    expect(item('bob')).toHaveClass('unread');
    expect(within(item('bob')).getByRole('img', { name: 'marked as unread' })).toBeInTheDocument();
    expect(within(item('bob')).queryByTestId('unread-badge')).not.toBeInTheDocument();
  });

  it('opens the row menu from its button or right-click; arrows move, Esc closes and focus returns to the button', async () => {
    const calls: [string, string, string][] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        // The rows' display names: not what this test is about.
        if (url.startsWith('/api/profiles')) return jsonResponse(200, { profiles: [] });
        calls.push([init?.method ?? 'GET', url, String(init?.body)]);
        return jsonResponse(200, { peer: 'bob', muted: false, pinned: true, archived: false, markedUnread: false });
      }),
    );
    const user = userEvent.setup();
    const { item } = renderSidebar();
    const button = screen.getByRole('button', { name: 'More actions for bob' });
    expect(button).toHaveAttribute('aria-haspopup', 'menu');
    await user.click(button);
    const menu = screen.getByRole('menu', { name: 'Actions for bob' });
    expect(within(menu).getAllByRole('menuitem').map((i) => i.textContent)).toEqual(['Pin', 'Mark as unread', 'Archive', 'Mute']);
    expect(within(menu).getByRole('menuitem', { name: 'Pin' })).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(within(menu).getByRole('menuitem', { name: 'Mark as unread' })).toHaveFocus();
    await user.keyboard('{ArrowUp}{ArrowUp}');
    expect(within(menu).getByRole('menuitem', { name: 'Mute' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
    expect(button).toHaveFocus();
    expect(calls).toEqual([]);

    fireEvent.contextMenu(item('bob'));
    const again = screen.getByRole('menu', { name: 'Actions for bob' });
    await user.keyboard('{Enter}');
    expect(again).not.toBeInTheDocument();
    expect(calls).toEqual([['PATCH', '/api/conversations/bob/settings', '{"pinned":true}']]);
  });
});

describe('display names in the list', () => {
  it('names each row and my own badge by display name, with pictures, from one request', async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        urls.push(url);
        return jsonResponse(200, {
          profiles: [
            { username: 'alice', displayName: 'Alice Liddell', avatarUrl: null },
            { username: 'bob', displayName: 'Bob Builder', avatarUrl: '/api/users/bob/avatar?v=00112233aabbccdd' },
          ],
        });
      }),
    );
    const { item } = renderSidebar();
    expect(await within(item('bob')).findByText('Bob Builder')).toBeInTheDocument();
    expect(within(item('bob')).getByAltText('Bob Builder')).toHaveAttribute('src', '/api/users/bob/avatar?v=00112233aabbccdd');
    // No display name: the username, and initials.
    expect(within(item('ci-bot')).getByText('ci-bot')).toBeInTheDocument();
    expect(within(item('ci-bot')).getByText('CI')).toBeInTheDocument();
    const badge = screen.getByRole('complementary', { name: 'Conversations' }).querySelector('.me')!;
    expect(badge).toHaveTextContent('Alice Liddell@alice');
    expect(urls).toHaveLength(1);
    expect(new URL(urls[0]!, 'http://x').searchParams.get('usernames')?.split(',').sort()).toEqual(['alice', 'bob', 'ci-bot']);
  });
});
