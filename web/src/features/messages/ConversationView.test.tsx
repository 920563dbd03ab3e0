import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { FakeSocket, jsonResponse, msg, settle, testQueryClient, withConversationScreen } from '../../test/fixtures';
import { ConversationView } from './ConversationView';
import { ingestReceipt } from './ingest';
import { setVisible } from '../connection/viewState';
import { SocketProvider } from '../connection/SocketProvider';
import { queryKeys } from '../../api/keys';
import type { Conversation } from '@messenger/protocol';

withConversationScreen();

const ID = '0192f5a4-7c1e-7a3b-9c4d-00000000abcd';
const accepted = { id: ID, partition: 1, offset: '42', sentAt: '2026-11-23T10:00:00.000Z' };

interface Call {
  url: string;
  init: RequestInit | undefined;
}

/** fetch stub: history is empty; /send answers with whatever `sendAnswers` yields next. */
function stubFetch(sendAnswers: (() => Promise<Response>)[]) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      if (url.startsWith('/api/conversations/bob/messages')) return jsonResponse(200, { messages: [], nextBefore: null });
      if (url === '/send') {
        const next = sendAnswers.shift();
        if (!next) throw new Error('unexpected send');
        return next();
      }
      throw new Error(`unexpected ${url}`);
    }),
  );
  return calls;
}

function renderView(client: QueryClient) {
  return render(
    <QueryClientProvider client={client}>
      <ConversationView me="alice" peer="bob" />
    </QueryClientProvider>,
  );
}

const state = () => screen.getByTestId('message').getAttribute('data-state');
const header = (c: Call, name: string) => new Headers(c.init?.headers).get(name);

