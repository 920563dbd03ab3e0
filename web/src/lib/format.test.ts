// The conversation list and the chat name days with the same words (issue 18: the list said
// "Sun" where the chat said "Yesterday"), and a date from another year always shows the year.
import { describe, expect, it } from 'vitest';
import { formatDay, formatStamp } from './format';

// Local times: the day boundaries are the user's, whatever the test machine's zone.
const now = new Date(2026, 10, 30, 9, 30); // Mon 30 Nov 2026, 09:30
const at = (y: number, m: number, d: number, h = 12) => new Date(y, m, d, h);
const iso = (date: Date) => date.toISOString();

describe('day words', () => {
  it('uses "Today" and "Yesterday" in the chat and the list alike', () => {
    const earlier = at(2026, 10, 30, 8);
    expect(formatDay(earlier, now)).toBe('Today');
    // Today's list stamp is the time: the same as the message's own time.
    expect(formatStamp(iso(earlier), now)).toMatch(/8:00/);

    for (const yesterday of [at(2026, 10, 29, 0), at(2026, 10, 29, 23)]) {
      expect(formatDay(yesterday, now)).toBe('Yesterday');
      expect(formatStamp(iso(yesterday), now)).toBe('Yesterday');
    }
  });

  it('names a weekday within the week, and a date without a year before that in this year', () => {
    const friday = at(2026, 10, 27);
    expect(formatStamp(iso(friday), now)).toBe(new Intl.DateTimeFormat(undefined, { weekday: 'short' }).format(friday));
    const august = at(2026, 7, 3);
    expect(formatStamp(iso(august), now)).not.toMatch(/2026/);
    expect(formatDay(august, now)).not.toMatch(/2026/);
  });

  it('shows the year for a date in another year, in the list and in the chat', () => {
    for (const old of [at(2025, 10, 1), at(2024, 1, 29), at(2025, 11, 31, 23)]) {
      const year = String(old.getFullYear());
      expect(formatStamp(iso(old), now)).toContain(year);
      expect(formatDay(old, now)).toContain(year);
    }
    // New Year's Day: last week's Wednesday is a weekday, not a date, even across the year.
    const newYear = new Date(2027, 0, 1, 10);
    expect(formatStamp(iso(at(2026, 11, 30)), newYear)).toBe(new Intl.DateTimeFormat(undefined, { weekday: 'short' }).format(at(2026, 11, 30)));
    expect(formatStamp(iso(at(2026, 11, 31)), newYear)).toBe('Yesterday');
  });

  it('counts calendar days across a daylight-saving change', () => {
    // 23- and 25-hour days: still one day apart.
    expect(formatStamp(iso(at(2026, 2, 28, 23)), at(2026, 2, 29, 1))).toBe('Yesterday');
    expect(formatStamp(iso(at(2026, 9, 24, 23)), at(2026, 9, 25, 1))).toBe('Yesterday');
  });
});
