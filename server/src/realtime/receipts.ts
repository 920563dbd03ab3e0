// "Delivered" receipts, gathered per ack round. Every acknowledgement of a round resolves in the
// same turn with the same `at` (ack-batcher.ts); the receipts they produce for one sender about
// one recipient leave together on the next turn. On Postgres each emit is a NOTIFY to every
// process, so a recipient acking message by message costs one emit per round, not one per message.
import type { ReceiptUpdate } from '@messenger/protocol';

export function createDeliveredReceipts(emit: (sender: string, update: ReceiptUpdate) => void) {
  let pending = new Map<string, { sender: string; update: ReceiptUpdate }>();

  function flush() {
    const batch = pending;
    pending = new Map();
    for (const { sender, update } of batch.values()) emit(sender, update);
  }

  return {
    /** `recipient` received `ids` from `sender` at `at`; told to the sender's screens next turn. */
    add(sender: string, recipient: string, ids: string[], at: string): void {
      if (ids.length === 0) return;
      const key = `${sender}\n${recipient}\n${at}`;
      const entry = pending.get(key);
      if (entry) entry.update.ids.push(...ids);
      else pending.set(key, { sender, update: { peer: recipient, ids: [...ids], state: 'delivered', at } });
      if (pending.size === 1 && !entry) setImmediate(flush);
    },
  };
}

export type DeliveredReceipts = ReturnType<typeof createDeliveredReceipts>;
