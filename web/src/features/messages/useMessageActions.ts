// What a person can do to a message (issue 18): reply, react, edit, delete for everyone or for
// me, copy. Shared by the 1:1 and group views. Reply and edit are modes of the composer, kept
// here; the others go to the server at once and show in the cache at once (optimistic), rolled
// back with an inline message when the server refuses. The server's own update (message:update)
// then brings the message's real state.
import { REPLY_EXCERPT_LENGTH, type ChatMessage, type ReactionSummary, type ReplyRef } from '@messenger/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { ApiError } from '../../api/http';
import { deleteMessage, editMessage, react, unreact } from '../../api/message-actions';
import { setJumpTarget } from '../../lib/jump-target';
import type { ConversationRef } from '../../lib/conversation-ref';
import { applyMessageState, changeClock, restoreMessage } from './ingest-update';
import { plainText } from './rich-text';

export type ComposeMode = { kind: 'reply'; message: ChatMessage } | { kind: 'edit'; message: ChatMessage } | null;

export interface MessageActions {
  me: string;
  reply(message: ChatMessage): void;
  edit(message: ChatMessage): void;
  /** Asks first (a dialog); the answer comes through `confirmDelete`. */
  askDelete(message: ChatMessage, scope: 'everyone' | 'me'): void;
  toggleReaction(message: ChatMessage, emoji: string): void;
  copy(message: ChatMessage): void;
  /** Opens the history at the message a reply quotes. */
  showQuoted(message: ChatMessage): void;
}

/** Why the server refused, in words for the person who tried. */
export function describeActionError(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  switch (error.code) {
    case 'edit_window_closed':
      return 'This message is too old to change now.';
    case 'not_message_author':
      return 'Only its author can change this message.';
    case 'message_deleted':
      return 'This message was deleted.';
    case 'message_not_found':
      return 'This message is no longer there.';
    case 'too_many_reactions':
      return 'This message cannot take another kind of reaction.';
    case 'kafka_unavailable':
    case 'service_unavailable':
      return 'The server is busy. Please try again in a moment.';
    case 'network_error':
      return 'You are offline. Please try again when connected.';
    case 'rate_limited':
      return 'Too fast. Please try again in a moment.';
    default:
      return error.message;
  }
}

/** The quote a reply shows before the server's own arrives: the same cut as the server's. */
export function quoteOf(message: ChatMessage): ReplyRef {
  return { id: message.id, from: message.from, text: [...message.text].slice(0, REPLY_EXCERPT_LENGTH).join('') };
}

/** The reactions with mine added to or taken from `emoji`, in the server's shape (none: absent). */
export function toggledReactions(reactions: readonly ReactionSummary[] | undefined, emoji: string, me: string): ReactionSummary[] | undefined {
  const list = reactions ?? [];
  const found = list.find((r) => r.emoji === emoji);
  let next: ReactionSummary[];
  if (found?.users.includes(me)) {
    next = list.map((r) => (r === found ? { ...r, users: r.users.filter((u) => u !== me) } : r)).filter((r) => r.users.length > 0);
  } else if (found) next = list.map((r) => (r === found ? { ...r, users: [...r.users, me] } : r));
  else next = [...list, { emoji, users: [me] }];
  return next.length > 0 ? next : undefined;
}

