import type { Profile } from '@messenger/protocol';
import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { queryKeys } from '../../api/keys';
import { testQueryClient } from '../../test/fixtures';
import { SettingsPage } from './SettingsPage';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const refusal = (status: number, code: string, message: string) => json(status, { error: { code, message } });

const PICTURE = '/api/users/alice/avatar?v=0123456789abcdef';
const alice = (displayName: string | null = null, avatarUrl: string | null = null): Profile => ({ username: 'alice', displayName, avatarUrl });

interface Call {
  method: string;
  url: string;
  body: unknown;
}

/** The server: lists answer empty, profile writes answer with `write` (the new profile, or a refusal). */
function stubServer(write: (call: Call) => Response = () => json(200, alice())) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : init?.body;
      const call = { method, url, body };
      if (url.startsWith('/api/me/')) {
        calls.push(call);
        return write(call);
      }
      if (url.startsWith('/api/profiles')) return json(200, { profiles: [alice()] });
      if (url.includes('bots')) return json(200, { bots: [] });
      if (url.includes('tokens')) return json(200, { tokens: [] });
      if (url.includes('webhooks')) return json(200, { webhooks: [] });
      if (url.includes('groups')) return json(200, { groups: [] });
      return json(404, { error: { code: 'not_found', message: 'Not found.' } });
    }),
  );
  return calls;
}

function renderPage(profile: Profile = alice()) {
  const client = testQueryClient();
  client.setQueryData(queryKeys.profile('alice'), profile);
  render(
    <QueryClientProvider client={client}>
      <SettingsPage me="alice" />
    </QueryClientProvider>,
  );
  return client;
}

const profileSection = () => screen.getByRole('region', { name: 'Profile' });

beforeEach(() => {
  // jsdom has no object URLs; the preview only needs one to exist.
  URL.createObjectURL = vi.fn(() => 'blob:preview');
  URL.revokeObjectURL = vi.fn();
});
afterEach(() => vi.unstubAllGlobals());

describe('the settings page', () => {
  it('has one heading per section, under the page’s own', () => {
    stubServer();
    renderPage();
    expect(screen.getByRole('heading', { level: 2, name: 'Settings' })).toBeInTheDocument();
    const sections = screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent);
    expect(sections).toEqual(['Profile', 'Password', 'Notifications', 'Bots, tokens and webhooks']);
    // The password change moved here from its own dialog.
    expect(within(screen.getByRole('region', { name: 'Password' })).getByRole('button', { name: 'Change password' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign out everywhere…' })).toBeInTheDocument();
  });
});

describe('Settings → Profile: the display name', () => {
  it('says which rule a name breaks, by the contract’s rules, before asking the server', async () => {
    const calls = stubServer();
    renderPage();
    const user = userEvent.setup();
    const field = within(profileSection()).getByLabelText('Display name');
    await user.type(field, 'evil\u202Egnp.exe');
    await user.click(screen.getByRole('button', { name: 'Save name' }));
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription(expect.stringContaining('must not hold bidirectional embedding, override or isolate characters'));

    await user.clear(field);
    await user.type(field, 'x'.repeat(65));
    await user.click(screen.getByRole('button', { name: 'Save name' }));
    expect(field).toHaveAccessibleDescription(expect.stringContaining('must be at most 64 characters'));
    expect(calls).toEqual([]);
  });

  it('saves the name trimmed, and shows it at once; an empty name clears it', async () => {
    const calls = stubServer((call) => json(200, alice((call.body as { displayName: string | null }).displayName)));
    const client = renderPage();
    const user = userEvent.setup();
    const field = within(profileSection()).getByLabelText('Display name');
    await user.type(field, '  Alice Liddell ');
    await user.click(screen.getByRole('button', { name: 'Save name' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Display name saved.');
    expect(calls).toEqual([{ method: 'PATCH', url: '/api/me/profile', body: { displayName: 'Alice Liddell' } }]);
    expect(client.getQueryData(queryKeys.profile('alice'))).toEqual(alice('Alice Liddell'));
    expect(field).toHaveValue('Alice Liddell');

    await user.clear(field);
    await user.click(screen.getByRole('button', { name: 'Save name' }));
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]).toEqual({ method: 'PATCH', url: '/api/me/profile', body: { displayName: null } });
  });
});

describe('Settings → Profile: the picture', () => {
  const png = () => new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], 'me.png', { type: 'image/png' });

  it('previews a chosen picture, uploads it on confirmation, and shows the saved one', async () => {
    const calls = stubServer(() => json(200, alice(null, PICTURE)));
    renderPage();
    const user = userEvent.setup();
    await user.upload(within(profileSection()).getByLabelText('Choose a picture'), png());
    expect(screen.getByAltText('Preview of the chosen picture')).toHaveAttribute('src', 'blob:preview');
    expect(calls).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Use this picture' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Picture saved.');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['PUT /api/me/avatar']);
    expect(calls[0]?.body).toBeInstanceOf(Blob);
    expect(within(profileSection()).getByAltText('alice')).toHaveAttribute('src', PICTURE);
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:preview');
  });

  it('says clearly why the server refused a picture: not a usable image, or too large', async () => {
    let answer = refusal(415, 'unsupported_image', 'The picture must be a PNG, JPEG, WebP or GIF.');
    stubServer(() => answer);
    renderPage();
    const user = userEvent.setup();
    const picker = within(profileSection()).getByLabelText('Choose a picture');
    await user.upload(picker, png());
    await user.click(screen.getByRole('button', { name: 'Use this picture' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That file is not a picture we can use. Choose a PNG, JPEG, WebP or GIF (SVG is not accepted).');
    expect(picker).toHaveAccessibleDescription(expect.stringContaining('not a picture we can use'));

    answer = refusal(413, 'payload_too_large', 'Too large.');
    await user.click(screen.getByRole('button', { name: 'Use this picture' }));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('That picture is too large: at most 2 MB.'));
  });

  it('refuses an SVG or an oversized file before sending anything', async () => {
    const calls = stubServer();
    renderPage();
    // As a person could by picking "All files" in the dialog, past the input's accept list.
    const user = userEvent.setup({ applyAccept: false });
    const picker = within(profileSection()).getByLabelText('Choose a picture');
    await user.upload(picker, new File(['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'], 'me.svg', { type: 'image/svg+xml' }));
    expect(screen.getByRole('alert')).toHaveTextContent('SVG is not accepted');
    expect(screen.queryByRole('button', { name: 'Use this picture' })).toBeNull();

    await user.upload(picker, new File([new Uint8Array(2 * 1024 * 1024 + 1)], 'big.png', { type: 'image/png' }));
    expect(screen.getByRole('alert')).toHaveTextContent('That picture is too large: at most 2 MB.');
    expect(calls).toEqual([]);
  });

  it('removes the picture: initials again', async () => {
    const calls = stubServer(() => json(200, alice('Alice Liddell')));
    renderPage(alice('Alice Liddell', PICTURE));
    const user = userEvent.setup();
    await user.click(within(profileSection()).getByRole('button', { name: 'Remove picture' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Picture removed.');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['DELETE /api/me/avatar']);
    expect(within(profileSection()).queryByAltText('Alice Liddell')).toBeNull();
    expect(within(profileSection()).getByText('AL')).toBeInTheDocument();
  });
});
