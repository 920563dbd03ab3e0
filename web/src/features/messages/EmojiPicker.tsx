// "More reactions": a small grid of emoji with a search by name, all built in (emoji-list.ts).
// Typing filters; ↓ or Tab goes to the grid, where the arrow keys move; Enter picks; Esc closes.
import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { searchEmoji } from './emoji-list';

const COLUMNS = 8;

export function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const grid = useRef<HTMLDivElement>(null);
  const searchId = useId();
  const found = searchEmoji(query);

  const cells = () => [...(grid.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
  const onGridKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const all = cells();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS }[e.key];
    if (step === undefined || at < 0) return;
    e.preventDefault();
    const next = at + step;
    if (next < 0) document.getElementById(searchId)?.focus();
    else all[Math.min(next, all.length - 1)]?.focus();
  };

  return (
    <div
      className="emoji-picker"
      role="group"
      aria-label="Pick a reaction"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onClose();
        }
        // The message list's arrow keys must not also move between messages.
        e.stopPropagation();
      }}
    >
      <label htmlFor={searchId} className="visually-hidden">
        Search emoji
      </label>
      <input
        id={searchId}
        type="search"
        placeholder="Search emoji"
        autoComplete="off"
        value={query}
        autoFocus
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            cells()[0]?.focus();
          } else if (e.key === 'Enter' && found[0]) {
            e.preventDefault();
            onPick(found[0].emoji);
          }
        }}
      />
      <div ref={grid} className="emoji-grid" onKeyDown={onGridKey}>
        {found.map((e) => (
          <button key={e.emoji} type="button" aria-label={e.name} title={e.name} onClick={() => onPick(e.emoji)}>
            {e.emoji}
          </button>
        ))}
      </div>
      {found.length === 0 && <p className="small muted">No emoji called “{query}”.</p>}
    </div>
  );
}
