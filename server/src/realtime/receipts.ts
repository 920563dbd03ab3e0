// "Delivered" receipts, gathered per ack round. Every acknowledgement of a round resolves in the
// same turn with the same `at` (ack-batcher.ts); the receipts they produce for one sender leave
// together on the next turn, to this process's sockets of the sender: one list of changes (one
// per recipient and conversation), which the hub sends as one frame (issue 15: a sender whose
// messages to three people were acknowledged in one round got three frames).
//
// Other processes (Postgres) get them in batches: one serverSideEmit every REMOTE_EVERY_MS
// carrying every receipt of that time, each process then pushing to its own sockets of each
// sender. A room emit per receipt was one NOTIFY per acknowledged message on one publishing
// connection: at 1,000 msg/s the adapter's queue waited past its 5 s connect timeout and dropped
// receipts ("timeout exceeded when trying to connect", thousands of lines in the scale bench).
import type { ReceiptChange } from '@messenger/protocol';

/** A receipt and whose screens it goes to. */
export interface SenderReceipt {
  sender: string;
  update: ReceiptChange;
}

const REMOTE_EVERY_MS = 50;
// Under NOTIFY's 8,000-byte payload limit with room for the adapter's framing, so a batch is one
// NOTIFY rather than a row in its attachments table.
const REMOTE_CHUNK_BYTES = 6_000;

export function createDeliveredReceipts(deps: {
  /** A sender's receipts of one round, every conversation of it. */
  local: (sender: string, changes: ReceiptChange[]) => void;
  /** To every other process; undefined when there are none (SQLite). */
  remote?: ((batch: SenderReceipt[]) => void) | undefined;
}) {
  // Per sender, per recipient, round and conversation.
  let pending = new Map<string, Map<string, ReceiptChange>>();
  let outgoing: SenderReceipt[] = [];
  let remoteTimer: NodeJS.Timeout | undefined;

  function flush() {
    const batch = pending;
    pending = new Map();
    for (const [sender, bySlot] of batch) {
      const changes = [...bySlot.values()];
      deps.local(sender, changes);
      if (deps.remote) for (const update of changes) outgoing.push({ sender, update });
    }
    if (deps.remote && outgoing.length > 0 && !remoteTimer) remoteTimer = setTimeout(flushRemote, REMOTE_EVERY_MS);
  }

  function flushRemote() {
    remoteTimer = undefined;
    const batch = outgoing;
    outgoing = [];
    for (const chunk of chunks(batch)) deps.remote?.(chunk);
  }

  return {
    /**
     * `recipient` received `ids` from `sender` at `at` (their copies of group `group`'s messages,
     * when given); told to the sender's screens next turn.
     */
    add(sender: string, recipient: string, ids: string[], at: string, group?: string): void {
      if (ids.length === 0) return;
      if (pending.size === 0) setImmediate(flush);
      let bySlot = pending.get(sender);
      if (!bySlot) {
        bySlot = new Map();
        pending.set(sender, bySlot);
      }
      const key = `${recipient}\n${at}\n${group ?? ''}`;
      const entry = bySlot.get(key);
      if (entry) entry.ids.push(...ids);
      else bySlot.set(key, { peer: recipient, ids: [...ids], state: 'delivered', at, ...(group ? { group } : {}) });
    },

    /** Sends what waits for the other processes now (shutdown). */
    flushRemote(): void {
      clearTimeout(remoteTimer);
      flushRemote();
    },
  };
}

function chunks(batch: SenderReceipt[]): SenderReceipt[][] {
  const out: SenderReceipt[][] = [];
  let current: SenderReceipt[] = [];
  let bytes = 0;
  for (const receipt of batch) {
    const size = JSON.stringify(receipt).length;
    if (current.length > 0 && bytes + size > REMOTE_CHUNK_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(receipt);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export type DeliveredReceipts = ReturnType<typeof createDeliveredReceipts>;
