// Pure helpers over the cached history of one conversation (TanStack infinite query data:
// pages newest first). Every message is kept once, by id; receipt states only move forward.
import { laterState, type ChatMessage, type MessagesPage, type ReceiptState } from '@messenger/protocol';
import type { MessagesData } from '../../api/messages';

/** Newest first: later sentAt first, uuid v7 ids break ties in creation order. */
export function newestFirst(a: ChatMessage, b: ChatMessage): number {
  if (a.sentAt !== b.sentAt) return a.sentAt < b.sentAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Adds messages to the cached pages. Known ids are merged (the later receipt state wins), new
 * ones go into the newest page in order. Returns the same object when nothing changed.
 */
export function upsertMessages(data: MessagesData | undefined, incoming: readonly ChatMessage[]): MessagesData | undefined {
  if (!data || incoming.length === 0) return data;
  const byId = new Map(incoming.map((m) => [m.id, m]));
  let changed = false;
  const pages = data.pages.map((page) => {
    let pageChanged = false;
    const messages = page.messages.map((m) => {
      const update = byId.get(m.id);
      if (!update) return m;
      byId.delete(m.id);
      const state = laterState(m.state, update.state);
      if (state === m.state) return m;
      pageChanged = true;
      return { ...m, state };
    });
    if (!pageChanged) return page;
    changed = true;
    return { ...page, messages };
  });
  if (byId.size > 0) {
    const first = pages[0] ?? { messages: [], nextBefore: null };
    pages[0] = { ...first, messages: [...first.messages, ...byId.values()].sort(newestFirst) };
    if (data.pages.length === 0) return { pages, pageParams: [null] };
    changed = true;
  }
  return changed ? { ...data, pages } : data;
}

/** Moves the given messages to `state` (never backwards). */
export function applyReceipt(data: MessagesData | undefined, ids: ReadonlySet<string>, state: ReceiptState): MessagesData | undefined {
  if (!data) return data;
  let changed = false;
  const pages = data.pages.map((page) => {
    if (!page.messages.some((m) => ids.has(m.id) && laterState(m.state, state) !== m.state)) return page;
    changed = true;
    return {
      ...page,
      messages: page.messages.map((m) => (ids.has(m.id) ? { ...m, state: laterState(m.state, state) } : m)),
    };
  });
  return changed ? { ...data, pages } : data;
}

/** Marks every message from `peer` up to and including `upTo` (by position) as read. */
export function markIncomingRead(data: MessagesData | undefined, peer: string, upTo: ChatMessage): MessagesData | undefined {
  return markReadUpTo(data, upTo, (m) => m.from === peer);
}

/** Marks the `incoming` messages up to and including `upTo` (by position) as read. */
export function markReadUpTo(data: MessagesData | undefined, upTo: ChatMessage, incoming: (m: ChatMessage) => boolean): MessagesData | undefined {
  if (!data) return data;
  const ids = new Set<string>();
  for (const page of data.pages) {
    for (const m of page.messages) if (incoming(m) && newestFirst(m, upTo) >= 0 && m.state !== 'read') ids.add(m.id);
  }
  return ids.size === 0 ? data : applyReceipt(data, ids, 'read');
}

/** All cached messages, oldest first, each once. */
export function flattenMessages(data: MessagesData | undefined): ChatMessage[] {
  if (!data) return [];
  const seen = new Set<string>();
  const out: ChatMessage[] = [];
  for (const page of data.pages) {
    for (const m of page.messages) {
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      out.push(m);
    }
  }
  return out.sort(newestFirst).reverse();
}

/**
 * Hands a window opened around a search result back to the live history once the window reaches
 * the newest message. Both then run without a gap from their oldest message to the newest, so
 * their union does too: one page, every message once (the later receipt state wins), continued
 * older from whichever of the two reaches further back. The reader sees the same rows, and live
 * messages append to them again.
 */
export function adoptWindow(live: MessagesData | undefined, window: { pages: readonly MessagesPage[] }): MessagesData {
  const byId = new Map<string, ChatMessage>();
  const add = (m: ChatMessage) => {
    const known = byId.get(m.id);
    byId.set(m.id, known ? { ...known, state: laterState(known.state, m.state) } : m);
  };
  for (const page of live?.pages ?? []) page.messages.forEach(add);
  for (const page of window.pages) page.messages.forEach(add);
  const oldestOf = (pages: readonly MessagesPage[]) => pages.flatMap((p) => p.messages).sort(newestFirst).at(-1);
  const liveOldest = oldestOf(live?.pages ?? []);
  const windowOldest = oldestOf(window.pages);
  const older =
    liveOldest && (!windowOldest || newestFirst(liveOldest, windowOldest) >= 0) ? live?.pages.at(-1)?.nextBefore : window.pages.at(-1)?.nextBefore;
  return { pages: [{ messages: [...byId.values()].sort(newestFirst), nextBefore: older ?? null }], pageParams: [null] };
}

export function hasMessage(data: MessagesData | undefined, id: string): boolean {
  return !!data?.pages.some((p) => p.messages.some((m) => m.id === id));
}

/**
 * Receipts can overtake the message they are about (a fast reader, a slow 202). They wait here
 * and apply when the message arrives. Bounded: old entries fall out. By hand, like the other
 * bounded sets in web/: lru-cache would add 5.9 KB gzipped to the bundle for a few lines each.
 */
export class EarlyReceipts {
  private readonly states = new Map<string, ReceiptState>();
  constructor(private readonly max = 2000) {}

  remember(id: string, state: ReceiptState) {
    const previous = this.states.get(id);
    this.states.delete(id);
    this.states.set(id, previous ? laterState(previous, state) : state);
    if (this.states.size > this.max) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) this.states.delete(oldest);
    }
  }

  clear() {
    this.states.clear();
  }

  apply(message: ChatMessage): ChatMessage {
    const state = this.states.get(message.id);
    if (!state) return message;
    const next = laterState(message.state, state);
    return next === message.state ? message : { ...message, state: next };
  }
}

