// The reactions under a message: each emoji with its count, mine highlighted; a click adds or
// takes back mine. The accessible name says who reacted, the tooltip too.
import type { ReactionSummary } from '@messenger/protocol';
import { useDisplayNames } from '../../api/profiles';
import { emojiName } from './emoji-list';

function who(users: readonly string[], me: string, nameOf: (u: string) => string): string {
  const names = users.map((u) => (u === me ? 'you' : nameOf(u)));
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

export function ReactionChips({ reactions, me, onToggle }: { reactions: readonly ReactionSummary[]; me: string; onToggle?: (emoji: string) => void }) {
  // Everyone who reacted, by the name they chose (one query each, shared with the rest of the app).
  const everyone = [...new Set(reactions.flatMap((r) => r.users))];
  const names = useDisplayNames(everyone);
  const nameOf = (u: string) => names[everyone.indexOf(u)] ?? u;
  return (
    <div className="reactions" role="group" aria-label="Reactions">
      {reactions.map((r) => {
        const mine = r.users.includes(me);
        const people = who(r.users, me, nameOf);
        return (
          <button
            key={r.emoji}
            type="button"
            className={`reaction${mine ? ' mine' : ''}`}
            aria-pressed={mine}
            aria-label={`${emojiName(r.emoji)}: ${people}`}
            title={`${people}${onToggle ? (mine ? ' · click to take yours back' : ' · click to add yours') : ''}`}
            disabled={!onToggle}
            onClick={() => onToggle?.(r.emoji)}
          >
            <span aria-hidden="true">{r.emoji}</span>
            <span className="reaction-count" aria-hidden="true">
              {r.users.length}
            </span>
          </button>
        );
      })}
    </div>
  );
}
