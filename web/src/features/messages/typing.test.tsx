import { QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket, settle, testQueryClient } from '../../test/fixtures';
import { SocketProvider } from '../connection/SocketProvider';
import { ConversationView } from './ConversationView';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

async function renderWithSocket() {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(JSON.stringify({ messages: [], nextBefore: null, conversations: [] }), { status: 200 })),
  );
  const fake = new FakeSocket();
  render(
    <QueryClientProvider client={testQueryClient()}>
      <SocketProvider me="alice" connect={() => fake.asSocket()} onSessionEnded={() => undefined}>
        <ConversationView me="alice" peer="bob" />
      </SocketProvider>
    </QueryClientProvider>,
  );
  await settle();
  return fake;
}

describe('typing', () => {
  it('shows the peer typing, and hides it after a stop or ~5 s of silence', async () => {
    const fake = await renderWithSocket();
    await screen.findByText('No messages yet. Say hi to bob!');
    vi.useFakeTimers();
    act(() => fake.fire('typing:update', { from: 'bob', typing: true }));
    expect(screen.getByTestId('typing-indicator')).toHaveTextContent('bob is typing…');
    act(() => fake.fire('typing:update', { from: 'bob', typing: false }));
    expect(screen.queryByTestId('typing-indicator')).toBeNull();

    act(() => fake.fire('typing:update', { from: 'bob', typing: true }));
    expect(screen.getByTestId('typing-indicator')).toBeInTheDocument();
    act(() => void vi.advanceTimersByTime(5200));
    expect(screen.queryByTestId('typing-indicator')).toBeNull();
    // Someone else typing is not shown here.
    act(() => fake.fire('typing:update', { from: 'carol', typing: true }));
    expect(screen.queryByTestId('typing-indicator')).toBeNull();
  });

  it('tells the peer while I type, and stops when I send', async () => {
    const fake = await renderWithSocket();
    await screen.findByText('No messages yet. Say hi to bob!');
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: 'Message bob' }), 'hey');
    expect(fake.sent('typing:set')).toEqual([{ to: 'bob', typing: true }]);
    await user.keyboard('{Enter}');
    expect(fake.sent('typing:set').at(-1)).toEqual({ to: 'bob', typing: false });
  });
});
