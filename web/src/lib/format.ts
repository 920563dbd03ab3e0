// Dates and times in the user's locale (Intl), and day keys for separators.
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const dayYearFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const shortDayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const shortDayYearFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', year: 'numeric' });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function dayKey(date: Date): string {
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** Calendar days from `date` to `now` in the user's zone: 0 today, 1 yesterday (rounded: DST days are 23 or 25 hours). */
function daysAgo(date: Date, now: Date): number {
  return Math.round((startOfDay(now) - startOfDay(date)) / 86_400_000);
}

/**
 * "Today" or "Yesterday", else null: the one source of these words, so the conversation list and
 * the chat never name a day differently (the list said "Sun" where the chat said "Yesterday").
 */
export function relativeDay(date: Date, now = new Date()): 'Today' | 'Yesterday' | null {
  const days = daysAgo(date, now);
  // A stamp a little ahead of this device's clock is still today.
  return days <= 0 ? 'Today' : days === 1 ? 'Yesterday' : null;
}

export function formatTime(iso: string): string {
  return timeFormat.format(new Date(iso));
}

/** A day, without the time: "Nov 30, 2026". */
export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

export function formatFull(iso: string): string {
  return fullFormat.format(new Date(iso));
}

/** The chat's day separator: "Today", "Yesterday", "Friday, November 27", or with the year when it is another year's. */
export function formatDay(date: Date, now = new Date()): string {
  return relativeDay(date, now) ?? (date.getFullYear() === now.getFullYear() ? dayFormat : dayYearFormat).format(date);
}

/**
 * The list's stamp: a time today, "Yesterday", a weekday within the week, else a short date,
 * with the year when it is another year's (an old "Nov 1" read as this year's).
 */
export function formatStamp(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const word = relativeDay(date, now);
  if (word === 'Today') return timeFormat.format(date);
  if (word) return word;
  if (daysAgo(date, now) < 7) return weekdayFormat.format(date);
  return (date.getFullYear() === now.getFullYear() ? shortDayFormat : shortDayYearFormat).format(date);
}
