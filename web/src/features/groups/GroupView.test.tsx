// The group screen against a fake socket and a stubbed fetch: what members see and what the
// browser tells the server (focus, typing, sends with an Idempotency-Key, acks).
import type { Group } from '@messenger/protocol';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { FakeSocket, goLive, jsonResponse, msg, settle, testQueryClient, withConversationScreen } from '../../test/fixtures';
import { SocketProvider } from '../connection/SocketProvider';
import { ChatLayout } from '../conversations/ChatLayout';

withConversationScreen();

const GID = '7d9c2f8e-3b1a-4c5d-9e8f-0a1b2c3d4e5f';
const REF = { id: GID, name: 'Ops' };

function group(partial: Partial<Group> = {}): Group {
  return { id: GID, name: 'Ops', createdAt: '2026-11-01T00:00:00.000Z', role: 'owner', memberCount: 3, muted: false, pinned: false, archived: false, markedUnread: false, unread: 0, lastMessage: null, ...partial };
}

async function setup(
  history = [msg({ text: 'welcome', from: 'bob', to: 'alice', group: REF, state: 'read' })],
  receipts = { of: 2, delivered: [] as string[], read: [] as string[] },
  listed = group(),
  open: string | null = GID,
) {
  const calls: { url: string; init?: RequestInit }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      if (url === '/api/conversations') return jsonResponse(200, { conversations: [] });
      if (url === '/api/groups') return jsonResponse(200, { groups: [listed] });
      if (url === `/api/groups/${GID}/members`) {
        const members = ['alice', 'bob', 'carol'].map((username) => ({ username, role: username === 'alice' ? 'owner' : 'member', joinedAt: listed.createdAt }));
        return jsonResponse(200, { members });
      }
      if (url.startsWith(`/api/groups/${GID}/messages?`)) return jsonResponse(200, { messages: [...history].reverse(), nextBefore: null });
      if (url.startsWith(`/api/groups/${GID}/messages/`)) return jsonResponse(200, { id: url.split('/').at(-2), ...receipts });
      if (url === `/api/groups/${GID}/messages`) return jsonResponse(202, { id: '0192f5a4-7c1e-7a3b-9c4d-0000000fffff', partition: 0, offset: '7', sentAt: new Date().toISOString() });
      if (url === `/api/groups/${GID}/read`) return jsonResponse(200, { group: GID, upTo: JSON.parse(String(init?.body)).upTo, readAt: new Date().toISOString() });
      throw new Error(`unexpected ${url}`);
    }),
  );
  const fake = new FakeSocket();
  const client = testQueryClient();
  render(
    <QueryClientProvider client={client}>
      <SocketProvider me="alice" connect={() => fake.asSocket()} onSessionEnded={() => undefined}>
        <ChatLayout me="alice" peer={null} group={open} />
      </SocketProvider>
    </QueryClientProvider>,
  );
  await goLive(fake);
  return { fake, calls, client };
}

const log = () => screen.getByRole('log', { name: 'Messages in Ops' });

