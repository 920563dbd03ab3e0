// The one search box (Ctrl+K / Cmd+K, the sidebar's search button, a conversation's search icon):
// conversations, people and messages from one field. The ARIA combobox pattern, as in PeopleSearch:
// focus stays in the field, ↑/↓ move the active option (aria-activedescendant), Enter opens it, Esc
// closes and gives focus back to where it was. Opened inside a conversation it searches only there,
// shown as a chip that Backspace in the empty field removes.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useConversations } from '../../api/conversations';
import { useGroups } from '../../api/groups';
import { ApiError } from '../../api/http';
import { usePeople } from '../../api/people';
import { useMessageSearch } from '../../api/search';
import { Avatar } from '../../components/Avatar';
import { BotBadge } from '../../components/BotBadge';
import { displayText } from '../../lib/bidi';
import { conversationKey } from '../../lib/conversation-ref';
import { formatStamp } from '../../lib/format';
import { setJumpTarget } from '../../lib/jump-target';
import { useModal } from '../../lib/modal';
import { navigate } from '../../lib/router';
import type { SearchScope } from '../../lib/search-box';
import { Highlighted } from './highlight';
import { buildOptions, type SearchOption } from './search-options';
import { PersonAvatar, PersonName } from '../profile/Person';

const DEBOUNCE_MS = 200;

const GROUP_TITLES = { conversation: 'Conversations', person: 'People', message: 'Messages' } as const;

/** Usernames are one word of at most 32 characters: anything else cannot name a person. */
const PERSON_QUERY = /^\S{1,32}$/;

export function searchErrorText(error: unknown): string {
  if (error instanceof ApiError && error.status === 429) return 'Too many searches. Wait a moment and try again.';
  if (error instanceof ApiError && error.status === 400) return 'That search cannot be run. Try other words.';
  return 'Search failed. Check your connection and try again.';
}

