// The people search as both its users behave: "New chat" (pick one, open the chat) and the group
// member picker (pick several as chips), against a stubbed GET /api/people.
import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeoplePicker } from '../features/groups/PeoplePicker';
import { NewChat } from '../features/people/NewChat';
import { testQueryClient } from '../test/fixtures';

afterEach(() => vi.unstubAllGlobals());

const PEOPLE = [
  { username: 'bob', online: true },
  { username: 'bobby', online: false, displayName: 'Robert Tables', avatarUrl: '/api/users/bobby/avatar?v=0123456789abcdef' },
  { username: 'bot-ci', online: false, bot: true },
];

/** Answers GET /api/people?q= with the names that start with q; records the queries asked. */
function stubPeople() {
  const asked: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const q = new URL(url, 'http://localhost').searchParams.get('q') ?? '';
      asked.push(q);
      const users = PEOPLE.filter((p) => p.username.startsWith(q));
      return new Response(JSON.stringify({ users }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return asked;
}

const wrap = (node: ReactNode) => render(<QueryClientProvider client={testQueryClient()}>{node}</QueryClientProvider>);

describe('New chat', () => {
  it('focuses the box, searches once per pause in typing, and Enter opens the first person', async () => {
    const asked = stubPeople();
    const onPick = vi.fn();
    wrap(<NewChat onPick={onPick} onClose={vi.fn()} />);
    const box = screen.getByRole('combobox', { name: 'Search people' });
    expect(box).toHaveFocus();
    expect(box).toHaveAttribute('maxlength', '32');
    const user = userEvent.setup();
    await user.type(box, 'bo');
    expect(await screen.findByRole('option', { name: /bobby/ })).toBeInTheDocument();
    // Typed faster than the debounce: one request for "bo", none for "b".
    expect(asked).toEqual(['bo']);
    await user.keyboard('{Enter}');
    expect(onPick).toHaveBeenCalledWith('bob');
  });

  it('moves through the results with the arrow keys, keeping focus in the box; Enter opens the active one', async () => {
    stubPeople();
    const onPick = vi.fn();
    wrap(<NewChat onPick={onPick} onClose={vi.fn()} />);
    const box = screen.getByRole('combobox', { name: 'Search people' });
    const user = userEvent.setup();
    await user.type(box, 'bo');
    const options = await screen.findAllByRole('option');
    expect(options.map((o) => o.getAttribute('aria-selected'))).toEqual(['true', 'false', 'false']);
    expect(box).toHaveAttribute('aria-activedescendant', options[0]?.id);
    await user.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}{ArrowUp}');
    expect(box).toHaveFocus();
    expect(screen.getAllByRole('option').map((o) => o.getAttribute('aria-selected'))).toEqual(['false', 'true', 'false']);
    expect(box).toHaveAttribute('aria-activedescendant', options[1]?.id);
    await user.keyboard('{Enter}');
    expect(onPick).toHaveBeenCalledWith('bobby');
  });

  it('says when nobody has that name, and Escape closes', async () => {
    stubPeople();
    const onClose = vi.fn();
    wrap(<NewChat onPick={vi.fn()} onClose={onClose} />);
    const user = userEvent.setup();
    await user.type(screen.getByRole('combobox'), 'zed');
    expect(await screen.findByText('Nobody by that name.')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalledOnce();
  });

  it('marks bots in the results with a "bot" badge', async () => {
    stubPeople();
    wrap(<NewChat onPick={vi.fn()} onClose={vi.fn()} />);
    await userEvent.setup().type(screen.getByRole('combobox'), 'bo');
    const bot = await screen.findByRole('option', { name: /bot-ci/ });
    expect(within(bot).getByTestId('bot-badge')).toHaveTextContent('bot');
    expect(within(screen.getByRole('option', { name: /bobby/ })).queryByTestId('bot-badge')).not.toBeInTheDocument();
  });
});

describe('PeoplePicker', () => {
  it('picks people as chips, offers nobody twice, and hands over the list', async () => {
    stubPeople();
    const onDone = vi.fn();
    wrap(<PeoplePicker actionLabel="Add" onDone={onDone} onCancel={vi.fn()} />);
    const user = userEvent.setup();
    const box = screen.getByRole('combobox', { name: 'Add people' });
    await user.type(box, 'bob');
    await user.click(await screen.findByRole('option', { name: /bobby/ }));
    expect(box).toHaveValue('');
    await user.type(box, 'bob');
    const results = within(screen.getByRole('listbox', { name: 'People' }));
    await waitFor(() => expect(results.getByRole('option', { name: /\bbob\b/ })).toBeInTheDocument());
    expect(results.queryByRole('option', { name: /bobby/ })).not.toBeInTheDocument();
    await user.keyboard('{Enter}');
    await user.click(screen.getByRole('button', { name: 'Add 2' }));
    expect(onDone).toHaveBeenCalledWith(['bobby', 'bob']);
  });
});

describe('people results', () => {
  it('show a display name with the username beside it, and the picture', async () => {
    stubPeople();
    wrap(<NewChat onPick={vi.fn()} onClose={vi.fn()} />);
    await userEvent.setup().type(screen.getByRole('combobox', { name: 'Search people' }), 'bobb');
    const option = await screen.findByRole('option', { name: /Robert Tables/ });
    expect(option).toHaveTextContent('Robert Tables@bobby');
    expect(within(option).getByAltText('Robert Tables')).toHaveAttribute('src', '/api/users/bobby/avatar?v=0123456789abcdef');
  });
});
