// The reaction picker's emoji: a small built-in set with English names to search by. Built in on
// purpose: no CDN to load from (the app works offline and under a strict CSP) and no emoji
// package (the full Unicode set with metadata weighs hundreds of KB for a few dozen faces used).
export interface EmojiEntry {
  emoji: string;
  /** Its name, as a screen reader says it ("thumbs up"). */
  name: string;
  /** The name's words and other words it is found by ("yes", "like"). */
  keywords: readonly string[];
}

const RAW = `😀 grinning face|😃 smiling face with big eyes|😄 smiling face with smiling eyes|😁 beaming face|😆 laughing|😅 sweat smile|🤣 rolling on the floor laughing|😂 tears of joy,lol|🙂 slightly smiling|🙃 upside down|😉 winking|😊 blushing|😇 halo angel|🥰 smiling with hearts|😍 heart eyes|🤩 star struck|😘 blowing a kiss|😋 yum|😛 tongue out|😜 winking tongue|🤪 zany|🤑 money mouth|🤗 hugging|🤭 hand over mouth|🤫 shushing|🤔 thinking|🤐 zipper mouth|🤨 raised eyebrow|😐 neutral|😑 expressionless|😶 no mouth|😏 smirking|😒 unamused|🙄 rolling eyes|😬 grimacing|😌 relieved|😔 pensive|😪 sleepy|😴 sleeping|😷 face with mask|🤒 face with thermometer,sick|🤕 face with bandage,hurt|🤢 nauseated|🤮 vomiting|🥵 hot|🥶 cold|🥴 woozy|😵 dizzy|🤯 exploding head,mind blown|🤠 cowboy|🥳 party|😎 sunglasses,cool|🤓 nerd|🧐 monocle|😕 confused|😟 worried|🙁 frowning|😮 open mouth,surprised wow|😯 hushed|😲 astonished|😳 flushed|🥺 pleading|😦 frowning open mouth|😧 anguished|😨 fearful|😰 anxious with sweat|😥 sad but relieved|😢 crying|😭 loudly crying,sob|😱 screaming in fear,scared|😖 confounded|😣 persevering|😞 disappointed|😓 downcast with sweat|😩 weary|😫 tired|🥱 yawning|😤 face with steam,triumph|😡 pouting face,angry|😠 angry|🤬 cursing|😈 smiling devil|💀 skull|💩 poo|🤡 clown|👻 ghost|👽 alien|🤖 robot|😺 cat smiling|🙈 see no evil monkey|🙉 hear no evil monkey|🙊 speak no evil monkey|💯 hundred points|💥 collision,boom|💫 dizzy star|💦 sweat droplets|💬 speech balloon|💤 zzz,sleep|👋 waving hand,hello|🤚 raised back of hand|✋ raised hand|🖖 vulcan salute|👌 ok hand|🤌 pinched fingers|✌️ victory,peace|🤞 crossed fingers,luck|🤟 love you gesture|🤘 horns,rock|🤙 call me hand|👈 pointing left|👉 pointing right|👆 pointing up|👇 pointing down|☝️ index pointing up|👍 thumbs up,yes like|👎 thumbs down,no dislike|✊ raised fist|👊 fist bump|👏 clapping hands,applause|🙌 raising hands,hooray|👐 open hands|🤲 palms up|🤝 handshake,deal|🙏 folded hands,please thanks pray|✍️ writing hand|💪 flexed biceps,strong|🧠 brain|👀 eyes,looking|👁️ eye|❤️ red heart,love|🧡 orange heart|💛 yellow heart|💚 green heart|💙 blue heart|💜 purple heart|🖤 black heart|🤍 white heart|💔 broken heart|❣️ heart exclamation|💕 two hearts|💖 sparkling heart|🔥 fire,lit|✨ sparkles|⭐ star|🌟 glowing star|⚡ lightning,zap|☀️ sun|🌈 rainbow|☕ coffee|🍕 pizza|🍺 beer|🍻 clinking beers,cheers|🥂 clinking glasses,toast|🍾 champagne|🎂 birthday cake|🍰 cake|🎉 party popper,tada|🎊 confetti|🎁 gift,present|🏆 trophy|🥇 gold medal,first|🎯 direct hit,bullseye|🚀 rocket,launch ship it|✈️ airplane|🚗 car|⏰ alarm clock|⌛ hourglass|📌 pushpin|📎 paperclip|📝 memo note|📅 calendar|📈 chart up|📉 chart down|💡 light bulb,idea|🔔 bell|🔕 bell muted|🔒 locked|🔑 key|🛠️ tools|🐛 bug|✅ check mark,done|☑️ check box|✔️ check|❌ cross mark,no|❓ question|❗ exclamation|⚠️ warning|🚫 prohibited|🆗 ok button|🆒 cool button|🆕 new button|👀 eyes|🐶 dog|🐱 cat|🦄 unicorn|🐢 turtle,slow|🐍 snake|🌱 seedling|🌸 cherry blossom|🌹 rose|🍀 four leaf clover,luck`;

/** Each emoji once, in the order above. */
export const EMOJI: readonly EmojiEntry[] = (() => {
  const seen = new Set<string>();
  const out: EmojiEntry[] = [];
  for (const item of RAW.split('|')) {
    const space = item.indexOf(' ');
    const emoji = item.slice(0, space);
    if (seen.has(emoji)) continue;
    seen.add(emoji);
    const [name = '', aliases = ''] = item.slice(space + 1).split(',');
    out.push({ emoji, name, keywords: `${name} ${aliases}`.trim().split(' ') });
  }
  return out;
})();

/** The emoji with a word starting with each word of `query`, in any order. Entries are `emoji name,other words`. */
export function searchEmoji(query: string): readonly EmojiEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return EMOJI;
  return EMOJI.filter((e) => words.every((w) => e.keywords.some((k) => k.startsWith(w))));
}

/** A reaction's name for a screen reader ("thumbs up"), or the emoji itself when it is not listed. */
export function emojiName(emoji: string): string {
  return EMOJI.find((e) => e.emoji === emoji)?.name ?? emoji;
}
