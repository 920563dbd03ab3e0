// Message actions in the conversation view (issue 18): the menu's keyboard path, edit mode (↑,
// Esc), the reply quote, reaction toggling, and a refused action rolled back with a message.
import type { ChatMessage } from '@messenger/protocol';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { queryKeys } from '../../api/keys';
import { jsonResponse, msg, testQueryClient, withConversationScreen } from '../../test/fixtures';
import { ConversationView } from './ConversationView';

withConversationScreen();

const SENT = { id: '0192f5a4-7c1e-7a3b-9c4d-00000000beef', partition: 0, offset: '7', sentAt: '2026-11-30T10:00:00.000Z' };

interface Call {
  url: string;
  method: string;
  body: unknown;
}

/** The server: bob's history is `history`; action routes answer `answer(call)` (202 by default). */
function stubServer(history: ChatMessage[], answer: (call: Call) => Response | undefined = () => undefined) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const call = { url, method: init?.method ?? 'GET', body: init?.body ? JSON.parse(String(init.body)) : undefined };
      calls.push(call);
      if (url.startsWith('/api/conversations/bob/messages')) return jsonResponse(200, { messages: [...history].reverse(), nextBefore: null });
      if (url === '/send') return jsonResponse(202, SENT);
      if (url === '/api/conversations/bob/read') return jsonResponse(204);
      if (url.startsWith('/api/messages/')) {
        const id = decodeURIComponent(url.split('/')[3]!.split('?')[0]!);
        return answer(call) ?? jsonResponse(202, { id: '0192f5a4-7c1e-7a3b-9c4d-0000000c4a2e', messageId: id, kind: 'edit', at: new Date().toISOString() });
      }
      throw new Error(`unexpected ${url}`);
    }),
  );
  return calls;
}

function renderView(client: QueryClient = testQueryClient()) {
  render(
    <QueryClientProvider client={client}>
      <ConversationView me="alice" peer="bob" />
    </QueryClientProvider>,
  );
}

const article = (text: string) => screen.getAllByRole('article').find((a) => a.textContent?.includes(text))!;
const actionCalls = (calls: Call[]) => calls.filter((c) => c.url.startsWith('/api/messages/'));
const menuItemsOf = (menu: HTMLElement) => [...menu.querySelectorAll<HTMLElement>('[role^="menuitem"]')];
const box = () => screen.getByRole('textbox', { name: 'Message bob' });

