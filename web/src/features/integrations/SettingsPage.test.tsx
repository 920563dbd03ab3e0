// The bots and API tokens page against a stubbed server: what it sends, what it shows once, and
// how it reports the server's refusals.
import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, testQueryClient } from '../../test/fixtures';
import { SettingsPage } from '../settings/SettingsPage';

afterEach(() => vi.unstubAllGlobals());

const SECRET = `msk_${'A'.repeat(40)}b-_`;
const TOKEN = {
  id: '0192f5a4-7c1e-4a3b-9c4d-000000000001',
  name: 'deploy notifier',
  username: 'alice',
  scopes: ['send'],
  createdAt: '2026-11-20T10:00:00.000Z',
  expiresAt: null,
  lastUsedAt: null,
};
const BOT = { username: 'ci-bot', displayName: 'CI', createdAt: '2026-11-19T10:00:00.000Z' };

interface Call {
  method: string;
  url: string;
  body: unknown;
}

/** The server: `routes['POST /api/tokens']` answers that request; lists default to `tokens`/`bots`. */
function stubServer(options: {
  tokens?: unknown[];
  bots?: unknown[];
  webhooks?: unknown[];
  groups?: unknown[];
  routes?: Record<string, (body: unknown) => Response>;
}) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
      calls.push({ method, url, body });
      const route = options.routes?.[`${method} ${url}`];
      if (route) return route(body);
      if (method === 'GET' && url === '/api/tokens') return jsonResponse(200, { tokens: options.tokens ?? [] });
      if (method === 'GET' && url === '/api/bots') return jsonResponse(200, { bots: options.bots ?? [] });
      if (method === 'GET' && url === '/api/webhooks') return jsonResponse(200, { webhooks: options.webhooks ?? [] });
      if (method === 'GET' && url === '/api/groups') return jsonResponse(200, { groups: options.groups ?? [] });
      throw new Error(`unexpected ${method} ${url}`);
    }),
  );
  return calls;
}

function renderPage() {
  render(
    <QueryClientProvider client={testQueryClient()}>
      <SettingsPage me="alice" />
    </QueryClientProvider>,
  );
}

const writes = (calls: Call[]) => calls.filter((c) => c.method !== 'GET');

