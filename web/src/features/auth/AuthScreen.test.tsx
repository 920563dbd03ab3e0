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