/**
 * A message's new state from a message:update: its fields replaced wholesale (the update carries
 * the whole message as I see it), the receipt state never moving backwards; `hidden` (deleted for
 * me) takes it out. Returns the same object when the message is not cached or nothing changed.
 */
export function replaceMessage(data: MessagesData | undefined, message: ChatMessage, hidden: boolean): MessagesData | undefined {
  if (!data) return data;
  let changed = false;
  const pages = data.pages.map((page) => {
    const at = page.messages.findIndex((m) => m.id === message.id);
    if (at < 0) return page;
    changed = true;
    const messages = [...page.messages];
    if (hidden) messages.splice(at, 1);
    else messages[at] = { ...message, state: laterState(messages[at]!.state, message.state) };
    return { ...page, messages };
  });
  return changed ? { ...data, pages } : data;
}

/**
 * Merges a page fetched again after a reconnect, when this tab may have missed updates another
 * tab acknowledged (the catch-up then has none for it): known messages take the server's fields,
 * and a cached message inside the page's span that the server no longer lists was hidden (deleted
 * for me) elsewhere. `keep(id)`: a live update applied since the fetch began is newer: left alone.
 */
export function mergeFetchedPage(data: MessagesData | undefined, page: MessagesPage, keep: (id: string) => boolean): MessagesData | undefined {
  const merged = upsertMessages(data, page.messages);
  if (!merged || page.messages.length === 0) return merged;
  const fetched = new Map(page.messages.map((m) => [m.id, m]));
  const sorted = [...page.messages].sort(newestFirst);
  const [newest, oldest] = [sorted[0]!, sorted.at(-1)!];
  const within = (m: ChatMessage) => newestFirst(m, newest) >= 0 && newestFirst(m, oldest) <= 0;
  let changed = false;
  const pages = merged.pages.map((p) => {
    let pageChanged = false;
    const messages: ChatMessage[] = [];
    for (const m of p.messages) {
      const server = fetched.get(m.id);
      if (keep(m.id)) messages.push(m);
      else if (server && !sameContent(m, server)) {
        pageChanged = true;
        messages.push({ ...server, state: laterState(m.state, server.state) });
      } else if (!server && within(m)) pageChanged = true;
      else messages.push(m);
    }
    if (!pageChanged) return p;
    changed = true;
    return { ...p, messages };
  });
  return changed ? { ...merged, pages } : merged;
}

/** What message actions change: the text, the edit and delete marks, the quote, the reactions. */
function sameContent(a: ChatMessage, b: ChatMessage): boolean {
  return (
    a.text === b.text &&
    a.editedAt === b.editedAt &&
    a.deleted === b.deleted &&
    a.replyTo?.text === b.replyTo?.text &&
    a.replyTo?.deleted === b.replyTo?.deleted &&
    JSON.stringify(a.reactions ?? []) === JSON.stringify(b.reactions ?? [])
  );
}

/**
 * The newest change applied per message: updates are state-based, but one may arrive late (a
 * catch-up after a live one), and an older state must not overwrite a newer. Also answers whether
 * a message changed here since a refetch began. Bounded, oldest forgotten first.
 */
export class ChangeClock {
  private readonly applied = new Map<string, { at: string; here: number }>();
  constructor(private readonly max = 5000) {}

  /** True (and remembered) when a change made `at` is not older than the newest applied to `id`. */
  admit(id: string, at: string, now = Date.now()): boolean {
    const known = this.applied.get(id);
    if (known && known.at > at) return false;
    this.applied.delete(id);
    this.applied.set(id, { at, here: now });
    if (this.applied.size > this.max) {
      const oldest = this.applied.keys().next().value;
      if (oldest !== undefined) this.applied.delete(oldest);
    }
    return true;
  }

  changedSince(id: string, since: number): boolean {
    const known = this.applied.get(id);
    return !!known && known.here >= since;
  }

  clear() {
    this.applied.clear();
  }
}

/**
 * `message` quoted by a reply, once deleted for everyone: the quote goes too. The store empties
 * the replies' quotes but pushes no update for them, so every screen does it itself.
 */
export function withQuoteDeleted(message: ChatMessage, id: string): ChatMessage {
  if (message.replyTo?.id !== id || message.replyTo.deleted) return message;
  return { ...message, replyTo: { ...message.replyTo, text: '', deleted: true } };
}

/** Every cached reply to `id` with its quote emptied. The same object when none is cached. */
export function markQuotesDeleted(data: MessagesData | undefined, id: string): MessagesData | undefined {
  if (!data) return data;
  let changed = false;
  const pages = data.pages.map((page) => {
    if (!page.messages.some((m) => withQuoteDeleted(m, id) !== m)) return page;
    changed = true;
    return { ...page, messages: page.messages.map((m) => withQuoteDeleted(m, id)) };
  });
  return changed ? { ...data, pages } : data;
}
