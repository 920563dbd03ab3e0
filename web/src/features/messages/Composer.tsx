// Enter sends, Shift+Enter adds a line. Up to 4000 characters, with a counter. In a group, typing
// `@` offers the members whose names start with what follows (arrows pick, Enter or Tab insert).
// A reply shows its quote above the text box; editing one of my messages puts its text in the box
// (↑ in an empty box edits my last one), Enter saves, Esc cancels either. The draft waits aside.
import { SendIcon } from '../../components/Icons';
import { MAX_TEXT_LENGTH, cleanMessageText, isBlankText, messageTextProblem } from '@messenger/protocol';
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { setDraft, useDraft } from './drafts';
import { mentionQueryAt } from './mentions';
import { PersonName } from '../profile/Person';

const TYPING_REPEAT_MS = 2000;
const TYPING_IDLE_MS = 3000;
const COUNTER_FROM = MAX_TEXT_LENGTH - 500;

export interface ComposerProps {
  /** The conversation: keys the draft, and names it unless `label` does. */
  peer: string;
  /** How to name the conversation in "Message …" (a group's name). */
  label?: string;
  onSend: (text: string) => void;
  onTyping?: (typing: boolean) => void;
  /** Who can be @mentioned here (a group's other members); no list, no suggestions. */
  mentionCandidates?: readonly string[];
  /** Replying: the quote shown above the text box. */
  replyTo?: { from: string; text: string } | null;
  onCancelReply?: () => void;
  /** Editing one of my messages: its id and text (the text box holds the edit, not the draft). */
  editing?: { id: string; text: string } | null;
  onSaveEdit?: (text: string) => void;
  onCancelEdit?: () => void;
  /** ↑ in an empty text box: edit my last message. */
  onEditLast?: () => void;
}

const MAX_SUGGESTIONS = 6;

