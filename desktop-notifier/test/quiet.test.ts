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
  const policy: Policy = { me: 'me', muted: new Set(['spam']), quiet: parseQuietHours('22:00-07:00') };
  const day = at(12, 0);
  const night = at(23, 0);
  const base = { readingNow: false, seen: false, now: day };
  it('notifies a normal message', () => {
    expect(decide(policy, { from: 'alice' }, base)).toBe('notify');
  });
  it('skips own, seen, reading, muted and quiet messages, in that order', () => {
    expect(decide(policy, { from: 'me' }, { ...base, seen: true })).toBe('own');
    expect(decide(policy, { from: 'alice' }, { ...base, seen: true, readingNow: true })).toBe('seen');
    expect(decide(policy, { from: 'alice' }, { ...base, readingNow: true })).toBe('reading');
    expect(decide(policy, { from: 'spam' }, { ...base, now: night })).toBe('muted');
    expect(decide(policy, { from: 'alice' }, { ...base, now: night })).toBe('quiet');
  });
});
