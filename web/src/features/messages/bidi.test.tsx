import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { msg, withFakeLayout, withQueries } from '../../test/fixtures';
import { MessageList } from './MessageList';
import { buildRows } from './rows';

withFakeLayout();

function renderText(text: string, peer = 'bob') {
  const rows = buildRows([msg({ text })], [], 'alice', new Date('2026-11-23T12:00:00Z'));
  return render(
    <MessageList rows={rows} me="alice" peer={peer} hasOlder={false} loadingOlder={false} onLoadOlder={() => undefined} onRetry={() => undefined} onDiscard={() => undefined} />,
    withQueries(),
  );
}

describe('bidi in message text', () => {
  it('isolates the text and drops overrides, so "photo\\u202Etxt.exe" cannot read as "photoexe.txt"', () => {
    const { container } = renderText('photo\u202Etxt.exe and \u202Dthe rest\u202C');
    const text = container.querySelector('.bubble .text');
    expect(text).toHaveAttribute('dir', 'auto');
    expect(text?.textContent).toBe('phototxt.exe and the rest');
  });

  it('keeps right-to-left text and isolates as they are', () => {
    const { container } = renderText('\u05e9\u05dc\u05d5\u05dd \u2067abc\u2069');
    expect(container.querySelector('.bubble .text')?.textContent).toBe('\u05e9\u05dc\u05d5\u05dd \u2067abc\u2069');
  });

  it('isolates each link label and drops overrides from it', () => {
    renderText('get https://example.com/\u202Egpj.exe now');
    const link = screen.getByRole('link');
    expect(link.firstElementChild?.tagName).toBe('BDI');
    expect(link.textContent).toBe('https://example.com/gpj.exe');
  });
});
