// "New chat": search people by name prefix and open a conversation with one of them.
import { useEffect, useId, useRef, useState } from 'react';
import { usePeople } from '../../api/people';
import { Avatar } from '../../components/Avatar';

export function NewChat({ onPick, onClose }: { onPick: (username: string) => void; onClose: () => void }) {
  const [q, setQ] = useState('');
  const [debounced, setDebounced] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const listId = useId();
  const people = usePeople(debounced);

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(q), 150);
    return () => clearTimeout(timer);
  }, [q]);

  const users = debounced.trim() ? (people.data?.users ?? []) : [];
  return (
    <div
      className="new-chat-panel"
      role="search"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <label htmlFor={inputId} className="visually-hidden">
        Search people
      </label>
      <div className="search-row">
        <input
          id={inputId}
          ref={inputRef}
          type="search"
          placeholder="Search people by username"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={32}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          aria-controls={listId}
          onKeyDown={(e) => {
            const first = users[0];
            if (e.key === 'Enter' && first) onPick(first.username);
          }}
        />
        <button type="button" className="ghost" onClick={onClose}>
          Cancel
        </button>
      </div>
      <ul id={listId} className="people-results" aria-label="People" aria-live="polite">
        {users.map((u) => (
          <li key={u.username}>
            <button type="button" className="person" onClick={() => onPick(u.username)}>
              <Avatar name={u.username} online={u.online} size="sm" />
              <span>{u.username}</span>
              <span className="muted small">{u.online ? 'online' : ''}</span>
            </button>
          </li>
        ))}
        {debounced.trim() && people.isSuccess && users.length === 0 && <li className="muted pad">Nobody by that name.</li>}
        {people.isError && <li className="form-error pad">Search failed.</li>}
      </ul>
    </div>
  );
}
