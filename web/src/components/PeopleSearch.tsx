// The parts of a people search that "New chat" and the group member picker share: the query,
// debounced so typing does not fire a request per key, the search box, and one result row.
import type { PublicUser } from '@messenger/protocol';
import { useEffect, useId, useState, type KeyboardEventHandler, type Ref } from 'react';
import { usePeople } from '../api/people';
import { Avatar } from './Avatar';
import { BotBadge } from './BotBadge';
import { displayText } from '../lib/bidi';

const DEBOUNCE_MS = 150;

/** `q` is what the box shows; `debounced` is what was searched for (it trails `q` by 150 ms). */
export function usePeopleSearch() {
  const [q, setQ] = useState('');
  const [debounced, setDebounced] = useState('');
  const people = usePeople(debounced);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(q), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [q]);
  return { q, setQ, debounced, people };
}

/**
 * The results as a listbox the box drives (the ARIA combobox pattern): the box keeps focus, so
 * typing goes on; ↑/↓ move the active person (aria-activedescendant), Enter picks it. Arrow keys
 * did nothing before (issue 18).
 */
export function useResultNavigation(results: readonly PublicUser[], onPick: (username: string) => void) {
  const [active, setActive] = useState(0);
  const prefix = useId();
  // New results start at the first again. Compared by names: the list is a new array each render.
  const names = results.map((u) => u.username).join('\n');
  const [shown, setShown] = useState(names);
  if (shown !== names) {
    setShown(names);
    setActive(0);
  }
  const current = Math.min(active, results.length - 1);
  const optionId = (index: number) => `${prefix}option-${index}`;

  const onKeyDown: KeyboardEventHandler<HTMLInputElement> = (e) => {
    if (results.length === 0) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setActive(Math.max(0, Math.min(results.length - 1, current + (e.key === 'ArrowDown' ? 1 : -1))));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const user = results[current];
      if (user) onPick(user.username);
    }
  };
  return { active: current, optionId, onKeyDown, activeId: results.length > 0 ? optionId(current) : undefined };
}

export interface PeopleSearchInputProps {
  id: string;
  /** The id of the result list the box controls. */
  listId: string;
  /** The active result's id (useResultNavigation), when there are results. */
  activeId: string | undefined;
  value: string;
  onChange: (value: string) => void;
  onKeyDown?: KeyboardEventHandler<HTMLInputElement>;
  ref?: Ref<HTMLInputElement>;
}

/** Usernames are lower-case and at most 32 characters: no capitals, spelling or autofill help. */
export function PeopleSearchInput({ id, listId, activeId, value, onChange, onKeyDown, ref }: PeopleSearchInputProps) {
  return (
    <input
      id={id}
      ref={ref}
      type="search"
      role="combobox"
      placeholder="Search people by username"
      autoComplete="off"
      autoCapitalize="none"
      spellCheck={false}
      maxLength={32}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      aria-controls={listId}
      aria-expanded={activeId !== undefined}
      aria-autocomplete="list"
      aria-activedescendant={activeId}
      onKeyDown={onKeyDown}
    />
  );
}

/** One person in the results (an option of the listbox): avatar with presence, name, a bot badge, "online". */
export function PersonResult({ user, id, active, onPick }: { user: PublicUser; id: string; active: boolean; onPick: (username: string) => void }) {
  return (
    // Picked by click here, by Enter in the box; the box keeps focus (mousedown would take it).
    <li
      id={id}
      role="option"
      aria-selected={active}
      className={`person${active ? ' active' : ''}`}
      onMouseDown={(e) => e.preventDefault()}
      onClick={() => onPick(user.username)}
    >
      <Avatar name={user.displayName ?? user.username} colourKey={user.username} src={user.avatarUrl} online={user.online} size="sm" />
      <span>
        <bdi>{displayText(user.displayName ?? user.username)}</bdi>
        {/* Display names need not be unique: the username tells people apart. */}
        {user.displayName && <bdi className="muted small person-username">@{user.username}</bdi>}
        {user.bot && (
          <>
            {' '}
            <BotBadge />
          </>
        )}
      </span>
      <span className="muted small">{user.online ? 'online' : ''}</span>
    </li>
  );
}
