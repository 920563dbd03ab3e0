import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testQueryClient } from '../../test/fixtures';
import { AuthScreen } from './AuthScreen';

afterEach(() => vi.unstubAllGlobals());

function renderSignup() {
  render(
    <QueryClientProvider client={testQueryClient()}>
      <AuthScreen mode="signup" />
    </QueryClientProvider>,
  );
}

async function signUp(username: string, password: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Username'), username);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign up' }));
}

describe('AuthScreen sign-up: why a password is refused', () => {
  it('shows the server’s reason under the password field', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        Response.json(
          { error: { code: 'password_too_common', message: 'That password is on a list of common or leaked passwords, which attackers try first. Choose another.' } },
          { status: 400 },
        ),
      ),
    );
    renderSignup();
    await signUp('dora', 'iloveyou2');
    const field = screen.getByLabelText('Password');
    await waitFor(() => expect(field).toHaveAccessibleDescription(expect.stringContaining('common or leaked passwords')));
    expect(field).toHaveAttribute('aria-invalid', 'true');
  });

  it('explains the length and username rules without a round trip', async () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    renderSignup();
    await signUp('dora', 'short');
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(expect.stringContaining('Use at least 8 characters.'));
    await userEvent.setup().type(screen.getByLabelText('Password'), ' but DORA is in it');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Sign up' }));
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(expect.stringContaining('must not contain your username'));
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('AuthScreen sign-up: the username (issue 18)', () => {
  /** The element a field's error is in comes before the next field, not after the password. */
  const before = (a: Element, b: Element) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;

  it('shows the password rule up front, as the password field’s description', () => {
    renderSignup();
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(expect.stringContaining('At least 8 characters'));
  });

  it('explains a bad username under the username field, not under the password', async () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    renderSignup();
    await signUp('a!', 'a long passphrase');
    const field = screen.getByLabelText('Username');
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription(expect.stringContaining('Usernames are 3–32 characters'));
    const error = screen.getByText(/Usernames are 3–32 characters/);
    expect(before(error, screen.getByLabelText('Password'))).toBe(true);
    expect(screen.getByLabelText('Password')).not.toHaveAttribute('aria-invalid', 'true');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('says a taken username under the username field', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Response.json({ error: { code: 'username_taken', message: 'That username is taken.' } }, { status: 409 })));
    renderSignup();
    await signUp('dora', 'a long passphrase');
    const field = screen.getByLabelText('Username');
    await waitFor(() => expect(field).toHaveAccessibleDescription(expect.stringContaining('That username is taken')));
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(before(screen.getByText(/That username is taken/), screen.getByLabelText('Password'))).toBe(true);
  });

  it('says before submitting that "Alice" will be "alice", and signs up as that', async () => {
    const fetch = vi.fn(async (_url: string, init?: RequestInit) => Response.json({ username: JSON.parse(String(init?.body)).username }, { status: 201 }));
    vi.stubGlobal('fetch', fetch);
    renderSignup();
    const user = userEvent.setup();
    const field = screen.getByLabelText('Username');
    await user.type(field, 'Alice');
    expect(field).toHaveValue('Alice');
    expect(field).toHaveAccessibleDescription(/You will be “\s*alice\s*”/);
    expect(screen.getByText(/You will be/)).toHaveTextContent('You will be “alice”: usernames are lower-case.');
    await user.clear(field);
    await user.type(field, 'alice');
    expect(screen.queryByText(/You will be/)).not.toBeInTheDocument();
    await user.clear(field);
    await user.type(field, 'Alice');
    await user.type(screen.getByLabelText('Password'), 'a long passphrase');
    await user.click(screen.getByRole('button', { name: 'Sign up' }));
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    expect(JSON.parse(String(fetch.mock.calls[0]?.[1]?.body))).toMatchObject({ username: 'alice' });
  });
});