describe('sending', () => {
  it('moves through sending → sent → delivered → read', async () => {
    let release!: (r: Response) => void;
    const calls = stubFetch([() => new Promise<Response>((resolve) => (release = resolve))]);
    const client = testQueryClient();
    renderView(client);
    await screen.findByText('No messages yet. Say hi to bob!');

    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: 'Message bob' }), 'hello there{Enter}');
    expect(screen.getByText('hello there')).toBeInTheDocument();
    expect(state()).toBe('sending');
    expect(screen.getByRole('img', { name: 'Sending' })).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Message bob' })).toHaveValue('');

    await act(async () => release(jsonResponse(202, accepted)));
    await waitFor(() => expect(state()).toBe('sent'));
    expect(screen.getByTestId('message')).toHaveAttribute('data-id', ID);
    const send = calls.find((c) => c.url === '/send');
    expect(JSON.parse(String(send?.init?.body))).toEqual({ to: 'bob', text: 'hello there' });
    expect(header(send!, 'idempotency-key')).toBeTruthy();

    act(() => ingestReceipt(client, 'alice', { peer: 'bob', ids: [ID], state: 'delivered', at: accepted.sentAt }));
    await waitFor(() => expect(state()).toBe('delivered'));
    act(() => ingestReceipt(client, 'alice', { peer: 'bob', ids: [ID], state: 'read', at: accepted.sentAt }));
    await waitFor(() => expect(state()).toBe('read'));
    // A late "delivered" never moves it back.
    await act(async () => {
      ingestReceipt(client, 'alice', { peer: 'bob', ids: [ID], state: 'delivered', at: accepted.sentAt });
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(state()).toBe('read');
  });

  it('names this tab’s socket in X-Socket-Id, so the server spares it the echo', async () => {
    const other = '0192f5a4-7c1e-7a3b-9c4d-00000000abce';
    const calls = stubFetch([async () => jsonResponse(202, { ...accepted, id: other })]);
    const client = testQueryClient();
    const fake = Object.assign(new FakeSocket(), { id: 'AbCdEfGhIjKlMnOpQrSt' });
    render(
      <QueryClientProvider client={client}>
        <SocketProvider me="alice" connect={() => fake.asSocket()} onSessionEnded={() => undefined}>
          <ConversationView me="alice" peer="bob" />
        </SocketProvider>
      </QueryClientProvider>,
    );
    await settle();
    await screen.findByText('No messages yet. Say hi to bob!');
    await userEvent.setup().type(screen.getByRole('textbox', { name: 'Message bob' }), 'from this tab{Enter}');
    await waitFor(() => expect(screen.getByTestId('message')).toHaveAttribute('data-id', other));
    const send = calls.find((c) => c.url === '/send');
    expect(header(send!, 'x-socket-id')).toBe('AbCdEfGhIjKlMnOpQrSt');
  });

  it('shows a failed send with Retry, and the retry reuses the Idempotency-Key', async () => {
    const calls = stubFetch([
      async () => jsonResponse(503, { error: { code: 'kafka_unavailable', message: 'Kafka is unavailable' } }),
      async () => jsonResponse(202, { ...accepted, id: '0192f5a4-7c1e-7a3b-9c4d-00000000beef' }),
    ]);
    renderView(testQueryClient());
    await screen.findByText('No messages yet. Say hi to bob!');
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: 'Message bob' }), 'try me{Enter}');

    await waitFor(() => expect(state()).toBe('failed'));
    expect(screen.getByRole('alert')).toHaveTextContent('Server busy. Not sent.');
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(state()).toBe('sent'));
    expect(screen.getAllByTestId('message')).toHaveLength(1);

    const sends = calls.filter((c) => c.url === '/send');
    expect(sends).toHaveLength(2);
    expect(header(sends[0]!, 'idempotency-key')).toBe(header(sends[1]!, 'idempotency-key'));
  });

  it('the composer: Shift+Enter is a new line, blank text is not sent, 4000 characters at most', async () => {
    const calls = stubFetch([]);
    renderView(testQueryClient());
    await screen.findByText('No messages yet. Say hi to bob!');
    const user = userEvent.setup();
    const box = screen.getByRole('textbox', { name: 'Message bob' });
    await user.type(box, 'one{Shift>}{Enter}{/Shift}two');
    expect(box).toHaveValue('one\ntwo');
    expect(screen.getByTestId('char-counter')).toHaveTextContent('7/4000');
    await user.clear(box);
    await user.type(box, '   {Enter}');
    expect(calls.some((c) => c.url === '/send')).toBe(false);
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
    expect(box).toHaveAttribute('maxlength', '4000');
  });
});

describe('around the list', () => {
  it('names the peer in the header, goes back to the list, and retries a history that failed to load', async () => {
    const answers = [jsonResponse(500, { error: { code: 'internal', message: 'Internal error' } }), jsonResponse(200, { messages: [], nextBefore: null })];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        const next = url.startsWith('/api/conversations/bob/messages') ? answers.shift() : undefined;
        if (!next) throw new Error(`unexpected ${url}`);
        return next;
      }),
    );
    window.history.pushState(null, '', '/c/bob');
    renderView(testQueryClient());
    expect(screen.getByRole('heading', { level: 2, name: 'bob' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Loading messages…');
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load messages.');
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No messages yet. Say hi to bob!')).toBeInTheDocument();
    expect(answers).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Back to conversations' }));
    expect(window.location.pathname).toBe('/');
  });
});

