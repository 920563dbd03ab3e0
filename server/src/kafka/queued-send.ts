// A send waiting in a producer's queue: settled once (by the produce, or by its deadline), and
// marked settled so a flush skips it. Both producers (producer.ts, fanout-producer.ts) queue these.

export interface Settlement<T> {
  settled: boolean;
  resolve: (result: T) => void;
  reject: (error: unknown) => void;
}

/**
 * A promise settled at most once through the returned settlement, rejected with `timeoutError()`
 * after `ms` if nothing settled it first. `enqueue` receives the settlement (fields of the
 * caller's queue entry included) as soon as it exists.
 */
export function queuedWithDeadline<T, E extends object>(
  fields: E,
  ms: number,
  timeoutError: () => Error,
  enqueue: (entry: E & Settlement<T>) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const entry: E & Settlement<T> = {
      ...fields,
      settled: false,
      resolve: (result) => {
        if (entry.settled) return;
        entry.settled = true;
        clearTimeout(timer);
        resolve(result);
      },
      reject: (error) => {
        if (entry.settled) return;
        entry.settled = true;
        clearTimeout(timer);
        reject(error);
      },
    };
    const timer = setTimeout(() => entry.reject(timeoutError()), ms);
    enqueue(entry);
  });
}