describe('a group conversation', () => {
  it('shows live messages with their senders and mentions, once, and acknowledges them', async () => {
    const { fake } = await setup();
    await within(await screen.findByRole('log', { name: 'Messages in Ops' })).findByText('welcome');
    const live = msg({ text: 'hi @alice, and @carol', from: 'carol', to: 'alice', group: REF });
    act(() => {
      fake.fire('message:new', { message: live, readingNow: true });
      fake.fire('message:new', { message: live, readingNow: true });
    });
    await waitFor(() => expect(within(log()).getAllByTestId('message')).toHaveLength(2));
    expect(within(log()).getByTestId('mention-me')).toHaveTextContent('@alice');
    expect(within(log()).getByTestId('mention')).toHaveTextContent('@carol');
    expect(log().querySelector('[data-from="carol"]')).not.toBeNull();
    expect(fake.sent('message:ack').flatMap((a) => a.ids)).toEqual([live.id]);
    // A group message never lands in a 1:1 conversation, not even one with its sender.
    expect(document.querySelector('a[data-peer]')).toBeNull();
    expect(document.querySelector(`a[data-group="${GID}"]`)).toHaveTextContent('carol: hi @alice, and @carol');
    // The server hears that this group is on screen.
    expect(fake.sent('focus:set')).toContainEqual({ peer: null, group: GID });
  });

  it('says who is typing: names, then a count', async () => {
    const { fake } = await setup();
    await within(await screen.findByRole('log', { name: 'Messages in Ops' })).findByText('welcome');
    act(() => fake.fire('typing:update', { from: 'bob', typing: true, group: GID }));
    expect(screen.getByTestId('typing-indicator')).toHaveTextContent('bob is typing…');
    act(() => fake.fire('typing:update', { from: 'carol', typing: true, group: GID }));
    expect(screen.getByTestId('typing-indicator')).toHaveTextContent('bob and carol are typing…');
    act(() => fake.fire('typing:update', { from: 'dave', typing: true, group: GID }));
    expect(screen.getByTestId('typing-indicator')).toHaveTextContent('3 people are typing…');
    // Typing in a 1:1 conversation is not typing here.
    act(() => fake.fire('typing:update', { from: 'erin', typing: true }));
    expect(screen.getByTestId('typing-indicator')).toHaveTextContent('3 people are typing…');
  });

  it('sends through the group endpoint with an Idempotency-Key, and tells the group I type', async () => {
    const { fake, calls } = await setup();
    await within(await screen.findByRole('log', { name: 'Messages in Ops' })).findByText('welcome');
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: 'Message Ops' }), 'deploy at 5');
    expect(fake.sent('typing:set')).toEqual([{ group: GID, typing: true }]);
    await user.keyboard('{Enter}');
    await waitFor(() => expect(calls.some((c) => c.url === `/api/groups/${GID}/messages` && c.init?.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.url === `/api/groups/${GID}/messages`);
    expect(JSON.parse(String(post?.init?.body))).toEqual({ text: 'deploy at 5' });
    expect(new Headers(post?.init?.headers).get('idempotency-key')).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(fake.sent('typing:set').at(-1)).toEqual({ group: GID, typing: false });
    await within(log()).findByText('deploy at 5');
    expect(within(log()).getAllByText('deploy at 5')).toHaveLength(1);
  });

  it('counts receipts on my latest message from the answer and live updates, and lists names on demand', async () => {
    const earlier = msg({ text: 'earlier', from: 'alice', to: 'alice', group: REF, state: 'read' });
    const mine = msg({ text: 'mine', from: 'alice', to: 'alice', group: REF, state: 'read' });
    const { fake } = await setup([earlier, msg({ text: 'welcome', from: 'bob', to: 'alice', group: REF, state: 'read' }), mine], { of: 2, delivered: ['bob'], read: [] });
    const summary = await screen.findByRole('button', { name: 'Delivered to 1 of 2 · Read by 0 of 2' });
    act(() => fake.fire('receipt:update', { peer: 'carol', group: GID, ids: [mine.id], state: 'read', at: new Date().toISOString() }));
    expect(summary).toHaveTextContent('Delivered to 2 of 2 · Read by 1 of 2');
    await userEvent.setup().click(summary);
    expect(summary).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByText('carol', { selector: 'dd' })).toBeInTheDocument();
    // An earlier message of mine shows its receipts on demand.
    await userEvent.setup().click(screen.getByRole('button', { name: 'Receipts' }));
    expect(await screen.findByRole('button', { name: 'Delivered to 1 of 2 · Read by 0 of 2' })).toBeInTheDocument();
  });

  it('once I am removed, says so and offers no composer; the group leaves the list', async () => {
    const { fake } = await setup();
    await within(await screen.findByRole('log', { name: 'Messages in Ops' })).findByText('welcome');
    expect(screen.getByRole('link', { name: /Ops/ })).toBeInTheDocument();
    act(() => fake.fire('group:update', { id: GID, group: null }));
    expect(await screen.findByTestId('not-member')).toHaveTextContent('You are no longer a member of this group.');
    expect(screen.queryByRole('textbox', { name: 'Message Ops' })).toBeNull();
    expect(screen.queryByRole('link', { name: /Ops/ })).toBeNull();
  });

  it('after a reload, a muted group adds its unread mentions of me to the title, and nothing else', async () => {
    const chatter = msg({ text: 'chatter', from: 'bob', to: 'alice', group: REF });
    const ping = msg({ text: 'look @alice', from: 'bob', to: 'alice', group: REF });
    const later = msg({ text: 'more chatter', from: 'carol', to: 'alice', group: REF });
    await setup([chatter, ping, later], undefined, group({ muted: true, unread: 3, lastMessage: later }), null);
    await waitFor(() => expect(document.title).toBe('(1) Messenger'));
    expect(document.querySelector(`a[data-group="${GID}"] [data-testid="unread-badge"]`)).toHaveAttribute('aria-label', 'muted, 3 unread, you were mentioned');
  });

  it('a muted group notifies only for a mention of me', async () => {
    const created: string[] = [];
    vi.stubGlobal(
      'Notification',
      Object.assign(
        function FakeNotification(title: string) {
          created.push(title);
        },
        { permission: 'granted' },
      ),
    );
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    const { fake } = await setup([], undefined, group({ muted: true }), null);
    await waitFor(() => expect(document.querySelector(`a[data-group="${GID}"]`)).not.toBeNull());
    act(() => fake.fire('message:new', { message: msg({ text: 'chatter', from: 'bob', to: 'alice', group: REF }), readingNow: false }));
    await settle();
    expect(created).toEqual([]);
    act(() => fake.fire('message:new', { message: msg({ text: 'look @alice', from: 'bob', to: 'alice', group: REF }), readingNow: false }));
    await settle();
    expect(created).toEqual(['Ops · bob']);
    vi.restoreAllMocks();
  });
});
