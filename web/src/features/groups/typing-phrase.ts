// What the typing line says in a group: names while they fit, a count when they do not.

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…"; null for nobody. */
export function typingPhrase(names: readonly string[]): string | null {
  const [first, second] = names;
  if (first === undefined) return null;
  if (second === undefined) return `${first} is typing…`;
  if (names.length === 2) return `${first} and ${second} are typing…`;
  return `${names.length} people are typing…`;
}
