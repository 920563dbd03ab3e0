// The row menu primitive: Tab leaves it closed, Home/End jump, a press outside closes it.
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ItemMenu } from './ItemMenu';

function Harness({ onPick }: { onPick: (label: string) => void }) {
  const [open, setOpen] = useState(false);
  const actions = ['One', 'Two', 'Three'].map((label) => ({ label, onSelect: () => onPick(label) }));
  return (
    <>
      <ItemMenu name="bob" actions={actions} open={open} onOpenChange={setOpen} />
      <button type="button">elsewhere</button>
    </>
  );
}

describe('ItemMenu', () => {
  it('opens with ArrowDown from its button, jumps with Home/End, picks with Space, and gives focus back', async () => {
    const onPick = vi.fn();
    const user = userEvent.setup();
    render(<Harness onPick={onPick} />);
    const button = screen.getByRole('button', { name: 'More actions for bob' });
    button.focus();
    await user.keyboard('{ArrowDown}');
    expect(button).toHaveAttribute('aria-expanded', 'true');
    await user.keyboard('{End}');
    expect(screen.getByRole('menuitem', { name: 'Three' })).toHaveFocus();
    await user.keyboard('{Home}');
    expect(screen.getByRole('menuitem', { name: 'One' })).toHaveFocus();
    await user.keyboard(' ');
    expect(onPick).toHaveBeenCalledWith('One');
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
    expect(button).toHaveFocus();
  });

  it('closes on Tab and on a press outside, without picking', async () => {
    const onPick = vi.fn();
    const user = userEvent.setup();
    render(<Harness onPick={onPick} />);
    const button = screen.getByRole('button', { name: 'More actions for bob' });
    await user.click(button);
    await user.tab();
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
    await user.click(button);
    expect(screen.getByRole('menu')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'elsewhere' }));
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
    expect(onPick).not.toHaveBeenCalled();
  });
});
