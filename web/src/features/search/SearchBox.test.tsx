// The search box against a stubbed server: grouping, the keyboard, highlights from the server's
// ranges, scoping to one conversation, and the short lines for no match and refusals.
import type { SearchHit } from '@messenger/protocol';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, render, renderHook, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { queryKeys } from '../../api/keys';
import { useJumpTarget } from '../../lib/jump-target';
import type { SearchScope } from '../../lib/search-box';
import { jsonResponse, msg, testQueryClient } from '../../test/fixtures';
import { SearchBox } from './SearchBox';

const GROUP_ID = '0192f5a4-7c1e-4a3b-9c4d-0000000000aa';
const old = msg({ from: 'bob', to: 'alice', text: 'the quarterly report is late' });
const inGroup = msg({ from: 'carol', to: 'alice', text: 'report drafts are in', group: { id: GROUP_ID, name: 'Reporters' } });
const HITS: SearchHit[] = [
  { message: inGroup, conversation: { group: { id: GROUP_ID, name: 'Reporters' } }, matches: [{ start: 0, end: 6 }] },
  { message: old, conversation: { peer: 'bob' }, matches: [{ start: 14, end: 20 }] },
];

let urls: string[] = [];
function stubServer(search: (params: URLSearchParams) => Response = () => jsonResponse(200, { results: HITS, nextBefore: null })) {
  urls = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      urls.push(url);
      const [path, query = ''] = url.split('?');
      const params = new URLSearchParams(query);
      if (path === '/api/search') return search(params);
      if (path === '/api/people') return jsonResponse(200, { users: [{ username: 'bobby-bot', online: true, bot: true }, { username: 'bob', online: false }] });
      throw new Error(`unexpected ${url}`);
    }),
  );
}

function renderBox(scope: SearchScope | null = null) {
  const client = testQueryClient();
  client.setQueryData(queryKeys.conversations, [{ peer: 'bob', online: false, unread: 0, muted: false, lastMessage: old }]);
  client.setQueryData(queryKeys.groups, []);
  const onClose = vi.fn();
  const opener = document.createElement('button');
  document.body.append(opener);
  opener.focus();
  render(
    <QueryClientProvider client={client}>
      <SearchBox me="alice" scope={scope} onClose={onClose} />
    </QueryClientProvider>,
  );
  return { onClose, opener };
}

const input = () => screen.getByRole('combobox');
const searches = () => urls.filter((u) => u.startsWith('/api/search'));

