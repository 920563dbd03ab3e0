// Per-user state that outlives a reload (drafts, unsent messages), in this browser's localStorage
// under the signed-in user's name. Each store registers once at module load; openUserStorage(me)
// loads them for that user, writes every change back, and (drafts) follows other tabs of the same
// browser through the `storage` event, so two tabs show the same drafts. The outbox is per tab:
// each tab keeps its own unsent messages in the shared key without taking in the others'.
// Signing out empties the stores (session-stores.ts), which removes the keys: the next person on
// this browser finds nothing of the last one's.
import { registerSessionStore } from './session-stores';
import type { Store } from './store';

const PREFIX = 'messenger:';

export interface Codec<T> {
  empty: T;
  isEmpty(value: T): boolean;
  toJson(value: T): unknown;
  /** Whatever is stored is untrusted (another version, another tab, a hand edit): check it. */
  fromJson(raw: unknown): T;
  /** What a value stored by an earlier page load becomes now (e.g. "sending" is no longer true). */
  revive?(value: T): T;
  /**
   * Per-tab state that is only kept, not shared live (the outbox): other tabs' changes are not
   * taken in, and a write keeps what other tabs stored (`merge(stored, mine)`).
   */
  perTab?: { merge(stored: T, mine: T): T };
}

interface Binding {
  name: string;
  open(me: string): () => void;
}

const bindings: Binding[] = [];

export function persistPerUser<T>(name: string, store: Store<T>, codec: Codec<T>): void {
  let key: string | null = null;
  const read = (k: string): T => {
    try {
      const raw = localStorage.getItem(k);
      return raw === null ? codec.empty : codec.fromJson(JSON.parse(raw));
    } catch {
      return codec.empty;
    }
  };
  const write = () => {
    if (!key) return;
    const value = codec.perTab ? codec.perTab.merge(read(key), store.get()) : store.get();
    try {
      if (codec.isEmpty(value)) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(codec.toJson(value)));
    } catch {
      // Full or disabled storage: the state still lives for this page; nothing else to do.
    }
  };
  registerSessionStore(() => {
    store.set(codec.empty);
    if (key) localStorage.removeItem(key);
  });
  bindings.push({
    name,
    open(me) {
      const k = `${PREFIX}${name}:${me}`;
      key = null;
      const stored = read(k);
      store.set(codec.revive ? codec.revive(stored) : stored);
      key = k;
      write();
      const unsubscribe = store.subscribe(write);
      const onStorage = (event: StorageEvent) => {
        if (event.key !== k || codec.perTab) return;
        // Another tab changed it: take theirs without writing it back (it is already stored).
        key = null;
        store.set(event.newValue === null ? codec.empty : read(k));
        key = k;
      };
      window.addEventListener('storage', onStorage);
      return () => {
        unsubscribe();
        window.removeEventListener('storage', onStorage);
        key = null;
      };
    },
  });
}

/** Loads every per-user store for `me` and keeps it saved; the returned function stops that. */
export function openUserStorage(me: string): () => void {
  const closers = bindings.map((b) => b.open(me));
  return () => {
    for (const close of closers) close();
  };
}
