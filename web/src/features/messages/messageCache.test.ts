import { describe, expect, it } from 'vitest';
import type { MessagesData } from '../../api/messages';
import { msg } from '../../test/fixtures';
import { adoptWindow, applyReceipt, ChangeClock, EarlyReceipts, flattenMessages, markIncomingRead, mergeFetchedPage, replaceMessage, upsertMessages } from './messageCache';

function data(...pages: ReturnType<typeof msg>[][]): MessagesData {
  return { pages: pages.map((messages, i) => ({ messages, nextBefore: i < pages.length - 1 ? 'x' : null })), pageParams: pages.map(() => null) };
}

describe('message cache', () => {
  it('keeps every message once, even when catch-up and live deliver it twice', () => {
    const a = msg({ text: 'a' });
    const b = msg({ text: 'b' });
    let d: MessagesData | undefined = data([a]);
    d = upsertMessages(d, [b]);
    d = upsertMessages(d, [b, a]);
    d = upsertMessages(d, [{ ...b }]);
    expect(flattenMessages(d).map((m) => m.text)).toEqual(['a', 'b']);
  });

  it('returns the same object when nothing changes, so React does not re-render', () => {
    const a = msg({ text: 'a' });
    const d = data([a]);
    expect(upsertMessages(d, [a])).toBe(d);
    expect(applyReceipt(d, new Set(['nope']), 'read')).toBe(d);
  });

  it('orders by time across pages, oldest first, with a live message landing at the end', () => {
    const old1 = msg({ text: 'old1' });
    const old2 = msg({ text: 'old2' });
    const new1 = msg({ text: 'new1' });
    const live = msg({ text: 'live' });
    const d = upsertMessages(data([new1], [old2, old1]), [live]);
    expect(flattenMessages(d).map((m) => m.text)).toEqual(['old1', 'old2', 'new1', 'live']);
  });

  it('never moves a receipt state backwards', () => {
    const a = msg({ text: 'a', from: 'alice', to: 'bob' });
    let d: MessagesData | undefined = data([a]);
    d = applyReceipt(d, new Set([a.id]), 'read');
    d = applyReceipt(d, new Set([a.id]), 'delivered');
    d = upsertMessages(d, [{ ...a, state: 'sent' }]);
    expect(flattenMessages(d)[0]?.state).toBe('read');
  });

  it('marks incoming messages read up to a message, not my own and not later ones', () => {
    const in1 = msg({ text: 'in1' });
    const mine = msg({ text: 'mine', from: 'alice', to: 'bob' });
    const in2 = msg({ text: 'in2' });
    const in3 = msg({ text: 'in3' });
    const d = markIncomingRead(data([in3, in2, mine, in1]), 'bob', in2);
    expect(flattenMessages(d).map((m) => `${m.text}:${m.state}`)).toEqual(['in1:read', 'mine:sent', 'in2:read', 'in3:sent']);
  });

  it('applies a receipt that arrived before its message', () => {
    const early = new EarlyReceipts();
    const a = msg({ text: 'a', from: 'alice', to: 'bob' });
    early.remember(a.id, 'delivered');
    early.remember(a.id, 'read');
    early.remember(a.id, 'delivered');
    expect(early.apply(a).state).toBe('read');
    expect(early.apply(msg({ text: 'other' })).state).toBe('sent');
  });
});

describe('handing a window around a search result back to the live history', () => {
  const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((text) => msg({ text }));

  it('keeps every message once, the later receipt state, and pages older from the further end', () => {
    // Live: the newest two (d, e), older from 'live-cursor'. Window: b..e, older from 'window-cursor'.
    const live: MessagesData = { pages: [{ messages: [e!, d!], nextBefore: 'live-cursor' }], pageParams: [null] };
    const window = {
      pages: [
        { messages: [{ ...e!, state: 'read' as const }, d!], nextBefore: 'x', nextAfter: null },
        { messages: [c!, b!], nextBefore: 'window-cursor' },
      ],
    };
    const merged = adoptWindow(live, window);
    expect(flattenMessages(merged).map((m) => m.text)).toEqual(['b', 'c', 'd', 'e']);
    expect(flattenMessages(merged).at(-1)?.state).toBe('read');
    expect(merged.pages.at(-1)?.nextBefore).toBe('window-cursor');
  });

  it('keeps the live cursor when the live history reaches further back', () => {
    const live: MessagesData = { pages: [{ messages: [e!, d!, c!] , nextBefore: null }, { messages: [b!, a!], nextBefore: 'live-cursor' }], pageParams: [null, 'x'] };
    const merged = adoptWindow(live, { pages: [{ messages: [e!, d!], nextBefore: 'window-cursor', nextAfter: null }] });
    expect(flattenMessages(merged).map((m) => m.text)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(merged.pages.at(-1)?.nextBefore).toBe('live-cursor');
  });
});

describe('message updates in the cache', () => {
  it('replaces a message wholesale, never moving its receipt state back, and takes a hidden one out', () => {
    const a = msg({ text: 'a', state: 'read' });
    const b = msg({ text: 'b' });
    const d = data([b, a]);
    const edited = replaceMessage(d, { ...a, text: 'a2', editedAt: '2026-11-30T12:00:00.000Z', state: 'delivered' }, false);
    expect(flattenMessages(edited).map((m) => [m.text, m.state, m.editedAt])).toEqual([
      ['a2', 'read', '2026-11-30T12:00:00.000Z'],
      ['b', 'sent', undefined],
    ]);
    expect(flattenMessages(replaceMessage(edited, b, true)).map((m) => m.text)).toEqual(['a2']);
    // Not cached: nothing to change, the same object.
    expect(replaceMessage(d, msg({ text: 'elsewhere' }), false)).toBe(d);
  });

  it('keeps the newest change per message: a late older one is refused, an equal or newer one admitted', () => {
    const clock = new ChangeClock();
    expect(clock.admit('m', '2026-11-30T12:00:02.000Z', 100)).toBe(true);
    expect(clock.admit('m', '2026-11-30T12:00:01.000Z', 101)).toBe(false);
    expect(clock.admit('m', '2026-11-30T12:00:02.000Z', 102)).toBe(true);
    expect(clock.admit('other', '2026-11-30T12:00:00.000Z', 103)).toBe(true);
    expect(clock.changedSince('m', 102)).toBe(true);
    expect(clock.changedSince('m', 103)).toBe(false);
  });

  it('merges a page fetched again: the server’s fields win, a message gone from its span was hidden, one changed since the fetch is kept', () => {
    const [a, b, c, d] = [msg({ text: 'a' }), msg({ text: 'b' }), msg({ text: 'c' }), msg({ text: 'd' })];
    const cached = data([d, c, b, a]);
    const page = { messages: [{ ...d, text: 'd2', editedAt: '2026-11-30T12:00:00.000Z' }, { ...c, text: 'c2' }, a], nextBefore: null };
    const merged = mergeFetchedPage(cached, page, (id) => id === c.id);
    // b was hidden elsewhere; c changed here after the fetch began.
    expect(flattenMessages(merged).map((m) => m.text)).toEqual(['a', 'c', 'd2']);
    expect(mergeFetchedPage(cached, { messages: [d, c, b, a], nextBefore: null }, () => false)).toBe(cached);
  });
});
