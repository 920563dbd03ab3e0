// Picks several people with the people search (GET /api/people): chosen ones show as removable
// chips. Used to start a group and to add members to one.
import { useId, useState } from 'react';
import { PeopleSearchInput, PersonResult, usePeopleSearch, useResultNavigation } from '../../components/PeopleSearch';

export interface PeoplePickerProps {
  /** Already in (not offered again). */
  exclude?: readonly string[];
  /** When set, the picker has its own confirm and cancel buttons. */
  actionLabel?: string;
  onDone?: (usernames: string[]) => void;
  onCancel?: () => void;
  /** Controlled use: the chosen names live in the parent (the new-group form). */
  chosen?: readonly string[];
  onChange?: (usernames: string[]) => void;
}

export function PeoplePicker({ exclude = [], actionLabel, onDone, onCancel, chosen: controlled, onChange }: PeoplePickerProps) {
  const [own, setOwn] = useState<string[]>([]);
  const chosen = controlled ?? own;
  const setChosen = (next: string[]) => (onChange ? onChange(next) : setOwn(next));
  const { q, setQ, debounced, people } = usePeopleSearch();
  const inputId = useId();
  const listId = useId();

  const offered = debounced.trim() ? (people.data?.users ?? []).filter((u) => !exclude.includes(u.username) && !chosen.includes(u.username)) : [];
  const pick = (username: string) => {
    setChosen([...chosen, username]);
    setQ('');
  };
  const results = useResultNavigation(offered, pick);
  return (
    <div className="people-picker">
      {chosen.length > 0 && (
        <ul className="chips" aria-label="Chosen people">
          {chosen.map((name) => (
            <li key={name} className="chip">
              <bdi>{name}</bdi>
              <button type="button" className="chip-remove" aria-label={`Remove ${name} from the list`} onClick={() => setChosen(chosen.filter((n) => n !== name))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <label htmlFor={inputId}>Add people</label>
      <PeopleSearchInput
        id={inputId}
        listId={listId}
        activeId={results.activeId}
        value={q}
        onChange={setQ}
        onKeyDown={(e) => {
          // Enter never submits the form around the picker, results or not.
          if (e.key === 'Enter') e.preventDefault();
          results.onKeyDown(e);
        }}
      />
      <ul id={listId} className="people-results" role="listbox" aria-label="People">
        {offered.map((u, i) => (
          <PersonResult key={u.username} user={u} id={results.optionId(i)} active={i === results.active} onPick={pick} />
        ))}
      </ul>
      <p className="people-status muted small" role="status">
        {q.trim() && debounced === q && people.isSuccess && !people.isPlaceholderData && offered.length === 0 && 'Nobody else by that name.'}
        {people.isError && <span className="form-error">Search failed.</span>}
      </p>
      {actionLabel && (
        <div className="confirm-row">
          <button type="button" className="primary" disabled={chosen.length === 0} onClick={() => onDone?.([...chosen])}>
            {actionLabel}
            {chosen.length > 0 ? ` ${chosen.length}` : ''}
          </button>
          <button type="button" className="link" onClick={onCancel}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}