export function Composer(props: ComposerProps) {
  const { peer, label = peer, onSend, onTyping, mentionCandidates } = props;
  const { replyTo, onCancelReply, editing, onSaveEdit, onCancelEdit, onEditLast } = props;
  // The draft store is the text: it survives switching conversations and reloads, and another tab
  // typing in the same conversation shows here too. An edit has its own text, the draft waits.
  const draft = useDraft(peer);
  const [edit, setEdit] = useState('');
  const text = editing ? edit : draft;
  const setText = (value: string) => (editing ? setEdit(value) : setDraft(peer, value));
  const ref = useRef<HTMLTextAreaElement>(null);
  const editingId = editing?.id;
  const replyingTo = replyTo ? `${replyTo.from}:${replyTo.text}` : null;
  const id = useId();
  const counterId = useId();
  const listId = useId();
  const [caret, setCaret] = useState(0);
  const [picked, setPicked] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const typingSince = useRef(0);
  const idleTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // Ready to type on open; not on touch screens, where focus would pop up the keyboard.
  useEffect(() => {
    const touch = typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
    if (!touch) ref.current?.focus();
  }, [peer]);

  // Starting an edit or a reply: the focus comes here, an edit with its text and the caret at the end.
  useEffect(() => {
    if (editingId === undefined) return;
    const start = editing?.text ?? '';
    setEdit(start);
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(start.length, start.length);
    });
    // Only a new edit resets the text, not a re-render with the same one.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [editingId]);
  useEffect(() => {
    if (replyingTo) ref.current?.focus();
  }, [replyingTo]);

  // Grow with the text, up to a limit; then scroll inside.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 180)}px`;
  }, [text]);

  useEffect(
    () => () => {
      clearTimeout(idleTimer.current);
      if (typingSince.current) onTyping?.(false);
    },
    [onTyping],
  );

  function stopTyping() {
    clearTimeout(idleTimer.current);
    if (typingSince.current) {
      typingSince.current = 0;
      onTyping?.(false);
    }
  }

  const mention = mentionCandidates ? mentionQueryAt(text, caret) : null;
  const suggestions = mention ? (mentionCandidates ?? []).filter((name) => name.startsWith(mention.query)).slice(0, MAX_SUGGESTIONS) : [];
  const suggesting = mention !== null && suggestions.length > 0 && dismissedAt !== mention.start;
  const active = Math.min(picked, suggestions.length - 1);

  function insertMention(name: string) {
    if (!mention) return;
    const before = `${text.slice(0, mention.start)}@${name} `;
    setText(before + text.slice(caret));
    setCaret(before.length);
    setPicked(0);
    // After React writes the new value, put the caret right after the inserted name.
    requestAnimationFrame(() => ref.current?.setSelectionRange(before.length, before.length));
  }

  function change(raw: string) {
    // Pasted terminal output can carry ESC sequences or NULs the server refuses; they show
    // nothing, so they go before they can turn into a failed message.
    const value = cleanMessageText(raw);
    setText(value);
    // Fixing an old message is not "typing" a new one.
    if (!onTyping || editing) return;
    if (isBlankText(value)) return stopTyping();
    const now = Date.now();
    if (now - typingSince.current > TYPING_REPEAT_MS) {
      typingSince.current = now;
      onTyping(true);
    }
    clearTimeout(idleTimer.current);
    idleTimer.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function submit(event?: FormEvent) {
    event?.preventDefault();
    if (messageTextProblem(text) !== undefined || text.length > MAX_TEXT_LENGTH) return;
    if (editing) {
      onSaveEdit?.(text);
      setEdit('');
    } else {
      onSend(text);
      setText('');
      stopTyping();
    }
    ref.current?.focus();
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (suggesting) {
      const choice = suggestions[active];
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        return setPicked((active + step + suggestions.length) % suggestions.length);
      }
      if ((event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey && choice && !event.nativeEvent.isComposing) {
        event.preventDefault();
        return insertMention(choice);
      }
      if (event.key === 'Escape') {
        // Closes the suggestions only, not the panel or dialog around the composer.
        event.stopPropagation();
        return setDismissedAt(mention.start);
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape' && (editing || replyTo)) {
      // Cancels the edit or the reply only, not the panel or dialog around the composer.
      event.stopPropagation();
      if (editing) onCancelEdit?.();
      else onCancelReply?.();
    } else if (event.key === 'ArrowUp' && !editing && text === '' && onEditLast) {
      event.preventDefault();
      onEditLast();
    }
  }

  const length = text.length;
  const blank = isBlankText(text);
  return (
    <form className={`composer${editing ? ' editing' : ''}`} onSubmit={submit} aria-label={editing ? 'Edit your message' : 'Send a message'}>
      {(editing || replyTo) && (
        <div className="compose-context" data-testid={editing ? 'editing-bar' : 'reply-bar'}>
          <div className="compose-context-text">
            <span className="compose-context-title">{editing ? 'Editing your message' : <>Replying to {replyTo && <PersonName username={replyTo.from} />}</>}</span>
            {!editing && replyTo && (
              <span className="compose-context-quote" dir="auto">
                {replyTo.text}
              </span>
            )}
          </div>
          <button
            type="button"
            className="icon-button"
            aria-label={editing ? 'Cancel editing' : 'Cancel reply'}
            title={editing ? 'Cancel editing (Esc)' : 'Cancel reply (Esc)'}
            onClick={() => {
              if (editing) onCancelEdit?.();
              else onCancelReply?.();
              ref.current?.focus();
            }}
          >
            ×
          </button>
        </div>
      )}
      {suggesting && (
        <ul id={listId} className="mention-list" role="listbox" aria-label="Mention a member">
          {suggestions.map((name, i) => (
            <li
              key={name}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              // Keeps the focus in the text box, where typing goes on.
              onMouseDown={(e) => {
                e.preventDefault();
                insertMention(name);
              }}
            >
              @<bdi>{name}</bdi>
            </li>
          ))}
        </ul>
      )}
      <label htmlFor={id} className="visually-hidden">
        Message {label}
      </label>
      <textarea
        id={id}
        ref={ref}
        rows={1}
        placeholder={`Message ${label}`}
        maxLength={MAX_TEXT_LENGTH}
        value={text}
        onChange={(e) => {
          change(e.target.value);
          setCaret(e.target.selectionStart);
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
        onKeyDown={keyDown}
        aria-autocomplete={mentionCandidates ? 'list' : undefined}
        aria-controls={suggesting ? listId : undefined}
        aria-activedescendant={suggesting ? `${listId}-${active}` : undefined}
        onBlur={stopTyping}
        aria-describedby={counterId}
        enterKeyHint="send"
      />
      <span
        id={counterId}
        className={`counter${length === 0 ? ' empty' : ''}${length >= COUNTER_FROM ? ' near' : ''}${length >= MAX_TEXT_LENGTH ? ' full' : ''}`}
        aria-live={length >= COUNTER_FROM ? 'polite' : 'off'}
        data-testid="char-counter"
      >
        {length}/{MAX_TEXT_LENGTH}
      </span>
      <button type="submit" className="send" disabled={blank} aria-label={editing ? 'Save' : 'Send'}>
        <SendIcon />
      </button>
    </form>
  );
}
