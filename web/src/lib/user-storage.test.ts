// Drafts and unsent messages across a reload, per user, across tabs, and gone after sign-out.
import { afterEach, describe, expect, it } from 'vitest';
import { drafts, getDraft, setDraft } from '../features/messages/drafts';
import { addToOutbox, outbox, removeFromOutbox } from '../features/messages/outbox';
import { clearSessionStores } from './session-stores';
import { openUserStorage } from './user-storage';

let close: (() => void) | undefined;
afterEach(() => {
  close?.();
  close = undefined;
  drafts.set(new Map());
  outbox.set([]);
  localStorage.clear();
});

/** A reload: the page's memory is gone, this browser's storage is not. */
function reload(me: string) {
  close?.();
  drafts.set(new Map());
  outbox.set([]);
  close = openUserStorage(me);
}

const entry = { key: 'k1', to: 'bob', text: 'on its way', createdAt: '2026-11-30T09:00:00.000Z' };

describe('per-user storage', () => {
  it('brings drafts back after a reload, for the same user only', () => {
    close = openUserStorage('alice');
    setDraft('bob', 'half-written');
    setDraft('#g1', 'to the group');
    reload('alice');
    expect([getDraft('bob'), getDraft('#g1')]).toEqual(['half-written', 'to the group']);
    reload('carol');
    expect(getDraft('bob')).toBe('');
  });

  it('brings an unsent message back as failed, to be sent again with the same key', () => {
    close = openUserStorage('alice');
    addToOutbox({ ...entry, status: 'sending' });
    reload('alice');
    expect(outbox.get()).toEqual([
      expect.objectContaining({ key: 'k1', to: 'bob', text: 'on its way', status: 'failed', retryable: true }),
    ]);
  });

  it('keeps nothing after sign-out', () => {
    close = openUserStorage('alice');
    setDraft('bob', 'secret plans');
    addToOutbox({ ...entry, status: 'failed' });
    expect(Object.keys(localStorage).sort()).toEqual(['messenger:drafts:alice', 'messenger:outbox:alice']);
    clearSessionStores();
    expect(Object.keys(localStorage)).toEqual([]);
    reload('alice');
    expect([getDraft('bob'), outbox.get()]).toEqual(['', []]);
  });

  it('ignores what it cannot trust: bad JSON, wrong shapes, oversized text', () => {
    localStorage.setItem('messenger:drafts:alice', '{not json');
    localStorage.setItem(
      'messenger:outbox:alice',
      JSON.stringify([{ ...entry, status: 'failed' }, { ...entry, key: 'k2', status: 'weird' }, { ...entry, key: 'k3', text: 'x'.repeat(5000), status: 'failed' }, 42]),
    );
    close = openUserStorage('alice');
    expect(drafts.get().size).toBe(0);
    expect(outbox.get().map((e) => e.key)).toEqual(['k1']);
  });

  it("follows another tab's changes", () => {
    close = openUserStorage('alice');
    const value = JSON.stringify([['bob', 'typed in the other tab']]);
    localStorage.setItem('messenger:drafts:alice', value);
    window.dispatchEvent(new StorageEvent('storage', { key: 'messenger:drafts:alice', newValue: value }));
    expect(getDraft('bob')).toBe('typed in the other tab');
    localStorage.removeItem('messenger:drafts:alice');
    window.dispatchEvent(new StorageEvent('storage', { key: 'messenger:drafts:alice', newValue: null }));
    expect(getDraft('bob')).toBe('');
  });

  it("keeps each tab's unsent messages: another tab's list neither replaces this one nor is dropped by it", () => {
    close = openUserStorage('alice');
    addToOutbox({ ...entry, status: 'sending' });
    // Another tab's message, written while this one's was on its way.
    const theirs = { ...entry, key: 'k9', text: 'from the other tab', status: 'failed' as const };
    const stored = JSON.stringify([{ ...entry, status: 'sending' }, theirs]);
    localStorage.setItem('messenger:outbox:alice', stored);
    window.dispatchEvent(new StorageEvent('storage', { key: 'messenger:outbox:alice', newValue: stored }));
    expect(outbox.get().map((e) => e.key)).toEqual(['k1']);
    // This tab's message is accepted: it leaves the store, the other tab's stays.
    removeFromOutbox(entry.key);
    expect((JSON.parse(localStorage.getItem('messenger:outbox:alice') ?? '[]') as { key: string }[]).map((e) => e.key)).toEqual(['k9']);
  });
});
