// The grace period: messages wait a moment before they are shown, so one read meanwhile on another
// screen (the web app) is never shown here. This module only keeps what waits and what was read;
// the processor decides and shows.

/** --grace: why this default, in the README ("The grace period"). */
export const DEFAULT_GRACE_SECONDS = 3;
const MAX_GRACE_SECONDS = 600;
/** Ids read on another screen, remembered for a receipt that overtakes its message. */
const READ_IDS = 2000;

/** "--grace 2.5" → 2.5 (seconds). */
export function parseGraceSeconds(spec: string): number {
  const value = spec.trim() === '' ? NaN : Number(spec);
  if (!Number.isFinite(value) || value < 0 || value > MAX_GRACE_SECONDS) {
    throw new Error(`--grace takes seconds from 0 to ${MAX_GRACE_SECONDS}, got "${spec}"`);
  }
  return value;
}

/** Items that wait together (a catch-up, or one live message): one timer, one bubble per conversation. */
interface Batch<T> {
  items: Map<string, T>;
  timer: NodeJS.Timeout;
}

export class GraceHold<T> {
  private readonly waiting = new Map<string, Batch<T>>();
  private readonly read = new Set<string>();

  /** Holds `items` (by id) for `ms`; then `due` gets those not taken out by markRead meanwhile. */
  hold(items: ReadonlyMap<string, T>, ms: number, due: (take: () => T[]) => void): void {
    const batch: Batch<T> = {
      items: new Map(items),
      timer: setTimeout(
        () =>
          due(() => {
            // Called when the caller's turn comes: what was read in between is gone by then.
            const left = [...batch.items.values()];
            for (const id of batch.items.keys()) this.waiting.delete(id);
            batch.items.clear();
            return left;
          }),
        ms,
      ),
    };
    for (const id of batch.items.keys()) this.waiting.set(id, batch);
  }

  /** Replaces waiting item `id` with `change(item)`; false when it is not waiting. */
  update(id: string, change: (item: T) => T): boolean {
    const items = this.waiting.get(id)?.items;
    const item = items?.get(id);
    if (!items || item === undefined) return false;
    items.set(id, change(item));
    return true;
  }

  isWaiting(id: string): boolean {
    return this.waiting.has(id);
  }

  wasRead(id: string): boolean {
    return this.read.has(id);
  }

  /** Remembers `ids` as read; returns the waiting items among them, which no longer wait. */
  markRead(ids: readonly string[]): T[] {
    const released: T[] = [];
    for (const id of ids) {
      this.read.delete(id);
      this.read.add(id);
      if (this.read.size > READ_IDS) this.read.delete(this.read.values().next().value as string);
      const batch = this.waiting.get(id);
      const item = batch?.items.get(id);
      if (!batch || item === undefined) continue;
      this.waiting.delete(id);
      batch.items.delete(id);
      if (batch.items.size === 0) clearTimeout(batch.timer);
      released.push(item);
    }
    return released;
  }

  /** Forgets everything waiting, without calling back. */
  clear(): void {
    for (const batch of new Set(this.waiting.values())) clearTimeout(batch.timer);
    this.waiting.clear();
  }
}
