// The members panel's rules on screen: who may remove whom, rename for managers only, and leaving.
import type { Group, GroupRole } from '@messenger/protocol';
import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, testQueryClient } from '../../test/fixtures';
import { canRemove, MembersPanel } from './MembersPanel';

const GID = '7d9c2f8e-3b1a-4c5d-9e8f-0a1b2c3d4e5f';

afterEach(() => vi.unstubAllGlobals());

function renderPanel(role: Exclude<GroupRole, 'owner'>) {
  const group: Group = { id: GID, name: 'Ops', createdAt: '2026-11-01T00:00:00.000Z', role, memberCount: 4, muted: false, pinned: false, archived: false, markedUnread: false, unread: 0, lastMessage: null };
  const members = [
    { username: 'olga', role: 'owner' },
    { username: 'adam', role: 'admin' },
    { username: 'mia', role: 'member' },
    { username: 'me_user', role },
  ];
  const calls: { url: string; method: string }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ url, method: init?.method ?? 'GET' });
      if (url === `/api/groups/${GID}/members`) return jsonResponse(200, { members: members.map((m) => ({ ...m, joinedAt: group.createdAt })) });
      if (init?.method === 'DELETE') return jsonResponse(204, null);
      throw new Error(`unexpected ${url}`);
    }),
  );
  render(
    <QueryClientProvider client={testQueryClient()}>
      <MembersPanel id="panel" me="me_user" group={group} onClose={() => undefined} />
    </QueryClientProvider>,
  );
  return calls;
}

describe('members panel', () => {
  it('follows the server’s removal rule', () => {
    expect(canRemove('owner', 'admin')).toBe(true);
    expect(canRemove('owner', 'owner')).toBe(false);
    expect(canRemove('admin', 'member')).toBe(true);
    expect(canRemove('admin', 'admin')).toBe(false);
    expect(canRemove('admin', 'owner')).toBe(false);
    expect(canRemove('member', 'member')).toBe(false);
  });

  it('an admin renames and removes plain members only; a member does neither', async () => {
    renderPanel('admin');
    await screen.findByText('mia');
    expect(screen.getByLabelText('Group name')).toHaveValue('Ops');
    expect(screen.getByRole('button', { name: 'Remove mia' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Remove adam' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove olga' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Make .* admin/ })).toBeNull();
  });

  it('a member sees the list and can leave, after confirming', async () => {
    const calls = renderPanel('member');
    await screen.findByText('mia');
    expect(screen.queryByLabelText('Group name')).toBeNull();
    expect(screen.queryByRole('button', { name: /^Remove / })).toBeNull();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Leave group…' }));
    await user.click(screen.getByRole('button', { name: 'Yes, leave Ops' }));
    await waitFor(() => expect(calls).toContainEqual({ url: `/api/groups/${GID}/members/me_user`, method: 'DELETE' }));
    await waitFor(() => expect(window.location.pathname).toBe('/'));
  });
});
