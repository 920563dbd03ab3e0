// How messages reach the subscriber: one at a time with deduplication and acknowledgement, or in
// whole batches for a consumer that keeps its own record (the desktop agent).
import type { ChatMessage } from '@messenger/protocol';
import type { Delivery, SubscribeOptions } from './subscribe-types.js';

/**
 * Insertion-ordered ids, the oldest forgotten past `limit`: a Set keeps order, so it is the FIFO.
 * Hand-written on purpose: a repeat comes within one reconnect of the first copy, so first-in
 * first-out is the right rule, and six lines keep the package free of a cache dependency.
 */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly limit: number) {}
  has(id: string) {
    return this.ids.has(id);
  }
  add(id: string) {
    this.ids.add(id);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value as string);
  }
}

export interface Deliverer {
  deliver(items: Delivery[], catchUp: boolean): Promise<void>;
  /** A new connection: what was acknowledged on the old one may have been lost with it. */
  connected(): void;
}

/**
 * How a batch reaches the caller: deduplicated and acknowledged, one message at a time (`onMessage`)
 * or all at once (`onMessages`); or whole, as the caller's job (`onBatch`).
 */
export function makeDeliver(
  options: SubscribeOptions,
  ack: (ids: string[]) => Promise<boolean>,
  me: () => Promise<string>,
  report: (error: unknown) => void,
  closed: () => boolean,
): Deliverer {
  if ('onBatch' in options) return { deliver: async (items, catchUp) => options.onBatch(items, { catchUp }), connected: () => undefined };
  /** Hands the new messages over; resolves with those handled (to remember and acknowledge). */
  const handOver =
    'onMessages' in options
      ? async (fresh: Delivery[], catchUp: boolean): Promise<ChatMessage[]> => {
          // The first copy of an id that came twice in this batch (caught up, then pushed live).
          const byId = new Map<string, Delivery>();
          for (const item of fresh) if (!byId.has(item.message.id)) byId.set(item.message.id, item);
          const once = [...byId.values()];
          if (once.length === 0 || closed()) return [];
          try {
            await options.onMessages(once, { catchUp });
          } catch (error) {
            report(error);
            return []; // unacknowledged: offered again on the next connect
          }
          return once.map((item) => item.message);
        }
      : async (fresh: Delivery[]): Promise<ChatMessage[]> => {
          const handled = new Map<string, ChatMessage>();
          for (const { message, live, readingNow } of fresh) {
            if (closed()) break;
            if (handled.has(message.id)) continue;
            try {
              await options.onMessage(message, { live, readingNow });
            } catch (error) {
              report(error);
              continue; // unacknowledged: offered again on the next connect
            }
            handled.set(message.id, message);
          }
          return [...handled.values()];
        };

  const limit = options.rememberIds ?? 10_000;
  const seen = new RecentIds(limit);
  // Acknowledged on this connection: a repeat on it needs no second ack, a repeat after a
  // reconnect does (the first may have been lost with the old socket).
  let acked = new RecentIds(limit);
  const deliver = async (items: Delivery[], catchUp: boolean) => {
    const self = await me();
    /** Mine to acknowledge: addressed to me, not yet delivered, not acknowledged on this connection. */
    const mine = (m: ChatMessage) => m.to === self && m.state === 'sent' && !acked.has(m.id);
    // A set: the same id twice in one batch is acknowledged once.
    const toAck = new Set<string>();
    const fresh: Delivery[] = [];
    // Catch-up and live overlap by design, and a reconnect re-offers what was handed over but not
    // yet acknowledged: hand each over once, but acknowledge a repeat again when its first ack may
    // have been lost.
    for (const item of items) {
      if (!seen.has(item.message.id)) fresh.push(item);
      else if (mine(item.message)) toAck.add(item.message.id);
    }
    for (const message of await handOver(fresh, catchUp)) {
      seen.add(message.id);
      if (mine(message)) toAck.add(message.id);
    }
    if (toAck.size === 0 || closed()) return;
    const ids = [...toAck];
    const bySocket = acked;
    if (await ack(ids)) for (const id of ids) bySocket.add(id);
  };
  return {
    deliver,
    connected: () => {
      acked = new RecentIds(limit);
    },
  };
}