describe('message actions', () => {
  it('walks the messages with ↑/↓, opens the menu with Enter (roving focus), and Esc puts the focus back on the message', async () => {
    stubServer([msg({ text: 'first from bob' }), msg({ text: 'mine', from: 'alice', to: 'bob' })]);
    renderView();
    await screen.findByText('mine');
    const list = screen.getByRole('log');
    list.focus();
    fireEvent.keyDown(list, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(article('mine'));
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(article('first from bob'));
    // Its accessible name keeps the sender.
    expect(article('first from bob')).toHaveAccessibleName(/^bob: first from bob/);

    fireEvent.keyDown(document.activeElement!, { key: 'Enter' });
    const menu = await screen.findByRole('menu', { name: 'Actions for bob’s message' });
    expect(document.activeElement).toBe(within(menu).getByRole('menuitemcheckbox', { name: 'React with thumbs up' }));
    const items = menuItemsOf(menu);
    fireEvent.keyDown(document.activeElement!, { key: 'End' });
    expect(document.activeElement).toBe(items.at(-1));
    expect(items.at(-1)).toHaveAccessibleName('Delete for me');
    // Not mine: no Edit, no Delete for everyone.
    expect(within(menu).queryByRole('menuitem', { name: 'Edit' })).toBeNull();
    expect(within(menu).queryByRole('menuitem', { name: 'Delete for everyone' })).toBeNull();
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(items[0]);
    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(article('first from bob'));

    // Shift+F10 and the Menu key open it too.
    fireEvent.keyDown(document.activeElement!, { key: 'F10', shiftKey: true });
    expect(await screen.findByRole('menu')).toBeInTheDocument();
    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    fireEvent.keyDown(document.activeElement!, { key: 'ContextMenu' });
    expect(await screen.findByRole('menu')).toBeInTheDocument();
  });

  it('names the menu by the author’s display name, like the rest of the screen', async () => {
    stubServer([msg({ text: 'from bob' })]);
    const client = testQueryClient();
    client.setQueryData(queryKeys.profile('bob'), { username: 'bob', displayName: 'Bob Builder', avatarUrl: null });
    renderView(client);
    await screen.findByText('from bob');
    fireEvent.contextMenu(article('from bob'));
    expect(await screen.findByRole('menu', { name: 'Actions for Bob Builder’s message' })).toBeInTheDocument();
  });

  it('edits my last message with ↑ in an empty composer, saves with Enter, and shows “edited”; Esc cancels', async () => {
    const calls = stubServer([msg({ text: 'hello', from: 'alice', to: 'bob' }), msg({ text: 'from bob' })]);
    renderView();
    await screen.findByText('hello');
    const user = userEvent.setup();
    await user.click(box());
    await user.keyboard('{ArrowUp}');
    expect(await screen.findByTestId('editing-bar')).toHaveTextContent('Editing your message');
    await waitFor(() => expect(box()).toHaveValue('hello'));
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('editing-bar')).toBeNull();
    expect(box()).toHaveValue('');

    await user.type(box(), 'draft');
    await user.clear(box());
    await user.keyboard('{ArrowUp}');
    await waitFor(() => expect(box()).toHaveValue('hello'));
    await user.clear(box());
    await user.type(box(), 'hello, fixed{Enter}');
    // “edited” is in its accessible name, the time it was edited in the tooltip.
    await waitFor(() => expect(article('hello, fixed')).toHaveAccessibleName(/^You: hello, fixed ?, edited ?,/));
    expect(within(article('hello, fixed')).getByText('edited')).toHaveAttribute('title', expect.stringMatching(/^Edited /));
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.body).toEqual({ text: 'hello, fixed' });
    expect(screen.queryByTestId('editing-bar')).toBeNull();
  });

  it('opens the menu with a long press on a touch screen, not with a short tap', async () => {
    // jsdom has no PointerEvent: without one, pointerType never reaches the handler.
    class TouchablePointerEvent extends MouseEvent {
      readonly pointerType: string;
      constructor(type: string, init: PointerEventInit = {}) {
        super(type, init);
        this.pointerType = init.pointerType ?? '';
      }
    }
    vi.stubGlobal('PointerEvent', TouchablePointerEvent);
    stubServer([msg({ text: 'press me' })]);
    renderView();
    await screen.findByText('press me');
    const target = article('press me');
    // The press's own clock: no real waiting, and a short tap is seen not to open it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      fireEvent.pointerDown(target, { pointerType: 'touch', clientX: 40, clientY: 40 });
      act(() => void vi.advanceTimersByTime(200));
      fireEvent.pointerUp(target, { pointerType: 'touch' });
      fireEvent.pointerDown(target, { pointerType: 'mouse' });
      act(() => void vi.advanceTimersByTime(1000));
      expect(screen.queryByRole('menu')).toBeNull();
      fireEvent.pointerDown(target, { pointerType: 'touch', clientX: 40, clientY: 40 });
      act(() => void vi.advanceTimersByTime(500));
      expect(screen.getByRole('menu')).toBeInTheDocument();
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not edit an older message with ↑ while my newest is still sending', async () => {
    let release!: () => void;
    stubServer([msg({ text: 'older one', from: 'alice', to: 'bob' })]);
    const answer = globalThis.fetch;
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string, init?: RequestInit) => (url === '/send' ? new Promise<Response>((resolve) => (release = () => resolve(jsonResponse(202, SENT)))) : answer(url, init))),
    );
    renderView();
    await screen.findByText('older one');
    const user = userEvent.setup();
    await user.type(box(), 'newest one{Enter}');
    await user.keyboard('{ArrowUp}');
    expect(screen.queryByTestId('editing-bar')).toBeNull();
    await act(async () => release());
    await waitFor(() => expect(article('newest one')).toHaveAttribute('data-id', SENT.id));
    await user.keyboard('{ArrowUp}');
    await waitFor(() => expect(box()).toHaveValue('newest one'));
  });

  it('replies with a quote: the bar above the composer, replyTo on the send, the quote on the sent message; Esc cancels', async () => {
    const original = msg({ text: 'lunch at noon?' });
    const calls = stubServer([original]);
    renderView();
    await screen.findByText('lunch at noon?');
    const user = userEvent.setup();
    fireEvent.contextMenu(article('lunch at noon?'));
    await user.click(within(await screen.findByRole('menu')).getByRole('menuitem', { name: 'Reply' }));
    expect(screen.getByTestId('reply-bar')).toHaveTextContent('Replying to bob');
    expect(screen.getByTestId('reply-bar')).toHaveTextContent('lunch at noon?');
    await waitFor(() => expect(box()).toHaveFocus());
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('reply-bar')).toBeNull();

    await user.click(within(article('lunch at noon?')).getByRole('button', { name: 'Reply' }));
    await user.type(box(), 'yes!{Enter}');
    expect(screen.queryByTestId('reply-bar')).toBeNull();
    await waitFor(() => expect(calls.find((c) => c.url === '/send')?.body).toEqual({ to: 'bob', text: 'yes!', replyTo: original.id }));
    const reply = article('yes!');
    expect(within(reply).getByTestId('quote')).toHaveTextContent('bob');
    expect(within(reply).getByTestId('quote')).toHaveTextContent('lunch at noon?');
  });

  it('toggles my reaction from the menu and from its chip', async () => {
    const target = msg({ text: 'ship it', reactions: [{ emoji: '🎉', users: ['bob'] }] });
    const calls = stubServer([target]);
    renderView();
    await screen.findByText('ship it');
    const user = userEvent.setup();
    fireEvent.contextMenu(article('ship it'));
    await user.click(within(await screen.findByRole('menu')).getByRole('menuitemcheckbox', { name: 'React with thumbs up' }));
    const chip = await within(article('ship it')).findByRole('button', { name: 'thumbs up: you' });
    expect(chip).toHaveAttribute('aria-pressed', 'true');
    expect(actionCalls(calls).at(-1)).toMatchObject({ method: 'PUT', url: `/api/messages/${target.id}/reactions/${encodeURIComponent('👍')}` });

    await user.click(within(article('ship it')).getByRole('button', { name: 'party popper: bob' }));
    expect(within(article('ship it')).getByRole('button', { name: 'party popper: bob and you' })).toHaveTextContent('2');
    await user.click(chip);
    await waitFor(() => expect(within(article('ship it')).queryByRole('button', { name: /thumbs up/ })).toBeNull());
    expect(actionCalls(calls).at(-1)).toMatchObject({ method: 'DELETE', url: `/api/messages/${target.id}/reactions/${encodeURIComponent('👍')}` });
  });

  it('rolls a refused action back and says why', async () => {
    stubServer([msg({ text: 'old words', from: 'alice', to: 'bob' })], (call) =>
      call.method === 'PATCH'
        ? jsonResponse(403, { error: { code: 'edit_window_closed', message: 'The edit window has closed.' } })
        : jsonResponse(409, { error: { code: 'too_many_reactions', message: 'Too many.' } }),
    );
    renderView();
    await screen.findByText('old words');
    const user = userEvent.setup();
    await user.click(box());
    await user.keyboard('{ArrowUp}');
    await waitFor(() => expect(box()).toHaveValue('old words'));
    await user.clear(box());
    await user.type(box(), 'new words{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('This message is too old to change now.');
    await waitFor(() => expect(article('old words')).toBeInTheDocument());
    expect(screen.queryByText('new words')).toBeNull();
    expect(article('old words')).not.toHaveAttribute('data-edited');

    fireEvent.contextMenu(article('old words'));
    await user.click(within(await screen.findByRole('menu')).getByRole('menuitemcheckbox', { name: 'React with red heart' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This message cannot take another kind of reaction.');
    await waitFor(() => expect(within(article('old words')).queryByRole('group', { name: 'Reactions' })).toBeNull());
  });

  it('deletes for everyone after a confirm, and shows only “This message was deleted” with no actions but Delete for me', async () => {
    const calls = stubServer([msg({ text: 'oops', from: 'alice', to: 'bob' })]);
    renderView();
    await screen.findByText('oops');
    const user = userEvent.setup();
    fireEvent.contextMenu(article('oops'));
    await user.click(within(await screen.findByRole('menu')).getByRole('menuitem', { name: 'Delete for everyone' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete for everyone?' });
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(article('This message was deleted')).toHaveAccessibleName(/^You: This message was deleted ?,/));
    expect(actionCalls(calls).at(-1)).toMatchObject({ method: 'DELETE', url: expect.stringContaining('?for=everyone') });
    fireEvent.contextMenu(article('This message was deleted'));
    const menu = await screen.findByRole('menu');
    expect(menuItemsOf(menu).map((i) => i.textContent)).toEqual(['Delete for me']);
    await act(async () => undefined);
  });
});
