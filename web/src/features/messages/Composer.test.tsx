import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { clearSessionStores } from '../../lib/session-stores';
import { Composer } from './Composer';

const box = () => screen.getByRole('textbox', { name: /^Message / });

describe('Composer', () => {
  it('drops pasted controls the server would refuse, keeping tabs and line breaks', () => {
    render(<Composer peer="paste-peer" onSend={() => undefined} />);
    fireEvent.change(box(), { target: { value: 'ls\u001b[31m red\u0000\tcol\nline' } });
    expect(box()).toHaveValue('ls[31m red\tcol\nline');
  });

  it('treats zero-width, filler and combining-only text as blank: Send is disabled and Enter sends nothing', () => {
    const onSend = vi.fn();
    render(<Composer peer="blank-peer" onSend={onSend} />);
    for (const hidden of ['\u200b\u200d', '\u3164', '\u2800', '\u0301', '\u00ad\ufeff']) {
      fireEvent.change(box(), { target: { value: hidden } });
      expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
      fireEvent.keyDown(box(), { key: 'Enter' });
    }
    expect(onSend).not.toHaveBeenCalled();
  });

  it('forgets every draft when the session ends', () => {
    const first = render(<Composer peer="draft-peer" onSend={() => undefined} />);
    fireEvent.change(box(), { target: { value: 'half-written' } });
    first.unmount();
    const again = render(<Composer peer="draft-peer" onSend={() => undefined} />);
    expect(box()).toHaveValue('half-written');
    again.unmount();
    clearSessionStores();
    render(<Composer peer="draft-peer" onSend={() => undefined} />);
    expect(box()).toHaveValue('');
  });

  it('offers members for an @mention: arrows pick, Enter inserts instead of sending, Escape closes', () => {
    const onSend = vi.fn();
    render(<Composer peer="#group-mention" label="Ops" onSend={onSend} mentionCandidates={['bob', 'bodhi', 'carol']} />);
    fireEvent.change(box(), { target: { value: 'hi @bo', selectionStart: 6 } });
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['@bob', '@bodhi']);
    fireEvent.keyDown(box(), { key: 'ArrowDown' });
    expect(screen.getByRole('option', { selected: true })).toHaveTextContent('@bodhi');
    fireEvent.keyDown(box(), { key: 'Enter' });
    expect(box()).toHaveValue('hi @bodhi ');
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.queryByRole('listbox')).toBeNull();
    fireEvent.change(box(), { target: { value: 'hi @bodhi @c', selectionStart: 12 } });
    expect(screen.getByRole('option')).toHaveTextContent('@carol');
    fireEvent.keyDown(box(), { key: 'Escape' });
    expect(screen.queryByRole('listbox')).toBeNull();
    fireEvent.keyDown(box(), { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('hi @bodhi @c');
  });
});
