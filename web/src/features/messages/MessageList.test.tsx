import { render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { msg, withFakeLayout } from '../../test/fixtures';
import { MessageList } from './MessageList';
import { buildRows } from './rows';

withFakeLayout();

function renderList(messages: ReturnType<typeof msg>[], props: Partial<Parameters<typeof MessageList>[0]> = {}) {
  const rows = buildRows(messages, [], 'alice', new Date('2026-11-23T12:00:00Z'));
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
    const started = performance.now();
    renderList(many);
    const rendered = screen.getAllByTestId('message').length;
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(100);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('asks for older pages when the top is near', () => {
    const onLoadOlder = vi.fn();
    renderList([msg({ text: 'only' })], { hasOlder: true, onLoadOlder });
    expect(onLoadOlder).toHaveBeenCalled();
  });
});
