// A kafkajs consumer that cannot start, or crashed for good (kafkajs gives up on a non-retriable
// error), is disconnected and built again after a pause. More than MAX_CRASHES a minute means
// something a rebuild will not fix: `onFatal`, so the process exits loudly rather than deliver
// nothing. Both consumers (history and live) share this.
import type { Consumer } from 'kafkajs';

const REBUILD_DELAY_MS = 1_000;
const MAX_CRASHES = 5;
const WINDOW_MS = 60_000;

export function createRebuilder(deps: {
  stopping: () => boolean;
  /** Called before each rebuild (the consumer is not consuming meanwhile). */
  onRebuild: () => void;
  onFatal: (error: unknown) => void;
  /** Builds and runs a new consumer. */
  run: () => Promise<void>;
}) {
  const crashes: number[] = [];
  return (consumer: Consumer, error: unknown): void => {
    if (deps.stopping()) return;
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && (crashes[0] ?? now) < now - WINDOW_MS) crashes.shift();
    if (crashes.length > MAX_CRASHES) return deps.onFatal(error);
    deps.onRebuild();
    void consumer
      .disconnect()
      .catch(() => undefined)
      .then(() => new Promise((resolve) => setTimeout(resolve, REBUILD_DELAY_MS).unref()))
      .then(() => (deps.stopping() ? undefined : deps.run()));
  };
}
