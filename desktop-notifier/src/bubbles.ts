// What each notification still on screen shows, so that a later change to one of its messages (an
// edit, a delete) can change or withdraw that bubble (issue 18). Only the latest bubble of a
// conversation counts: the per-conversation tag (notify.ts) made it replace the one before, so an
// older message no longer on screen is never raised again by its edit.
import type { ChatMessage } from '@messenger/protocol';
import { conversationOf, formatSummary, type Formatted, type NameOf } from './format.js';

/** Conversations remembered with a bubble on screen; past it the oldest is forgotten. */
export const MAX_BUBBLES = 500;
/** Messages kept per bubble (a long catch-up sums up many); older ones only count. */
export const MAX_PER_BUBBLE = 100;

interface Entry {
  message: ChatMessage;
  /** The newest change applied (`change.at`), so an older update arriving late changes nothing. */
  at: number;
}

export interface Bubble {
  /** The notification server's id for it. */
  readonly id: number;
  /** What it shows now. */
  shown: Formatted;
}

interface Held extends Bubble {
  entries: Entry[];
  /** Messages it sums up beyond `entries` (the count in "(n new)"). */
  older: number;
}

/** What an update does to a bubble: nothing, show something else in its place, or close it. */
export type BubbleChange = { do: 'nothing' } | { do: 'replace'; bubble: Bubble; with: Formatted } | { do: 'withdraw'; bubble: Bubble };

export class Bubbles {
  private readonly byConversation = new Map<string, Held>();

  constructor(
    private readonly me: string,
    private readonly names?: NameOf,
    private readonly limit = MAX_BUBBLES,
  ) {}

  /**
   * `messages` of one conversation were shown as one notification (`id` null: the OS gave none to
   * change it by). Either way it is now that conversation's bubble.
   */
  shown(id: number | null, messages: readonly ChatMessage[], shown: Formatted): void {
    const first = messages[0];
    if (!first) return;
    const key = conversationOf(first);
    this.byConversation.delete(key);
    if (id === null) return;
    const kept = messages.slice(-MAX_PER_BUBBLE);
    const entries = kept.map((message) => ({ message, at: message.editedAt ? Date.parse(message.editedAt) : Number.NEGATIVE_INFINITY }));
    this.byConversation.set(key, { id, shown, entries, older: messages.length - kept.length });
    if (this.byConversation.size > this.limit) this.byConversation.delete(this.byConversation.keys().next().value as string);
  }

  /**
   * Applies `message`'s new state (`gone`: deleted for everyone, or hidden by me) to the bubble
   * that shows it, and says what the notification must do. Until the caller reports back with
   * closed(), the bubble is taken to show the change.
   */
  apply(message: ChatMessage, at: string, gone: boolean): BubbleChange {
    const key = conversationOf(message);
    const bubble = this.byConversation.get(key);
    const i = bubble?.entries.findIndex((e) => e.message.id === message.id) ?? -1;
    const entry = bubble?.entries[i];
    const when = Date.parse(at);
    if (!bubble || !entry || !(when > entry.at)) return { do: 'nothing' };
    if (gone) bubble.entries.splice(i, 1);
    else bubble.entries[i] = { message, at: when };
    if (bubble.entries.length === 0) {
      this.byConversation.delete(key);
      return { do: 'withdraw', bubble };
    }
    const next = formatSummary(
      bubble.entries.map((e) => e.message),
      this.me,
      { count: bubble.entries.length + bubble.older, ...(this.names ? { names: this.names } : {}) },
    );
    if (next.title === bubble.shown.title && next.body === bubble.shown.body) return { do: 'nothing' };
    bubble.shown = next;
    return { do: 'replace', bubble, with: next };
  }

  /** The bubble is no longer up (closed by the person, or it expired): nothing more to change. */
  closed(bubble: Bubble): void {
    for (const [key, held] of this.byConversation) if (held.id === bubble.id) this.byConversation.delete(key);
  }
}
