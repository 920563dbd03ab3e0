// The new-group dialog opens like every modal: the name field focused, Escape closes, and a
// parent re-render (a new onClose) does not pull the focus back while the user types elsewhere.
import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { testQueryClient } from '../../test/fixtures';
import { NewGroupDialog } from './NewGroupDialog';

describe('NewGroupDialog', () => {
  it('focuses the name, keeps the focus where the user put it across re-renders, closes on Escape', async () => {
    const client = testQueryClient();
    const first = vi.fn();
    const { rerender } = render(
      <QueryClientProvider client={client}>
        <NewGroupDialog onClose={first} />
      </QueryClientProvider>,
    );
    expect(screen.getByLabelText('Group name')).toHaveFocus();
    const user = userEvent.setup();
    await user.click(screen.getByRole('combobox', { name: 'Add people' }));
    const latest = vi.fn();
    rerender(
      <QueryClientProvider client={client}>
        <NewGroupDialog onClose={latest} />
      </QueryClientProvider>,
    );
    expect(screen.getByRole('combobox', { name: 'Add people' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(latest).toHaveBeenCalledOnce();
    expect(first).not.toHaveBeenCalled();
  });
});
