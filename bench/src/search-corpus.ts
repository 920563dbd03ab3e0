// A synthetic history for the search benchmark: pseudo-words with a Zipf distribution (a few
// words in most messages, most words rare, as in real chat), over conversations between a fixed
// set of users. Seeded, so two runs search the same text.

/** mulberry32: a small seeded PRNG; quality is plenty for picking words. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'be', 'da', 'fi', 'go', 'hu', 'ja', 'pe', 'qui', 'ro', 'ze', 'tor', 'lin', 'mar', 'pol', 'sen', 'dar'];

/** `size` distinct pseudo-words, most frequent first (index = Zipf rank - 1). */
export function vocabulary(size: number, random: () => number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const n = 1 + Math.floor(random() * 4);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/** Draws word ranks from a Zipf(s) distribution over `size` ranks, by binary search of the CDF. */
export function zipf(size: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(size);
  let sum = 0;
  for (let k = 0; k < size; k++) cdf[k] = sum += 1 / (k + 1) ** s;
  for (let k = 0; k < size; k++) cdf[k] = (cdf[k] ?? 0) / sum;
  return () => {
    const u = random();
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] ?? 1) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export interface Conversation {
  a: string;
  b: string;
}

/** `count` distinct pairs of `users`, each user in at least one. */
export function conversations(users: readonly string[], count: number, random: () => number): Conversation[] {
  const seen = new Set<string>();
  const pairs: Conversation[] = [];
  for (let i = 0; pairs.length < count && i < count * 100; i++) {
    const a = users[i % users.length] ?? '';
    const b = users[Math.floor(random() * users.length)] ?? '';
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    if (a === b || seen.has(key)) continue;
    seen.add(key);
    pairs.push({ a, b });
  }
  return pairs;
}

/** A message of 2 to 24 words (mean about 8), as short chat lines are. */
export function messageText(words: readonly string[], rank: () => number, random: () => number): string {
  const length = Math.min(24, 2 + Math.floor(-Math.log(1 - random()) * 6));
  const out: string[] = [];
  for (let i = 0; i < length; i++) out.push(words[rank()] ?? '');
  return out.join(' ');
}
