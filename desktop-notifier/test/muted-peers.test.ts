import type { Conversation } from '@messenger/protocol';
import { describe, expect, it } from 'vitest';
import { followMutedPeers, MutedPeers } from '../src/muted-peers.js';

const conversation = (peer: string, muted: boolean): Conversation => ({ peer, online: false, unread: 0, ...settings(muted), lastMessage: null });
/** conversation:update carries every setting; the agent reads only the mute. */
const update = (peer: string, muted: boolean) => ({ peer, ...settings(muted) });
function settings(muted: boolean) {
  return { muted, pinned: false, archived: false, markedUnread: false };
}

describe('MutedPeers', () => {
  it('knows the loaded mutes and follows conversation:update, saying when something changed', () => {
    const m = new MutedPeers();
    m.finishLoad(m.beginLoad(), [conversation('alice', false), conversation('ci-bot', true)]);
    expect([m.has('alice'), m.has('ci-bot'), m.has('stranger')]).toEqual([false, true, false]);
    expect(m.apply(update('alice', true))).toBe(true);
    expect(m.apply(update('alice', true))).toBe(false);
    expect(m.apply(update('ci-bot', false))).toBe(true);
    expect(m.list()).toEqual(['alice']);
  });

  it('keeps what an update said while a load was in flight (the list may predate it); an older load loses to a newer one', () => {
    const m = new MutedPeers();
    const first = m.beginLoad();
    const second = m.beginLoad();
    m.apply(update('alice', true));
    m.apply(update('ci-bot', false));
    m.finishLoad(second, [conversation('alice', false), conversation('ci-bot', true), conversation('bob', true)]);
    expect(m.list()).toEqual(['alice', 'bob']);
    m.finishLoad(first, []);
    expect(m.list()).toEqual(['alice', 'bob']);
    // A failed load forgets its bookkeeping and changes nothing.
    const failed = m.beginLoad();
    m.abandonLoad(failed);
    m.finishLoad(failed, []);
    expect(m.list()).toEqual(['alice', 'bob']);
  });

  it('runs loads and updates on the queue, logs them, and keeps the last known setting when a load fails', async () => {
    const m = new MutedPeers();
    let chain: Promise<unknown> = Promise.resolve();
    const queue = {
      enqueue<T>(job: () => Promise<T>): Promise<T> {
        const next = chain.then(job);
        chain = next.catch(() => undefined);
        return next;
      },
    };
    const lines: string[] = [];
    // The first load answers, the second fails (each is called when its turn on the queue comes).
    const answers = [() => Promise.resolve([conversation('ci-bot', true)]), () => Promise.reject(new Error('503'))];
    const load = () => (answers.shift() ?? (() => Promise.reject(new Error('no more answers'))))();
    const follow = followMutedPeers({ peers: m, load, queue, log: (l) => lines.push(l) });
    follow.refresh();
    follow.update(update('alice', true));
    follow.update(update('alice', true));
    follow.refresh();
    await chain;
    expect(lines).toEqual([
      'muted conversations: 1 (ci-bot)',
      'conversation with alice: muted',
      'could not load your conversations (503); keeping the last known mute settings',
    ]);
    expect(m.list()).toEqual(['alice', 'ci-bot']);
  });
});
