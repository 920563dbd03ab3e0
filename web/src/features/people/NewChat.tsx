// "New chat": search people by name prefix and open a conversation with one of them.
import { useEffect, useId, useRef } from 'react';
import { PeopleSearchInput, PersonResult, usePeopleSearch, useResultNavigation } from '../../components/PeopleSearch';

export function NewChat({ onPick, onClose }: { onPick: (username: string) => void; onClose: () => void }) {
  const { q, setQ, debounced, people } = usePeopleSearch();
  const inputRef = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const listId = useId();

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  const users = debounced.trim() ? (people.data?.users ?? []) : [];
  const results = useResultNavigation(users, onPick);
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
          activeId={results.activeId}
          value={q}
          onChange={setQ}
          onKeyDown={results.onKeyDown}
        />
        <button type="button" className="ghost" onClick={onClose}>
          Cancel
        </button>
      </div>
      <ul id={listId} className="people-results" role="listbox" aria-label="People">
        {users.map((u, i) => (
          <PersonResult key={u.username} user={u} id={results.optionId(i)} active={i === results.active} onPick={onPick} />
        ))}
      </ul>
      <p className="people-status muted small" role="status">
        {debounced.trim() && people.isSuccess && users.length === 0 && 'Nobody by that name.'}
        {people.isError && <span className="form-error">Search failed.</span>}
      </p>
    </div>
  );
}
