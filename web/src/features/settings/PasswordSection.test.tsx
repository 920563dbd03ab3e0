import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testQueryClient } from '../../test/fixtures';
import { PasswordSection } from './PasswordSection';

afterEach(() => vi.unstubAllGlobals());

const answer = (status: number, body?: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const refusal = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  answer(status, { error: { code, message } }, headers);

function stubFetch(reply: (url: string, body: unknown) => Response) {
  const calls: { url: string; body: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
      calls.push({ url, body });
      return reply(url, body);
    }),
  );
  return calls;
}

function renderSection() {
  render(
    <QueryClientProvider client={testQueryClient()}>
      <PasswordSection me="alice" />
    </QueryClientProvider>,
  );
}

async function fill(current: string, next: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Current password'), current);
  await user.type(screen.getByLabelText('New password'), next);
  await user.click(screen.getByRole('button', { name: 'Change password' }));
}

describe('Settings → Password: change password', () => {
  it('shows why the server refused the new password, under the new-password field', async () => {
    const calls = stubFetch(() =>
      refusal(400, 'password_too_common', 'That password is on a list of common or leaked passwords, which attackers try first. Choose another.'),
    );
    renderSection();
    await fill('my old passphrase', 'password123');
    const field = screen.getByLabelText('New password');
    await waitFor(() => expect(field).toHaveAccessibleDescription(expect.stringContaining('list of common or leaked passwords')));
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(calls).toEqual([{ url: '/api/auth/password', body: { currentPassword: 'my old passphrase', newPassword: 'password123' } }]);
  });

  it('refuses a password containing the username before asking the server', async () => {
    const calls = stubFetch(() => answer(204));
    renderSection();
    await fill('my old passphrase', 'I am ALICE, hello');
    expect(screen.getByLabelText('New password')).toHaveAccessibleDescription(expect.stringContaining('must not contain your username'));
    expect(calls).toEqual([]);
  });

  it('says under the current-password field when that one is wrong', async () => {
    stubFetch(() => refusal(401, 'invalid_credentials', 'Wrong username or password.'));
    renderSection();
    await fill('not it', 'a fresh passphrase');
    await waitFor(() =>
      expect(screen.getByLabelText('Current password')).toHaveAccessibleDescription('That is not your current password.'),
    );
  });

  it('tells how long to wait when throttled', async () => {
    stubFetch(() => refusal(429, 'rate_limited', 'Too many failed sign-ins.', { 'Retry-After': '42' }));
    renderSection();
    await fill('not it', 'a fresh passphrase');
    await waitFor(() => expect(screen.getByLabelText('Current password')).toHaveAccessibleDescription(expect.stringContaining('42 s')));
  });

  it('confirms a change and clears the fields', async () => {
    stubFetch(() => answer(204));
    renderSection();
    await fill('my old passphrase', 'a fresh passphrase');
    expect(await screen.findByRole('status')).toHaveTextContent('Password changed. Every other device was signed out.');
    expect(screen.getByLabelText('New password')).toHaveValue('');
  });
});

describe('Settings → Password: sign out everywhere', () => {
  it('asks for confirmation, then ends every session and goes to sign-in', async () => {
    const calls = stubFetch(() => answer(204));
    renderSection();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Sign out everywhere…' }));
    expect(calls).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Yes, sign out everywhere' }));
    await waitFor(() => expect(window.location.pathname).toBe('/signin'));
    expect(calls).toEqual([{ url: '/api/auth/logout-everywhere', body: undefined }]);
  });
});