beforeEach(() => window.history.replaceState(null, '', '/'));
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('the search box', () => {
  it('groups conversations, people and messages, and highlights the matched words', async () => {
    stubServer((params) => {
      const q = params.get('q') ?? '';
      return jsonResponse(200, { results: q === 'b' ? [] : HITS, nextBefore: null });
    });
    renderBox();
    await userEvent.type(input(), 'b');
    const conversations = await screen.findByRole('group', { name: 'Conversations' });
    expect(within(conversations).getByRole('option')).toHaveTextContent('bob');
    // bob is already a conversation: People lists only the others.
    const people = await screen.findByRole('group', { name: 'People' });
    expect(within(people).getAllByRole('option').map((o) => o.textContent)).toEqual([expect.stringContaining('bobby-bot')]);
    expect(await screen.findByText('No messages match.')).toBeInTheDocument();

    await userEvent.clear(input());
    await userEvent.type(input(), 'report');
    const messages = await screen.findByRole('group', { name: 'Messages' });
    const options = within(messages).getAllByRole('option');
    expect(options).toHaveLength(2);
    expect(options[0]).toHaveTextContent('Reporters');
    expect(options[0]).toHaveTextContent('carol');
    expect([...options[1]!.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['report']);
    expect(options[1]).toHaveTextContent('the quarterly report is late');
    // Debounced: no request per keystroke.
    expect(searches().length).toBeLessThan('breport'.length);
    expect(searches().at(-1)).toBe('/api/search?q=report&limit=20');
  });

  it('moves with the arrow keys and opens a message result at that message with Enter', async () => {
    stubServer();
    renderBox();
    const target = renderHook(() => useJumpTarget('peer:bob'));
    await userEvent.type(input(), 'report');
    await screen.findByRole('group', { name: 'Messages' });
    const all = screen.getAllByRole('option');
    // Nothing but messages match "report" here: the first option is the group's message.
    expect(input()).toHaveAttribute('aria-activedescendant', all[0]!.id);
    await userEvent.keyboard('{ArrowDown}');
    expect(input()).toHaveAttribute('aria-activedescendant', all[1]!.id);
    expect(all[1]).toHaveAttribute('aria-selected', 'true');
    await userEvent.keyboard('{ArrowDown}');
    expect(input()).toHaveAttribute('aria-activedescendant', all[1]!.id);
    await userEvent.keyboard('{Enter}');
    expect(window.location.pathname).toBe('/c/bob');
    expect(target.result.current).toBe(old.id);
  });

  it('Esc closes the box and gives the focus back to where it was', async () => {
    stubServer();
    const { onClose, opener } = renderBox();
    expect(input()).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalled();
    expect(opener).toHaveFocus();
  });

  it('searches only in the conversation it was opened in, until Backspace removes the chip', async () => {
    stubServer();
    renderBox({ peer: 'bob', name: 'bob' });
    expect(screen.getByTestId('search-scope')).toHaveTextContent(/in\s*bob/);
    await userEvent.type(input(), 'report');
    await screen.findByRole('group', { name: 'Messages' });
    expect(searches().at(-1)).toBe('/api/search?q=report&peer=bob&limit=20');
    // Only messages inside a conversation; no names, no people lookup.
    expect(screen.queryByRole('group', { name: 'Conversations' })).toBeNull();
    expect(urls.some((u) => u.startsWith('/api/people'))).toBe(false);

    await userEvent.clear(input());
    await userEvent.keyboard('{Backspace}');
    expect(screen.queryByTestId('search-scope')).toBeNull();
    await userEvent.type(input(), 'report');
    await waitFor(() => expect(searches().at(-1)).toBe('/api/search?q=report&limit=20'));
  });

  it('searches only in a group when opened in one', async () => {
    stubServer();
    renderBox({ group: GROUP_ID, name: 'Reporters' });
    expect(screen.getByRole('combobox', { name: 'Search messages in Reporters' })).toHaveFocus();
    await userEvent.type(input(), 'report');
    await screen.findByRole('group', { name: 'Messages' });
    expect(searches().at(-1)).toBe(`/api/search?q=report&group=${GROUP_ID}&limit=20`);
  });

  it('loads more message results from the keyboard, keeping the place', async () => {
    const later = msg({ from: 'bob', to: 'alice', text: 'an older report' });
    stubServer((params) =>
      params.get('before')
        ? jsonResponse(200, { results: [{ message: later, conversation: { peer: 'bob' }, matches: [{ start: 9, end: 15 }] }], nextBefore: null })
        : jsonResponse(200, { results: HITS, nextBefore: old.id }),
    );
    renderBox({ peer: 'bob', name: 'bob' });
    await userEvent.type(input(), 'report');
    const more = await screen.findByRole('option', { name: 'More messages' });
    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    expect(input()).toHaveAttribute('aria-activedescendant', more.id);
    await userEvent.keyboard('{Enter}');
    const added = await screen.findByRole('option', { name: /an older report/ });
    expect(searches().at(-1)).toBe(`/api/search?q=report&peer=bob&before=${old.id}&limit=20`);
    expect(screen.queryByRole('option', { name: 'More messages' })).toBeNull();
    expect(input()).toHaveAttribute('aria-activedescendant', added.id);
  });

  it('says so in one line when the server refuses (429), without failing the box', async () => {
    stubServer(() => jsonResponse(429, { error: { code: 'rate_limited', message: 'slow down' } }));
    renderBox();
    await userEvent.type(input(), 'report');
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many searches');
    expect(input()).toBeEnabled();
    await act(() => Promise.resolve());
  });
});
