// "New chat": search people by name prefix and open a conversation with one of them.
import { useEffect, useId, useRef } from 'react';
import { PeopleSearchInput, PersonResult, usePeopleSearch } from '../../components/PeopleSearch';

export function NewChat({ onPick, onClose }: { onPick: (username: string) => void; onClose: () => void }) {
  const { q, setQ, debounced, people } = usePeopleSearch();
  const inputRef = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const listId = useId();

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

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
        <PeopleSearchInput
          id={inputId}
          ref={inputRef}
          listId={listId}
          value={q}
          onChange={setQ}
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
          <PersonResult key={u.username} user={u} onPick={onPick} />
        ))}
        {debounced.trim() && people.isSuccess && users.length === 0 && <li className="muted pad">Nobody by that name.</li>}
        {people.isError && <li className="form-error pad">Search failed.</li>}
      </ul>
    </div>
  );
}