describe('API tokens', () => {
  it('creates a token with the ticked scopes and shows its secret once, in a dialog', async () => {
    const calls = stubServer({
      routes: {
        'POST /api/tokens': (body) =>
          jsonResponse(201, { ...TOKEN, name: 'ci', scopes: (body as { scopes: string[] }).scopes, secret: SECRET }),
      },
    });
    renderPage();
    const user = userEvent.setup();
    expect(await screen.findByText('No tokens yet.')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Token name'), 'ci');
    await user.click(screen.getByRole('checkbox', { name: /read/ }));
    await user.click(screen.getByRole('button', { name: 'Create token' }));

    const dialog = await screen.findByRole('dialog', { name: /^Token “\s*ci\s*” created$/ }); // jsdom pads the <bdi>
    expect(dialog).toHaveAccessibleDescription(expect.stringContaining('You will not see it again'));
    const field = within(dialog).getByLabelText('Secret');
    expect(field).toHaveValue(SECRET);
    expect(field).toHaveFocus();
    expect(within(dialog).getByRole('button', { name: 'Copy' })).toBeInTheDocument();
    expect(writes(calls)).toEqual([{ method: 'POST', url: '/api/tokens', body: { name: 'ci', scopes: ['send', 'read'] } }]);

    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    // Listed, but the secret is nowhere on the page any more.
    const list = screen.getByRole('list', { name: 'Your API tokens' });
    expect(within(list).getByText('ci')).toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(screen.getByRole('button', { name: 'Create token' })).toHaveFocus();
  });

  it('copies the secret to the clipboard', async () => {
    stubServer({ routes: { 'POST /api/tokens': () => jsonResponse(201, { ...TOKEN, secret: SECRET }) } });
    renderPage();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Token name'), 'x');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    await user.click(await screen.findByRole('button', { name: 'Copy' }));
    await expect(navigator.clipboard.readText()).resolves.toBe(SECRET);
    expect(screen.getByRole('status')).toHaveTextContent('Copied to the clipboard.');
  });

  it('makes a token for a bot with an expiry', async () => {
    const calls = stubServer({
      bots: [BOT],
      routes: { 'POST /api/tokens': () => jsonResponse(201, { ...TOKEN, username: 'ci-bot', secret: SECRET }) },
    });
    renderPage();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Token name'), 'ci');
    await user.selectOptions(screen.getByLabelText('Acts as'), await screen.findByRole('option', { name: 'Bot: ci-bot' }));
    await user.selectOptions(screen.getByLabelText('Expires'), '30 days');
    const before = Date.now();
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    await screen.findByRole('dialog');
    const body = writes(calls)[0]?.body as { bot: string; expiresAt: string };
    expect(body.bot).toBe('ci-bot');
    const days = (Date.parse(body.expiresAt) - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);
  });

  it('asks for a scope before asking the server', async () => {
    const calls = stubServer({});
    renderPage();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Token name'), 'ci');
    await user.click(screen.getByRole('checkbox', { name: /send/ }));
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Pick at least one scope.');
    expect(writes(calls)).toEqual([]);
  });

  it('shows the server’s refusal with its code', async () => {
    stubServer({
      routes: {
        'POST /api/tokens': () =>
          jsonResponse(403, { error: { code: 'forbidden', message: 'You have 100 live tokens: revoke one first.' } }),
      },
    });
    renderPage();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Token name'), 'ci');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('You have 100 live tokens: revoke one first.');
    expect(alert).toHaveTextContent('forbidden');
    expect(screen.getByLabelText('Token name')).toHaveAccessibleDescription(expect.stringContaining('revoke one first'));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('lists owner, scopes and dates, and revokes only after a confirmation', async () => {
    const botToken = {
      ...TOKEN,
      id: '0192f5a4-7c1e-4a3b-9c4d-000000000002',
      name: 'bot token',
      username: 'ci-bot',
      scopes: ['send', 'receive'],
      lastUsedAt: '2026-11-21T10:00:00.000Z',
    };
    const calls = stubServer({ tokens: [TOKEN, botToken], routes: { [`DELETE /api/tokens/${TOKEN.id}`]: () => jsonResponse(204) } });
    renderPage();
    const user = userEvent.setup();
    const list = await screen.findByRole('list', { name: 'Your API tokens' });
    const rows = within(list)
      .getAllByRole('listitem')
      .filter((li) => li.classList.contains('token'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent(/deploy notifier\s*me/);
    expect(rows[0]).toHaveTextContent(/Last used\s*never/);
    expect(within(rows[1]!).getByTestId('bot-badge')).toBeInTheDocument();
    expect(
      within(within(rows[1]!).getByRole('list', { name: 'Scopes' }))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['send', 'receive']);

    await user.click(screen.getByRole('button', { name: 'Revoke token deploy notifier' }));
    expect(writes(calls)).toEqual([]);
    const yes = screen.getByRole('button', { name: 'Yes, revoke' });
    expect(yes).toHaveFocus();
    await user.click(yes);
    await waitFor(() => expect(screen.queryByText('deploy notifier')).not.toBeInTheDocument());
    expect(screen.getByText('bot token')).toBeInTheDocument();
    expect(writes(calls)).toEqual([{ method: 'DELETE', url: `/api/tokens/${TOKEN.id}`, body: undefined }]);
  });

  it('keeps a token whose revocation failed, and says why', async () => {
    stubServer({
      tokens: [TOKEN],
      routes: { [`DELETE /api/tokens/${TOKEN.id}`]: () => jsonResponse(404, { error: { code: 'not_found', message: 'No such token.' } }) },
    });
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Revoke token deploy notifier' }));
    await user.click(screen.getByRole('button', { name: 'Yes, revoke' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('No such token. not_found');
    expect(screen.getByText('deploy notifier')).toBeInTheDocument();
  });
});

describe('bots', () => {
  it('creates a bot, which then can own tokens', async () => {
    const calls = stubServer({ routes: { 'POST /api/bots': () => jsonResponse(201, BOT) } });
    renderPage();
    const user = userEvent.setup();
    expect(await screen.findByText('No bots yet.')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Username'), 'CI-Bot');
    await user.type(screen.getByLabelText('Display name (optional)'), 'CI');
    await user.click(screen.getByRole('button', { name: 'Create bot' }));
    const list = await screen.findByRole('list', { name: 'Your bots' });
    expect(within(list).getByText('ci-bot')).toBeInTheDocument();
    expect(screen.getByRole('option', { name: 'Bot: ci-bot' })).toBeInTheDocument();
    expect(writes(calls)).toEqual([{ method: 'POST', url: '/api/bots', body: { username: 'ci-bot', displayName: 'CI' } }]);
  });

  it('says when the name is taken', async () => {
    stubServer({
      routes: { 'POST /api/bots': () => jsonResponse(409, { error: { code: 'username_taken', message: 'That username is taken.' } }) },
    });
    renderPage();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Username'), 'bob');
    await user.click(screen.getByRole('button', { name: 'Create bot' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That username is taken. username_taken');
    expect(screen.getByLabelText('Username')).toHaveAttribute('aria-invalid', 'true');
  });

  it('deletes a bot after a confirmation, and its tokens go with it', async () => {
    const tokens = [{ ...TOKEN, username: 'ci-bot', name: 'bot token' }];
    const bots = [BOT];
    const deleted = () => {
      // The server revokes the bot's tokens with it.
      tokens.length = 0;
      bots.length = 0;
      return jsonResponse(204);
    };
    const calls = stubServer({ bots, tokens, routes: { 'DELETE /api/bots/ci-bot': deleted } });
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Delete bot ci-bot' }));
    await user.click(screen.getByRole('button', { name: 'Yes, delete' }));
    await waitFor(() => expect(screen.queryByRole('list', { name: 'Your bots' })).not.toBeInTheDocument());
    await waitFor(() => expect(screen.queryByText('bot token')).not.toBeInTheDocument());
    expect(writes(calls)).toEqual([{ method: 'DELETE', url: '/api/bots/ci-bot', body: undefined }]);
  });

  it('Escape takes back a question, and the focus returns to its button', async () => {
    stubServer({ bots: [BOT] });
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Delete bot ci-bot' }));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('button', { name: 'Yes, delete' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Delete bot ci-bot' })).toHaveFocus();
  });
});

describe('incoming webhooks', () => {
  const HOOK = {
    id: '0192f5a4-7c1e-4a3b-9c4d-0000000000aa',
    name: 'CI',
    bot: 'ci-bot',
    target: { user: 'bob' },
    createdAt: '2026-11-20T10:00:00.000Z',
    lastUsedAt: null,
  };
  const HOOK_SECRET = `mwh_${'B'.repeat(43)}`;
  const url = (secret: string) => `http://localhost:3000/hooks/${HOOK.id}/${secret}`;

  it('creates a webhook posting as a bot to a person, and shows its URL once', async () => {
    const calls = stubServer({
      bots: [BOT],
      routes: { 'POST /api/webhooks': () => jsonResponse(201, { ...HOOK, secret: HOOK_SECRET, url: url(HOOK_SECRET) }) },
    });
    renderPage();
    const user = userEvent.setup();
    expect(await screen.findByText('No webhooks yet.')).toBeInTheDocument();
    await screen.findByRole('option', { name: 'ci-bot' });
    await user.type(screen.getByLabelText('Webhook name'), 'CI');
    await user.type(screen.getByLabelText('Person (username)'), 'Bob');
    await user.click(screen.getByRole('button', { name: 'Create webhook' }));

    const dialog = await screen.findByRole('dialog', { name: /^Webhook “\s*CI\s*” created$/ });
    expect(within(dialog).getByLabelText('Webhook URL')).toHaveValue(url(HOOK_SECRET));
    expect(writes(calls)).toEqual([{ method: 'POST', url: '/api/webhooks', body: { name: 'CI', bot: 'ci-bot', target: { user: 'bob' } } }]);
    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    const list = screen.getByRole('list', { name: 'Your webhooks' });
    expect(within(list).getByText('CI')).toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(HOOK_SECRET);
    expect(screen.getByRole('button', { name: 'Create webhook' })).toHaveFocus();
  });

  it('asks for a bot first when there is none', async () => {
    const calls = stubServer({});
    renderPage();
    const user = userEvent.setup();
    await screen.findByText('No webhooks yet.');
    await user.type(screen.getByLabelText('Webhook name'), 'CI');
    await user.click(screen.getByRole('button', { name: 'Create webhook' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Make a bot first');
    expect(writes(calls)).toEqual([]);
  });

  it('posts to a group, picked from my groups', async () => {
    const group = { id: '0192f5a4-7c1e-4a3b-9c4d-0000000000bb', name: 'ops', role: 'owner', muted: false, pinned: false, archived: false, markedUnread: false, memberCount: 3, unread: 0, lastMessage: null, createdAt: HOOK.createdAt };
    const calls = stubServer({
      bots: [BOT],
      groups: [group],
      routes: { 'POST /api/webhooks': () => jsonResponse(201, { ...HOOK, target: { group: group.id }, secret: HOOK_SECRET, url: url(HOOK_SECRET) }) },
    });
    renderPage();
    const user = userEvent.setup();
    await screen.findByRole('option', { name: 'ci-bot' });
    await user.type(screen.getByLabelText('Webhook name'), 'CI');
    await user.selectOptions(screen.getByLabelText('Posts to'), 'A group');
    await user.selectOptions(screen.getByLabelText('Group'), await screen.findByRole('option', { name: 'ops' }));
    await user.click(screen.getByRole('button', { name: 'Create webhook' }));
    await screen.findByRole('dialog');
    expect(writes(calls)[0]?.body).toEqual({ name: 'CI', bot: 'ci-bot', target: { group: group.id } });
  });

  it('rotates the URL (shown once, the old one dead) and deletes after a confirmation', async () => {
    const rotated = `mwh_${'C'.repeat(43)}`;
    const calls = stubServer({
      bots: [BOT],
      webhooks: [HOOK],
      routes: {
        [`POST /api/webhooks/${HOOK.id}/rotate`]: () => jsonResponse(200, { ...HOOK, secret: rotated, url: url(rotated) }),
        [`DELETE /api/webhooks/${HOOK.id}`]: () => new Response(null, { status: 204 }),
      },
    });
    renderPage();
    const user = userEvent.setup();
    const rotate = await screen.findByRole('button', { name: 'Rotate the URL of webhook CI' });
    await user.click(rotate);
    const dialog = await screen.findByRole('dialog', { name: /^Webhook “\s*CI\s*” has a new URL$/ });
    expect(dialog).toHaveAccessibleDescription(expect.stringContaining('The old URL no longer works.'));
    expect(within(dialog).getByLabelText('Webhook URL')).toHaveValue(url(rotated));
    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(rotate).toHaveFocus();

    await user.click(screen.getByRole('button', { name: 'Delete webhook CI' }));
    expect(writes(calls).map((c) => `${c.method} ${c.url}`)).toEqual([`POST /api/webhooks/${HOOK.id}/rotate`]);
    await user.click(screen.getByRole('button', { name: 'Yes, delete' }));
    expect(await screen.findByText('No webhooks yet.')).toBeInTheDocument();
    expect(writes(calls).map((c) => `${c.method} ${c.url}`)).toEqual([`POST /api/webhooks/${HOOK.id}/rotate`, `DELETE /api/webhooks/${HOOK.id}`]);
  });
});
