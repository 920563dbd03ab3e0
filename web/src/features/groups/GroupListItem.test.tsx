// A group in the list: the unread badge (capped, quiet when muted, absent at 0) and the link (a
// plain click stays in the app; a modified click is left to the browser).
import type { Group } from '@messenger/protocol';
import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { QueryClientProvider } from '@tanstack/react-query';
import { testQueryClient } from '../../test/fixtures';
import { GroupListItem } from './GroupListItem';

const GID = '7d9c2f8e-3b1a-4c5d-9e8f-0a1b2c3d4e5f';
const group = (partial: Partial<Group> = {}): Group => ({
  id: GID,
  name: 'Ops',
  createdAt: '2026-11-01T00:00:00.000Z',
  role: 'member',
  memberCount: 3,
  muted: false,
  pinned: false,
  archived: false,
  markedUnread: false,
  unread: 0,
  lastMessage: null,
  ...partial,
});
const renderItem = (g: Group) => render(<GroupListItem me="alice" group={g} active={false} mentioned={0} />);

describe('GroupListItem', () => {
  it('caps the unread count at 99+, quiets it when muted, and shows none at 0', () => {
    const { unmount } = renderItem(group({ unread: 120 }));
    const badge = screen.getByTestId('unread-badge');
    expect(badge).toHaveTextContent('99+');
    expect(badge).toHaveAttribute('aria-label', '120 unread');
    expect(badge).not.toHaveClass('badge-muted');
    unmount();
    const muted = renderItem(group({ unread: 7, muted: true }));
    expect(screen.getByTestId('unread-badge')).toHaveTextContent('7');
    expect(screen.getByTestId('unread-badge')).toHaveClass('badge-muted');
    muted.unmount();
    renderItem(group());
    expect(screen.queryByTestId('unread-badge')).toBeNull();
  });

  it('previews a message deleted for everyone as deleted, not as an empty line', () => {
    const g = group({ lastMessage: { id: '0192f5a4-7c1e-7a3b-9c4d-000000000001', from: 'bob', to: 'alice', text: '', deleted: true, sentAt: '2026-11-30T10:00:00.000Z', state: 'read', group: { id: GID, name: 'Ops' } } });
    // The sender's name comes from their profile (a query).
    render(
      <QueryClientProvider client={testQueryClient()}>
        <GroupListItem me="alice" group={g} active={false} mentioned={0} />
      </QueryClientProvider>,
    );
    expect(screen.getByText('This message was deleted')).toBeInTheDocument();
  });

  it('navigates in the app on a plain click, and leaves a ctrl-click or middle click to the browser', () => {
    window.history.pushState(null, '', '/');
    renderItem(group());
    const link = screen.getByRole('link');
    expect(link).toHaveAttribute('href', `/g/${GID}`);
    expect(fireEvent.click(link, { ctrlKey: true })).toBe(true);
    expect(fireEvent.click(link, { button: 1 })).toBe(true);
    expect(window.location.pathname).toBe('/');
    expect(fireEvent.click(link)).toBe(false); // default prevented: the app handled it
    expect(window.location.pathname).toBe(`/g/${GID}`);
  });
});
