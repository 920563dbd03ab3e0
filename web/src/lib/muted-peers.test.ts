import { afterEach, describe, expect, it } from 'vitest';
import { clearSessionStores } from './session-stores';
import { isPeerMuted, mutedPeers, setPeerMuted } from './muted-peers';

afterEach(() => {
  clearSessionStores();
  localStorage.clear();
});

describe('muted peers', () => {
  it('are kept per user and survive a reload (the in-memory copy forgotten)', () => {
    setPeerMuted('alice', 'ci-bot', true);
    expect(isPeerMuted('alice', 'ci-bot')).toBe(true);
    expect(isPeerMuted('bob', 'ci-bot')).toBe(false);
    clearSessionStores();
    expect(isPeerMuted('alice', 'ci-bot')).toBe(true);
    setPeerMuted('alice', 'ci-bot', false);
    clearSessionStores();
    expect(mutedPeers('alice').size).toBe(0);
  });

  it('reads a broken stored value as nothing muted', () => {
    localStorage.setItem('messenger.muted-peers.alice', '{"not":"a list"}');
    expect(mutedPeers('alice').size).toBe(0);
    localStorage.setItem('messenger.muted-peers.bob', '[1, "ci-bot", null]');
    expect([...mutedPeers('bob')]).toEqual(['ci-bot']);
  });
});
