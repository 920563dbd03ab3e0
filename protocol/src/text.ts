// What counts as message text: the one rule the server, the web composer and the agent apply.
//
// A message must be well-formed Unicode (no lone surrogates), free of control characters other
// than tab and line breaks, and hold at least one character a reader can see. The reasons:
// - A lone surrogate has no UTF-8 form. JSON.stringify keeps it as "\ud800" on the Kafka topic
//   while SQLite stores U+FFFD, so the live copy and the history would differ. Refused.
// - Controls (NUL, ESC, BEL, C1…) show nothing, break argv (NUL) and terminals (ESC sequences in a
//   bot's log). Tab, LF and CR are ordinary text; everything else in Cc is refused.
// - "Blank" means every character is one of: white space (JS \s: Unicode White_Space + BOM),
//   a control, a Default_Ignorable_Code_Point (zero-width space/joiners, word joiner, soft
//   hyphen, bidi marks, Hangul fillers U+115F/U+1160/U+3164/U+FFA0, U+180E, variation
//   selectors, tags), U+2800 BRAILLE PATTERN BLANK, or a combining mark (\p{M}: with no base
//   it renders as nothing or a stray accent). Such a message would show as an empty bubble.
// Bidi controls (U+202A–U+202E, U+2066–U+2069) are allowed (right-to-left writers use them);
// displays isolate them instead: the web app with dir="auto"/<bdi>, the agent strips them.

/** A code unit of a surrogate pair that has no partner. With the u flag, pairs are one code point. */
const SURROGATE = '[\\uD800-\\uDFFF]';
/** C0 and C1 controls and DEL, except tab, LF and CR. */
const CONTROL = '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]';
const LONE_SURROGATE = new RegExp(SURROGATE, 'u');
const LONE_SURROGATES = new RegExp(SURROGATE, 'gu');
const FORBIDDEN_CONTROL = new RegExp(CONTROL, 'u');
const FORBIDDEN_CONTROLS = new RegExp(CONTROL, 'gu');
const INVISIBLE = /^[\s\p{Cc}\p{Default_Ignorable_Code_Point}\u2800\p{M}]*$/u;

export type TextProblem = 'blank' | 'lone_surrogate' | 'control_character';

/** Why `text` is not acceptable message text (length aside), or undefined when it is. */
export function messageTextProblem(text: string): TextProblem | undefined {
  if (LONE_SURROGATE.test(text)) return 'lone_surrogate';
  if (INVISIBLE.test(text)) return 'blank';
  if (FORBIDDEN_CONTROL.test(text)) return 'control_character';
  return undefined;
}

/**
 * What a client can do with typed or pasted text before sending: drop the controls the server
 * refuses (tab and line breaks stay) and turn lone surrogates into U+FFFD. Blank text stays blank.
 */
export function cleanMessageText(text: string): string {
  return text.replace(FORBIDDEN_CONTROLS, '').replace(LONE_SURROGATES, '\uFFFD');
}

/** True when the text holds nothing a reader could see (see the rules above). */
export function isBlankText(text: string): boolean {
  return INVISIBLE.test(text);
}

/** True when every surrogate is paired, so the string has an exact UTF-8 form. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

export const TEXT_PROBLEM_MESSAGES: Record<TextProblem, string> = {
  blank: 'must hold something visible, not only white space, invisible or control characters',
  lone_surrogate: 'must be well-formed Unicode (it holds an unpaired surrogate)',
  control_character: 'must not hold control characters other than tab and line breaks',
};

// A display name is shown beside other text on one line (a list row, a sender label, a
// notification title), where it must not pass for something else. So on top of the message rules:
// - It is one line: tab, LF, CR and the Unicode line and paragraph separators are refused.
// - Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are refused: in a
//   name they serve to reorder what follows ("evil\u202Egnp.exe" reads "evilexe.png"). Names in
//   right-to-left scripts need none of them; displays isolate each name (<bdi>) instead. The
//   implicit marks U+200E/U+200F stay allowed: they reorder nothing beyond the name.
// - "Characters" are code points, so a name in any script has the same limit of 64.

/** Longest display name, in code points, after trimming. */
export const MAX_DISPLAY_NAME_LENGTH = 64;

const LINE_BREAK = /[\t\n\r\u2028\u2029]/u;
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;

export type DisplayNameProblem = TextProblem | 'too_long' | 'bidi_control';

/**
 * The one form a display name is stored and compared in: NFC (so a name typed with decomposed
 * accents is the same name), without leading or trailing white space.
 */
export function normalizeDisplayName(raw: string): string {
  return isWellFormedText(raw) ? raw.normalize('NFC').trim() : raw.trim();
}

/** Why `name` (already normalized) is not an acceptable display name, or undefined when it is. */
export function displayNameProblem(name: string): DisplayNameProblem | undefined {
  const problem = messageTextProblem(name);
  if (problem) return problem;
  if (LINE_BREAK.test(name)) return 'control_character';
  if (BIDI_CONTROL.test(name)) return 'bidi_control';
  // Counting code points without building an array: a surrogate pair is one character.
  let length = 0;
  for (const _ of name) if (++length > MAX_DISPLAY_NAME_LENGTH) return 'too_long';
  return undefined;
}

export const DISPLAY_NAME_PROBLEM_MESSAGES: Record<DisplayNameProblem, string> = {
  ...TEXT_PROBLEM_MESSAGES,
  control_character: 'must be one line without control characters',
  too_long: `must be at most ${MAX_DISPLAY_NAME_LENGTH} characters`,
  bidi_control: 'must not hold bidirectional embedding, override or isolate characters (U+202A–U+202E, U+2066–U+2069)',
};

/**
 * One emoji, as a reaction: a single pictographic grapheme (with its skin tone, variation
 * selector or ZWJ sequence), a flag, or a keycap.
 */
// Each part at most one variation selector and one skin tone: repeated, they show as the plain
// emoji yet would count as another reaction (two chips that look alike).
const EMOJI =
  /^(?:\p{Extended_Pictographic}\uFE0F?[\u{1F3FB}-\u{1F3FF}]?|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3)(?:\u200D(?:\p{Extended_Pictographic}|[\u2640\u2642\u2695])\uFE0F?[\u{1F3FB}-\u{1F3FF}]?)*$/u;
export const MAX_EMOJI_LENGTH = 32;

export function isReactionEmoji(value: string): boolean {
  return value.length <= MAX_EMOJI_LENGTH && EMOJI.test(value);
}

/** JSON-schema format names, registered with TypeBox here and with Ajv by the server. */
export const TextFormats = {
  /** Message text: see messageTextProblem(). */
  message: 'message-text',
  /** Any other free text (passwords): only well-formedness is required. */
  wellFormed: 'well-formed-text',
  /** A display name as sent: checked after normalizeDisplayName(), see displayNameProblem(). */
  displayName: 'display-name',
  /** A reaction: exactly one emoji (isReactionEmoji()). */
  emoji: 'reaction-emoji',
} as const;

/** The check behind each format, for validators (Ajv) that keep their own registry. */
export const TEXT_FORMAT_CHECKS: Record<(typeof TextFormats)[keyof typeof TextFormats], (value: string) => boolean> = {
  [TextFormats.message]: (value) => messageTextProblem(value) === undefined,
  [TextFormats.wellFormed]: isWellFormedText,
  [TextFormats.displayName]: (value) => displayNameProblem(normalizeDisplayName(value)) === undefined,
  [TextFormats.emoji]: isReactionEmoji,
};