export function SearchBox({ me, scope: initialScope, onClose }: { me: string; scope: SearchScope | null; onClose: () => void }) {
  const [q, setQ] = useState('');
  const [debounced, setDebounced] = useState('');
  const [scope, setScope] = useState(initialScope);
  const [active, setActive] = useState(0);
  // Where the focus was: Esc gives it back (the button that opened the box, the composer...).
  const [returnTo] = useState(() => document.activeElement);
  const ids = useId();
  const listId = `${ids}list`;
  const optionId = (i: number) => `${ids}option-${i}`;

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(q), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [q]);

  const dismiss = () => {
    if (returnTo instanceof HTMLElement && returnTo.isConnected) returnTo.focus();
    onClose();
  };
  const inputRef = useModal<HTMLInputElement>(dismiss);
  const closeRef = useRef(dismiss);
  closeRef.current = dismiss;

  const conversations = useConversations(false);
  const groups = useGroups(false);
  const people = usePeople(!scope && PERSON_QUERY.test(debounced.trim()) ? debounced : '');
  const search = useMessageSearch(debounced, scope);
  const options = buildOptions({
    q: debounced,
    me,
    conversations: conversations.data,
    groups: groups.data,
    people: people.data?.users,
    hits: search.data?.pages.flatMap((p) => p.results),
    scoped: scope !== null,
    more: search.hasNextPage,
  });

  // A new search starts at the first result again. More results keep the place: "More messages"
  // is replaced by the first of them, which is then active.
  const searched = `${debounced.trim()}\n${scope ? conversationKey(scope) : ''}`;
  const [shownSearch, setShownSearch] = useState(searched);
  if (shownSearch !== searched) {
    setShownSearch(searched);
    setActive(0);
  }
  const current = Math.min(active, options.length - 1);

  const open = (option: SearchOption) => {
    if (option.kind === 'more') {
      if (!search.isFetchingNextPage) void search.fetchNextPage();
      return;
    }
    if (option.kind === 'message') setJumpTarget(option.where, option.hit.message.id);
    onClose();
    navigate(option.path);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (options.length > 0) setActive(Math.max(0, Math.min(options.length - 1, current + (e.key === 'ArrowDown' ? 1 : -1))));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const option = options[current];
      if (option) open(option);
    } else if (e.key === 'Backspace' && q === '' && scope) {
      e.preventDefault();
      setScope(null);
    }
  };

  // Keep the active option in view as ↑/↓ move past the edge of the list.
  useEffect(() => {
    if (current >= 0) document.getElementById(optionId(current))?.scrollIntoView?.({ block: 'nearest' });
    // optionId only depends on ids.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current]);

  const text = debounced.trim();
  const searching = text.length > 0 && search.isFetching;
  const messagesFound = options.some((o) => o.kind === 'message');
  const activeId = current >= 0 && options.length > 0 ? optionId(current) : undefined;

  return (
    <div className="modal-backdrop search-backdrop" onMouseDown={(e) => e.target === e.currentTarget && closeRef.current()}>
      <section className="search-box" role="dialog" aria-modal="true" aria-label={scope ? `Search in ${scope.name}` : 'Search'}>
        <div className="search-field">
          {scope && (
            <span className="chip search-scope" data-testid="search-scope">
              <span>in</span>
              <bdi>{displayText(scope.name)}</bdi>
              <button type="button" className="chip-remove" aria-label={`Search everywhere, not only in ${scope.name}`} onClick={() => setScope(null)}>
                ×
              </button>
            </span>
          )}
          <input
            ref={inputRef}
            type="search"
            role="combobox"
            aria-label={scope ? `Search messages in ${scope.name}` : 'Search conversations, people and messages'}
            placeholder={scope ? 'Search messages' : 'Search conversations, people and messages'}
            autoComplete="off"
            spellCheck={false}
            maxLength={200}
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onKeyDown={onKeyDown}
            aria-controls={listId}
            aria-expanded={options.length > 0}
            aria-autocomplete="list"
            aria-activedescendant={activeId}
          />
          {/* Phones have no Esc key. */}
          <button type="button" className="ghost" onClick={dismiss}>
            Cancel
          </button>
        </div>
        <div id={listId} role="listbox" aria-label="Search results" className="search-results">
          {(['conversation', 'person', 'message'] as const).map((kind) => {
            // "More" closes the Messages group.
            const inGroup = options.map((o, i) => [o, i] as const).filter(([o]) => o.kind === kind || (kind === 'message' && o.kind === 'more'));
            if (inGroup.length === 0) return null;
            return (
              <div key={kind} role="group" aria-labelledby={`${ids}${kind}`} className="search-group">
                <div id={`${ids}${kind}`} role="presentation" className="search-group-title">
                  {GROUP_TITLES[kind]}
                </div>
                {inGroup.map(([option, i]) => (
                  <div
                    key={option.key}
                    id={optionId(i)}
                    role="option"
                    aria-selected={i === current}
                    className={`search-option${i === current ? ' active' : ''}`}
                    // The field keeps focus (a mousedown would take it); the click opens.
                    onMouseDown={(e) => e.preventDefault()}
                    onMouseMove={() => i !== current && setActive(i)}
                    onClick={() => open(option)}
                  >
                    {option.kind === 'more' ? (
                      <span className="search-more">{search.isFetchingNextPage ? 'Loading more…' : 'More messages'}</span>
                    ) : (
                      <OptionBody option={option} me={me} />
                    )}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
        <p className="search-status muted small" role="status">
          {text && searching && !messagesFound ? 'Searching…' : ''}
          {text && search.isSuccess && !search.isFetching && !messagesFound ? 'No messages match.' : ''}
        </p>
        {text && search.isError && (
          <p className="form-error small search-error" role="alert">
            {searchErrorText(search.error)}
          </p>
        )}
      </section>
    </div>
  );
}

function OptionBody({ option, me }: { option: Exclude<SearchOption, { kind: 'more' }>; me: string }) {
  if (option.kind === 'conversation')
    return (
      <>
        {option.group ? (
          <Avatar name={option.name} colourKey={option.colourKey} shape="group" size="sm" />
        ) : (
          <PersonAvatar username={option.colourKey} size="sm" />
        )}
        {option.group ? <bdi className="search-name">{displayText(option.name)}</bdi> : <PersonName className="search-name" username={option.colourKey} />}
        <span className="muted small">{option.group ? 'Group' : 'Chat'}</span>
      </>
    );
  if (option.kind === 'person')
    return (
      <>
        <Avatar name={option.user.displayName ?? option.user.username} colourKey={option.user.username} src={option.user.avatarUrl} online={option.user.online} size="sm" />
        <bdi className="search-name">{displayText(option.user.displayName ?? option.user.username)}</bdi>
        {/* Display names need not be unique: the username tells people apart. */}
        {option.user.displayName && <bdi className="muted small">@{option.user.username}</bdi>}
        {option.user.bot && <BotBadge />}
        <span className="muted small">Person</span>
      </>
    );
  const { message, matches } = option.hit;
  return (
    <div className="search-message">
      <div className="search-message-head">
        {'peer' in option.where ? <PersonName className="search-name" username={option.where.peer} /> : <bdi className="search-name">{displayText(option.name)}</bdi>}
        <span className="muted small">
          {' · '}
          {message.from === me ? 'You' : <PersonName username={message.from} />}
          {' · '}
          <time dateTime={message.sentAt}>{formatStamp(message.sentAt)}</time>
        </span>
      </div>
      <Highlighted text={message.text} matches={matches} />
    </div>
  );
}
