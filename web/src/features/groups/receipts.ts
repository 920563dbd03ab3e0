// "Delivered to N of M · Read by N of M" for my own group messages. The server's answer
// (GET …/receipts) is the starting point; receipt:update events with `group` arrive per member
// afterwards and are merged on top. Both only ever add names (a receipt never moves backwards),
// so their union is right whichever came first.
import type { GroupReceipts, ReceiptChange } from '@messenger/protocol';
import { useSyncExternalStore } from 'react';
import { registerSessionStore } from '../../lib/session-stores';
import { createStore } from '../../lib/store';

export interface LiveReceipts {
  delivered: ReadonlySet<string>;
  read: ReadonlySet<string>;
}

export interface ReceiptsView {
  /** Members who got a copy, the sender aside. */
  of: number;
  delivered: string[];
  read: string[];
}

const MAX_TRACKED = 2000;
const live = createStore<ReadonlyMap<string, LiveReceipts>>(new Map());
registerSessionStore(() => live.set(new Map()));

/** A receipt:update about a group: `peer` is the member whose copy moved. */
export function recordGroupReceipt(update: ReceiptChange): void {
  if (!update.group || update.state === 'sent') return;
  live.set((all) => {
    const next = new Map(all);
    for (const id of update.ids) {
      const before = next.get(id) ?? { delivered: new Set<string>(), read: new Set<string>() };
      next.delete(id);
      next.set(id, {
        delivered: new Set([...before.delivered, update.peer]),
        read: update.state === 'read' ? new Set([...before.read, update.peer]) : before.read,
      });
    }
    // Oldest first in insertion order: drop what scrolled out long ago.
    for (const id of next.keys()) {
      if (next.size <= MAX_TRACKED) break;
      next.delete(id);
    }
    return next;
  });
}

export function useLiveReceipts(messageId: string): LiveReceipts | undefined {
  return useSyncExternalStore(live.subscribe, () => live.get().get(messageId));
}

/**
 * The server's answer and the live events as one view. Reading implies delivery, so a reader
 * counts as delivered too; `of` falls back to the group's size without me until the answer comes.
 */
export function mergeReceipts(server: GroupReceipts | undefined, events: LiveReceipts | undefined, fallbackOf: number, me: string): ReceiptsView {
  const read = new Set([...(server?.read ?? []), ...(events?.read ?? [])]);
  const delivered = new Set([...(server?.delivered ?? []), ...(events?.delivered ?? []), ...read]);
  // My own other screens report my reads too; they are not receipts of others.
  read.delete(me);
  delivered.delete(me);
  const of = Math.max(server?.of ?? fallbackOf, delivered.size);
  return { of, delivered: [...delivered].sort(), read: [...read].sort() };
}

export function receiptsSummary(view: ReceiptsView): string {
  return `Delivered to ${view.delivered.length} of ${view.of} · Read by ${view.read.length} of ${view.of}`;
}