describe('read receipts', () => {
  it('marks the newest message from the peer read while the tab is visible: once, and again after a failure', async () => {
    const fromBob = msg({ text: 'are you there?', from: 'bob', to: 'alice', state: 'delivered' });
    const mine = msg({ text: 'one sec', from: 'alice', to: 'bob', state: 'delivered' });
    let fail!: () => void;
    const answers: (() => Promise<Response>)[] = [
      () => new Promise<Response>((resolve) => (fail = () => resolve(jsonResponse(503, { error: { code: 'unavailable', message: 'Try again' } })))),
      async () => jsonResponse(200, { peer: 'bob', upTo: fromBob.id, readAt: new Date().toISOString() }),
    ];
    const reads: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.startsWith('/api/conversations/bob/messages')) return jsonResponse(200, { messages: [fromBob, mine], nextBefore: null });
        const next = url === '/api/conversations/bob/read' ? answers.shift() : undefined;
        if (!next) throw new Error(`unexpected ${url}`);
        reads.push(JSON.parse(String(init?.body)));
        return next();
      }),
    );
    const toggle = async () => {
      await act(async () => setVisible(false));
      await act(async () => setVisible(true));
    };
    act(() => setVisible(false));
    try {
      renderView(testQueryClient());
      await screen.findByText('one sec');
      expect(reads).toEqual([]); // a hidden tab reads nothing
      await act(async () => setVisible(true));
      await waitFor(() => expect(reads).toEqual([{ upTo: fromBob.id }]));
      await toggle(); // while the first is in flight: not again
      expect(reads).toHaveLength(1);
      await act(async () => fail());
      await toggle(); // it failed: once more
      await waitFor(() => expect(reads).toEqual([{ upTo: fromBob.id }, { upTo: fromBob.id }]));
      await toggle(); // it succeeded: no more
      expect(reads).toHaveLength(2);
    } finally {
      act(() => setVisible(true));
    }
  });
});

describe('header: bot badge and mute', () => {
  it('marks a bot peer and mutes the conversation from the header, on the server', async () => {
    const puts: unknown[] = [];
    let refuse = false;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.startsWith('/api/conversations/bob/messages')) return jsonResponse(200, { messages: [], nextBefore: null });
        if (url === '/api/conversations/bob/mute' && init?.method === 'PUT') {
          const body = JSON.parse(String(init.body)) as { muted: boolean };
          puts.push(body);
          return refuse ? jsonResponse(503, { error: { code: 'service_unavailable', message: 'Temporarily unavailable. Retry later.' } }) : jsonResponse(200, { peer: 'bob', pinned: false, archived: false, markedUnread: false, ...body });
        }
        throw new Error(`unexpected ${url}`);
      }),
    );
    const client = testQueryClient();
    client.setQueryData(queryKeys.conversations, [{ peer: 'bob', bot: true, online: false, unread: 0, muted: false, pinned: false, archived: false, markedUnread: false, lastMessage: null }]);
    renderView(client);
    await screen.findByText('No messages yet. Say hi to bob!');
    expect(screen.getByTestId('bot-badge')).toHaveTextContent('bot');
    // The badge sits beside the heading, whose name stays the peer's.
    expect(screen.getByRole('heading', { level: 2, name: 'bob' })).toBeInTheDocument();
    const mute = screen.getByRole('button', { name: 'Mute bob' });
    expect(mute).toHaveAttribute('aria-pressed', 'false');
    const user = userEvent.setup();
    await user.click(mute);
    expect(mute).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('peer-status')).toHaveTextContent('offline · muted');
    await waitFor(() => expect(puts).toEqual([{ muted: true }]));
    expect(client.getQueryData<Conversation[]>(queryKeys.conversations)?.[0]?.muted).toBe(true);
    // Refused: the button shows the server's setting again, and says why.
    refuse = true;
    await user.click(mute);
    expect(await screen.findByRole('alert')).toHaveTextContent('Temporarily unavailable');
    expect(mute).toHaveAttribute('aria-pressed', 'true');
    expect(puts).toEqual([{ muted: true }, { muted: false }]);
  });

  it('shows no badge for a person', async () => {
    stubFetch([]);
    const client = testQueryClient();
    client.setQueryData(queryKeys.conversations, [{ peer: 'bob', online: false, unread: 0, muted: false, lastMessage: null }]);
    renderView(client);
    await screen.findByText('No messages yet. Say hi to bob!');
    expect(screen.queryByTestId('bot-badge')).not.toBeInTheDocument();
  });
});
