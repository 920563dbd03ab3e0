// Text from other people, made safe to lay out next to ours. Two defences, used together:
// - Isolation: message text, names and link labels sit in dir="auto" / <bdi>, so their direction
//   never spills into the time stamp, the "You:" prefix or the text around a link.
// - Neutralising: the explicit embeddings and overrides (U+202A LRE, U+202B RLE, U+202C PDF,
//   U+202D LRO, U+202E RLO) are dropped for display. Isolation cannot stop an override from
//   reversing the characters inside its own span, which is how "photo\u202Etxt.exe" reads as
//   "photoexe.txt". Right-to-left text needs none of them: the browser orders it by itself, and
//   the isolates (U+2066–U+2069) that remain cannot reverse characters.
// The stored message is untouched; only what is drawn changes.

const EMBEDDING_OR_OVERRIDE = /[\u202A-\u202E]/g;

export function displayText(text: string): string {
  return text.replace(EMBEDDING_OR_OVERRIDE, '');
}