export function useMessageActions(me: string, ref: ConversationRef) {
  const client = useQueryClient();
  const [mode, setMode] = useState<ComposeMode>(null);
  const [asking, setAsking] = useState<{ message: ChatMessage; scope: 'everyone' | 'me' } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // The caller's ref is a new object each render; what it names is what counts.
  const name = 'peer' in ref ? ref.peer : ref.group;
  const isGroup = 'group' in ref;
  const where = useMemo<ConversationRef>(() => (isGroup ? { group: name } : { peer: name }), [isGroup, name]);

  /** Shows `optimistic` now; the server's answer keeps it, a refusal puts `before` back. */
  const attempt = useCallback(
    (before: ChatMessage, optimistic: ChatMessage | 'hidden', request: () => Promise<unknown>) => {
      setProblem(null);
      const since = Date.now();
      if (optimistic === 'hidden') applyMessageState(client, me, before, true);
      else applyMessageState(client, me, optimistic, false);
      request().catch((error: unknown) => {
        // An update from the server since then is newer than either.
        if (!changeClock.changedSince(before.id, since)) restoreMessage(client, me, before);
        setProblem(describeActionError(error));
      });
    },
    [client, me],
  );

  const saveEdit = useCallback(
    (message: ChatMessage, text: string) => {
      setMode(null);
      if (text === message.text) return;
      attempt(message, { ...message, text, editedAt: new Date().toISOString() }, () => editMessage(message.id, text));
    },
    [attempt],
  );

  const confirmDelete = useCallback(() => {
    if (!asking) return;
    const { message, scope } = asking;
    setAsking(null);
    setMode((m) => (m?.message.id === message.id ? null : m));
    if (scope === 'me') attempt(message, 'hidden', () => deleteMessage(message.id, 'me'));
    else {
      const { reactions: _gone, ...rest } = message;
      attempt(message, { ...rest, text: '', deleted: true }, () => deleteMessage(message.id, 'everyone'));
    }
  }, [asking, attempt]);

  const actions = useMemo<MessageActions>(
    () => ({
      me,
      reply: (message) => setMode({ kind: 'reply', message }),
      edit: (message) => setMode({ kind: 'edit', message }),
      askDelete: (message, scope) => setAsking({ message, scope }),
      toggleReaction: (message, emoji) => {
        const mine = message.reactions?.some((r) => r.emoji === emoji && r.users.includes(me));
        const reactions = toggledReactions(message.reactions, emoji, me);
        const { reactions: _old, ...rest } = message;
        attempt(message, reactions ? { ...rest, reactions } : rest, () => (mine ? unreact(message.id, emoji) : react(message.id, emoji)));
      },
      copy: (message) => {
        setProblem(null);
        // No clipboard API off a secure origin (plain http to another host): say so.
        const copied = typeof navigator.clipboard?.writeText === 'function' ? navigator.clipboard.writeText(message.text) : Promise.reject(new Error('no clipboard'));
        copied.catch(() => setProblem('Could not copy the text. Select it and copy it instead.'));
      },
      showQuoted: (message) => {
        if (message.replyTo) setJumpTarget(where, message.replyTo.id);
      },
    }),
    [me, attempt, where],
  );

  return {
    actions,
    mode,
    cancelMode: useCallback(() => setMode(null), []),
    saveEdit,
    asking,
    confirmDelete,
    cancelDelete: useCallback(() => setAsking(null), []),
    problem,
    dismissProblem: useCallback(() => setProblem(null), []),
  };
}

/**
 * The composer's reply and edit props from the actions' state; ↑ edits my newest message. Not
 * while one of mine is still sending: it is the newest, and it cannot be edited before the server
 * has it (↑ would otherwise open the one before it, which is not what the writer meant).
 */
export function composerModeProps(state: ReturnType<typeof useMessageActions>, messages: readonly ChatMessage[], sending: number) {
  const { mode, cancelMode, saveEdit, actions } = state;
  return {
    replyTo: mode?.kind === 'reply' ? { from: mode.message.from, text: plainText(quoteOf(mode.message).text) } : null,
    onCancelReply: cancelMode,
    editing: mode?.kind === 'edit' ? { id: mode.message.id, text: mode.message.text } : null,
    onSaveEdit: (text: string) => {
      if (mode?.kind === 'edit') saveEdit(mode.message, text);
    },
    onCancelEdit: cancelMode,
    onEditLast: () => {
      if (sending > 0) return;
      const last = messages.findLast((m) => m.from === actions.me && !m.deleted);
      if (last) actions.edit(last);
    },
  };
}
