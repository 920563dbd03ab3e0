// The ids this account was already notified about (or deliberately kept quiet about), on disk, so
// that a reconnect, a catch-up overlap or a restart never raises the same notification twice.
// Bounded: the newest `capacity` ids are kept. Writes are atomic (temp file, fsync, rename).
import fs from 'node:fs';
import path from 'node:path';
import { sync as writeFileAtomicSync } from 'write-file-atomic';

export const DEFAULT_SEEN_CAPACITY = 2000;

interface SeenFile {
  version: 1;
  ids: string[];
}

export class SeenStore {
  private readonly order: string[] = [];
  private readonly set = new Set<string>();
  /** Set when the file on disk was unreadable and had to be moved aside. */
  readonly recovered: string | null = null;

  constructor(
    readonly file: string,
    readonly capacity = DEFAULT_SEEN_CAPACITY,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be a positive integer');
    let raw: string | null = null;
    try {
      raw = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (raw !== null) {
      const ids = parseSeen(raw);
      if (ids) {
        this.remember(ids);
      } else {
        // Never crash on a damaged file, but keep it for inspection and say so.
        const aside = `${file}.corrupt-${Date.now()}`;
        fs.renameSync(file, aside);
        this.recovered = aside;
      }
    }
  }

  get size(): number {
    return this.set.size;
  }

  has(id: string): boolean {
    return this.set.has(id);
  }

  /**
   * Records ids in memory; call flush() to persist. Returns how many were new. Kept by hand, not
   * lru-cache: the insertion-ordered array is also what the file stores, and a repeat refreshes
   * nothing.
   */
  remember(ids: Iterable<string>): number {
    let added = 0;
    for (const id of ids) {
      if (this.set.has(id)) continue;
      this.set.add(id);
      this.order.push(id);
      added++;
    }
    const excess = this.order.length - this.capacity;
    if (excess > 0) for (const old of this.order.splice(0, excess)) this.set.delete(old);
    return added;
  }

  /** Records ids and writes the file before returning. */
  add(ids: Iterable<string>): void {
    this.remember(ids);
    this.flush();
  }

  flush(): void {
    const body: SeenFile = { version: 1, ids: this.order };
    writeFileAtomic(this.file, JSON.stringify(body));
  }
}

function parseSeen(raw: string): string[] | null {
  try {
    const value = JSON.parse(raw) as Partial<SeenFile> | null;
    if (!value || value.version !== 1 || !Array.isArray(value.ids)) return null;
    return value.ids.filter((id): id is string => typeof id === 'string');
  } catch {
    return null;
  }
}

/**
 * Writes via a temp file created `mode` in the same directory, fsynced and renamed over the
 * target (write-file-atomic), after creating the directory 0700 if it is missing.
 */
export function writeFileAtomic(file: string, data: string, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(file, data, { mode });
}
