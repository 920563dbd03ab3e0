// Per partition of the messages topic, how far the history store is filled, as this process
// knows it: everything below is stored (or was dead-lettered). It only moves forward. Our own
// history consumer moves it at once; other instances' stores reach it by NOTIFY (Postgres), and a
// poll of the stored_positions table covers what a notification missed (a dropped LISTEN
// connection, SQLite processes sharing one file).
//
// The live pipeline pushes a record only once it is below `stored`. That keeps catch-up gap-free
// when the instance that stores a message is not the one that pushes it: a socket joins its room,
// then queries the store; anything pushed before the join was stored, so the query finds it;
// anything after the join reaches the socket live.
import type { Logger } from 'pino';

const POLL_MS = 250;

export class StoppedError extends Error {
  constructor() {
    super('the watermark stopped');
    this.name = 'StoppedError';
  }
}

interface Waiter {
  partition: number;
  above: number;
  resolve: (mark: number) => void;
  reject: (error: unknown) => void;
}

export class Watermark {
  private readonly marks = new Map<number, number>();
  private waiters: Waiter[] = [];
  private poll: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;

  /** `read` (the stored_positions table) is polled while anyone waits. */
  constructor(
    private readonly read: () => Promise<ReadonlyMap<number, number>>,
    private readonly log: Logger,
  ) {}

  /** Raises the marks that `positions` are above; wakes whoever waits on them. */
  advance(positions: ReadonlyMap<number, number>): void {
    let moved = false;
    for (const [partition, next] of positions) {
      if (next > (this.marks.get(partition) ?? -1)) {
        this.marks.set(partition, next);
        moved = true;
      }
    }
    if (!moved || this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      const mark = this.marks.get(w.partition) ?? -1;
      if (mark > w.above) w.resolve(mark);
      else still.push(w);
    }
    this.waiters = still;
    if (still.length === 0) this.stopPolling();
  }

  /** Reads the marks once (at start, and while anyone waits). */
  async refresh(): Promise<void> {
    this.advance(await this.read());
  }

  /** Every partition's mark: what is known to be stored. */
  positions(): ReadonlyMap<number, number> {
    return new Map(this.marks);
  }

  /**
   * Resolves with the partition's mark once it is above `offset` (the record at `offset` is
   * stored), or with undefined after `timeoutMs` (so the caller can heartbeat and wait again).
   * Rejects with StoppedError on stop().
   */
  until(partition: number, offset: number, timeoutMs: number): Promise<number | undefined> {
    const mark = this.marks.get(partition) ?? -1;
    if (mark > offset) return Promise.resolve(mark);
    if (this.stopped) return Promise.reject(new StoppedError());
    return new Promise<number | undefined>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter: Waiter = {
        partition,
        above: offset,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.push(waiter);
      this.startPolling();
    });
  }

  stop(): void {
    this.stopped = true;
    this.stopPolling();
    for (const w of this.waiters) w.reject(new StoppedError());
    this.waiters = [];
  }

  private startPolling(): void {
    if (this.poll) return;
    this.poll = setInterval(() => {
      if (this.polling) return;
      this.polling = true;
      this.refresh()
        .catch((error: unknown) => this.log.debug({ err: error }, 'could not read the positions'))
        .finally(() => {
          this.polling = false;
        });
    }, POLL_MS);
    this.poll.unref();
  }

  private stopPolling(): void {
    clearInterval(this.poll);
    this.poll = undefined;
  }
}
