import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { msg, withFakeLayout, withQueries } from '../../test/fixtures';
import { MessageList } from './MessageList';
import { buildRows } from './rows';
import { firstOfLastUnread, firstUnread } from './unread-divider';

withFakeLayout();

function renderList(messages: ReturnType<typeof msg>[], props: Partial<Parameters<typeof MessageList>[0]> = {}, unreadFrom?: string) {
  const rows = buildRows(messages, [], 'alice', new Date('2026-11-23T12:00:00Z'), unreadFrom);
  // Senders are named by their profiles (api/profiles.ts), which live in the query cache.
  return render(
    <MessageList
      rows={rows}
      me="alice"
      peer="bob"
      hasOlder={false}
      loadingOlder={false}
      onLoadOlder={() => undefined}
      onRetry={() => undefined}
      onDiscard={() => undefined}
      {...props}
    />,
    withQueries(),
  );
}

describe('MessageList', () => {
  it('is a labelled live log', () => {
    renderList([msg({ text: 'hello' })]);
    const log = screen.getByRole('log', { name: 'Messages with bob' });
    expect(log).toHaveAttribute('aria-live', 'polite');
    expect(within(log).getByText('hello')).toBeInTheDocument();
  });

  it('renders markup as text, never as HTML', () => {
    const evil = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    const { container } = renderList([msg({ text: evil })]);
    expect(screen.getByText(evil)).toBeInTheDocument();
    expect(container.querySelector('img, script')).toBeNull();
  });

  it('links only http(s) URLs, opening in a new tab without an opener', () => {
    renderList([msg({ text: 'see https://example.com/x?y=1. not javascript:alert(1) nor data:text/html,hi' })]);
    const links = screen.getAllByRole('link');
    expect(links).toHaveLength(1);
    expect(links[0]).toHaveAttribute('href', 'https://example.com/x?y=1');
    expect(links[0]).toHaveAttribute('target', '_blank');
    expect(links[0]).toHaveAttribute('rel', 'noopener noreferrer');
  });

  it('separates days and shows states only on my messages', () => {
    const yesterday = Date.UTC(2026, 10, 22, 9, 0, 0);
    const today = Date.UTC(2026, 10, 23, 9, 0, 0);
    renderList([msg({ text: 'old', from: 'alice', to: 'bob', state: 'read' }, yesterday), msg({ text: 'new' }, today)]);
    expect(screen.getByRole('separator', { name: 'Yesterday' })).toBeInTheDocument();
    expect(screen.getByRole('separator', { name: 'Today' })).toBeInTheDocument();
    expect(screen.getAllByTestId('message-state')).toHaveLength(1);
    expect(screen.getByRole('img', { name: 'Read' })).toBeInTheDocument();
  });

  it('renders only a window of 10,000 messages', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => msg({ text: `message ${i}` }, Date.UTC(2026, 10, 23, 0, 0, 0) + i));
    renderList(many);
    const rendered = screen.getAllByTestId('message').length;
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(100);
  });

  it('asks for older pages when the top is near', () => {
    const onLoadOlder = vi.fn();
    renderList([msg({ text: 'only' })], { hasOlder: true, onLoadOlder });
    expect(onLoadOlder).toHaveBeenCalled();
  });
});

describe('opened at a search result', () => {
  const many = () => Array.from({ length: 300 }, (_, i) => msg({ text: `message ${i}` }, Date.UTC(2026, 10, 23, 0, 0, 0) + i));

  // jsdom has no scrolling: where the list scrolls to is the e2e's to show (search.spec.ts).
  it('highlights the result, and only it', () => {
    const history = many().slice(0, 30);
    renderList(history, { focusId: history[5]!.id, hasNewer: true });
    const focused = screen.getAllByTestId('message').filter((m) => m.closest('[data-focused]'));
    expect(focused).toHaveLength(1);
    expect(focused[0]).toHaveTextContent('message 5');
    expect(focused[0]?.closest('.row')).toHaveClass('message-focus');
  });

  it('leaves the window with "Jump to latest" while newer messages are not loaded', async () => {
    const history = many();
    const onJumpToLatest = vi.fn();
    renderList(history.slice(0, 200), { focusId: history[100]!.id, hasNewer: true, onJumpToLatest });
    await userEvent.click(screen.getByRole('button', { name: 'Jump to latest' }));
    expect(onJumpToLatest).toHaveBeenCalled();
  });
});

describe('the "New messages" divider', () => {
  const history = () => [
    msg({ text: 'read one', state: 'read' }),
    msg({ text: 'mine', from: 'alice', to: 'bob', state: 'delivered' }),
    msg({ text: 'first new', state: 'delivered' }),
    msg({ text: 'second new', state: 'sent' }),
  ];

  it('goes before the first message to me that I have not read', () => {
    const messages = history();
    expect(firstUnread(messages, 'alice')?.text).toBe('first new');
    renderList(messages, {}, firstUnread(messages, 'alice')?.id);
    const texts = screen.getAllByRole('separator').map((s) => s.getAttribute('aria-label'));
    expect(texts).toEqual(['Today', 'New messages']);
    // In reading order: the divider sits between the last read message and the first new one.
    const order = [...screen.getByRole('log').querySelectorAll('[data-testid="unread-divider"], [data-testid="message"]')].map((e) =>
      e.getAttribute('data-testid') === 'unread-divider' ? '—' : e.querySelector('.text')?.textContent,
    );
    expect(order).toEqual(['read one', 'mine', '—', 'first new', 'second new']);
  });

  it('is absent when everything is read', () => {
    const messages = history().map((m) => ({ ...m, state: 'read' as const }));
    expect(firstUnread(messages, 'alice')).toBeUndefined();
    renderList(messages, {}, undefined);
    expect(screen.queryByTestId('unread-divider')).toBeNull();
  });

  it('for a count of unread (a group): before the oldest of the last N from others', () => {
    const messages = history();
    expect(firstOfLastUnread(messages, 'alice', 2)?.text).toBe('first new');
    expect(firstOfLastUnread(messages, 'alice', 0)).toBeUndefined();
    // More unread than loaded: the oldest loaded message from others.
    expect(firstOfLastUnread(messages, 'alice', 9)?.text).toBe('read one');
  });
});
