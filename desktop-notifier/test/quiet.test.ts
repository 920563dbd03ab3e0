import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, formatQuietHours, inQuietHours, parseQuietHours, type Policy } from '../src/quiet.js';

const at = (hh: number, mm: number) => new Date(2026, 0, 15, hh, mm);

describe('parseQuietHours', () => {
  it('parses windows, with or without leading zeros', () => {
    expect(parseQuietHours('22:00-07:00')).toEqual({ start: 22 * 60, end: 7 * 60 });
    expect(parseQuietHours('9:30-17:05')).toEqual({ start: 9 * 60 + 30, end: 17 * 60 + 5 });
    expect(formatQuietHours(parseQuietHours('9:30-17:05'))).toBe('09:30-17:05');
  });
  it.each(['', '22:00', '24:00-07:00', '22:60-07:00', '22-07', '22:00-22:00', 'a:b-c:d', '22:00-07:00-08:00'])(
    'refuses %j',
    (spec) => {
      expect(() => parseQuietHours(spec)).toThrow();
    },
  );
});

describe('inQuietHours', () => {
  it('handles a window that crosses midnight', () => {
    const q = parseQuietHours('22:00-07:00');
    expect(inQuietHours(q, at(21, 59))).toBe(false);
    expect(inQuietHours(q, at(22, 0))).toBe(true);
    expect(inQuietHours(q, at(23, 59))).toBe(true);
    expect(inQuietHours(q, at(0, 0))).toBe(true);
    expect(inQuietHours(q, at(6, 59))).toBe(true);
    expect(inQuietHours(q, at(7, 0))).toBe(false);
    expect(inQuietHours(q, at(12, 0))).toBe(false);
  });
  it('handles a window within one day', () => {
    const q = parseQuietHours('09:00-17:00');
    expect(inQuietHours(q, at(8, 59))).toBe(false);
    expect(inQuietHours(q, at(9, 0))).toBe(true);
    expect(inQuietHours(q, at(16, 59))).toBe(true);
    expect(inQuietHours(q, at(17, 0))).toBe(false);
    expect(inQuietHours(q, at(23, 0))).toBe(false);
  });
  it('a window and its complement split the day exactly', () => {
    const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }));
    fc.assert(
      fc.property(hhmm, hhmm, hhmm, ([a, b], [c, d], [h, m]) => {
        fc.pre(a * 60 + b !== c * 60 + d);
        const p = (x: number) => String(x).padStart(2, '0');
        const q = parseQuietHours(`${p(a)}:${p(b)}-${p(c)}:${p(d)}`);
        const r = parseQuietHours(`${p(c)}:${p(d)}-${p(a)}:${p(b)}`);
        expect(inQuietHours(q, at(h, m))).toBe(!inQuietHours(r, at(h, m)));
      }),
    );
  });
});

describe('decide', () => {
  const mutedGroups = new Set(['11111111-1111-4111-8111-111111111111']);
  const policy: Policy = {
    me: 'mia',
    muted: new Set(['spam']),
    quiet: parseQuietHours('22:00-07:00'),
    groupMuted: (id) => mutedGroups.has(id),
  };
  const quietGroup = { id: '11111111-1111-4111-8111-111111111111', name: 'Announcements' };
  const loudGroup = { id: '22222222-2222-4222-8222-222222222222', name: 'Team' };
  const day = at(12, 0);
  const night = at(23, 0);
  const base = { readingNow: false, seen: false, now: day };
  it('notifies a normal message', () => {
    expect(decide(policy, { from: 'alice', text: 'hi' }, base)).toBe('notify');
  });
  it('skips own, seen, read elsewhere, reading, muted and quiet messages, in that order', () => {
    const hi = (from: string) => ({ from, text: 'hi' });
    expect(decide(policy, hi('mia'), { ...base, seen: true })).toBe('own');
    expect(decide(policy, hi('alice'), { ...base, seen: true, readingNow: true })).toBe('seen');
    expect(decide(policy, hi('alice'), { ...base, read: true, readingNow: true })).toBe('read');
    expect(decide(policy, hi('alice'), { ...base, readingNow: true })).toBe('reading');
    expect(decide(policy, hi('spam'), { ...base, now: night })).toBe('muted');
    expect(decide(policy, hi('alice'), { ...base, now: night })).toBe('quiet');
  });
  it('skips a muted group unless the message mentions me', () => {
    expect(decide(policy, { from: 'alice', text: 'deploy done', group: quietGroup }, base)).toBe('muted');
    expect(decide(policy, { from: 'alice', text: 'deploy done @MIA', group: quietGroup }, base)).toBe('notify');
    expect(decide(policy, { from: 'alice', text: 'mail mia@example.com', group: quietGroup }, base)).toBe('muted');
    expect(decide(policy, { from: 'alice', text: 'deploy done', group: loudGroup }, base)).toBe('notify');
  });
  it('a mention does not override what the person chose on this machine: muted sender, quiet hours, reading', () => {
    const mention = { from: 'alice', text: '@mia look', group: quietGroup };
    expect(decide(policy, { ...mention, from: 'spam' }, base)).toBe('muted');
    expect(decide(policy, mention, { ...base, now: night })).toBe('quiet');
    expect(decide(policy, mention, { ...base, readingNow: true })).toBe('reading');
  });
  it("skips a 1:1 conversation muted on the server, but not that person's messages in a group", () => {
    const withPeers: Policy = { ...policy, peerMuted: (u) => u === 'ci-bot' };
    expect(decide(withPeers, { from: 'ci-bot', text: 'build 812 passed' }, base)).toBe('muted');
    expect(decide(withPeers, { from: 'ci-bot', text: 'build 812 passed', group: loudGroup }, base)).toBe('notify');
    expect(decide(withPeers, { from: 'alice', text: 'hi' }, base)).toBe('notify');
    // Reading it now is still what the log says; own messages stay own.
    expect(decide(withPeers, { from: 'ci-bot', text: 'hi' }, { ...base, readingNow: true })).toBe('reading');
  });
});
