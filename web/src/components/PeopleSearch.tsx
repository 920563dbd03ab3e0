// The parts of a people search that "New chat" and the group member picker share: the query,
// debounced so typing does not fire a request per key, the search box, and one result row.
import type { PublicUser } from '@messenger/protocol';
import { useEffect, useState, type KeyboardEventHandler, type Ref } from 'react';
import { usePeople } from '../api/people';
import { Avatar } from './Avatar';
import { BotBadge } from './BotBadge';

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

export interface PeopleSearchInputProps {
  id: string;
  /** The id of the result list the box controls. */
  listId: string;
  value: string;
  onChange: (value: string) => void;
  onKeyDown?: KeyboardEventHandler<HTMLInputElement>;
  ref?: Ref<HTMLInputElement>;
}

/** Usernames are lower-case and at most 32 characters: no capitals, spelling or autofill help. */
export function PeopleSearchInput({ id, listId, value, onChange, onKeyDown, ref }: PeopleSearchInputProps) {
  return (
    <input
      id={id}
      ref={ref}
      type="search"
      placeholder="Search people by username"
      autoComplete="off"
      autoCapitalize="none"
      spellCheck={false}
      maxLength={32}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      aria-controls={listId}
      onKeyDown={onKeyDown}
    />
  );
}

/** One person in the results: avatar with presence, name, a bot badge, "online". */
export function PersonResult({ user, onPick }: { user: PublicUser; onPick: (username: string) => void }) {
  return (
    <li>
      <button type="button" className="person" onClick={() => onPick(user.username)}>
        <Avatar name={user.username} online={user.online} size="sm" />
        <span>
          {user.username}
          {user.bot && (
            <>
              {' '}
              <BotBadge />
            </>
          )}
        </span>
        <span className="muted small">{user.online ? 'online' : ''}</span>
      </button>
    </li>
  );
}
