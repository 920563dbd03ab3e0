// Picks several people with the people search (GET /api/people): chosen ones show as removable
// chips. Used to start a group and to add members to one.
import { useId, useState } from 'react';
import { PeopleSearchInput, PersonResult, usePeopleSearch } from '../../components/PeopleSearch';

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
        value={q}
        onChange={setQ}
        onKeyDown={(e) => {
          const first = offered[0];
          if (e.key === 'Enter') {
            e.preventDefault();
            if (first) pick(first.username);
          }
        }}
      />
      <ul id={listId} className="people-results" aria-label="People" aria-live="polite">
        {offered.map((u) => (
          <PersonResult key={u.username} user={u} onPick={pick} />
        ))}
        {q.trim() && debounced === q && people.isSuccess && !people.isPlaceholderData && offered.length === 0 && <li className="muted pad">Nobody else by that name.</li>}
        {people.isError && <li className="form-error pad">Search failed.</li>}
      </ul>
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
