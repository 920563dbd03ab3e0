// Deterministic avatars: the same name (or group id) always gets the same colour and initials,
// on every screen, with nothing stored.
const HUES = [210, 260, 330, 20, 150, 190, 45, 290];

/** A hue from a small palette that reads well in both themes, chosen by a string hash. */
export function hueOf(key: string): number {
  let h = 0;
  for (const ch of key) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return HUES[h % HUES.length] ?? 210;
}

/**
 * Two letters: a username's first two (usernames have no spaces), a group name's first letters
 * of its first two words ("On-call rota" → "OR"). Whole code points, so an emoji is not halved.
 */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/u).filter(Boolean);
  const first = [...(words[0] ?? '')];
  const second = [...(words[1] ?? '')];
  const letters = words.length > 1 ? `${first[0] ?? ''}${second[0] ?? ''}` : first.slice(0, 2).join('');
  return letters.toUpperCase() || '?';
}
