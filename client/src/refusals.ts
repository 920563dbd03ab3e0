// What socket.io leaves to its user: it retries a failed transport by itself, but neither a
// handshake the server refused (too_many_sockets, rate_limited, unavailable, unauthorized) nor a
// socket the server closed on purpose (a restart). Shared by subscribe() and the web app's socket.
import { CONNECT_ERROR } from '@messenger/protocol';
import type { ChatSocket } from './subscribe-types.js';

/** Refusals that the same credentials will meet again: the caller decides what they mean. */
export type FinalRefusal = typeof CONNECT_ERROR.unauthorized | typeof CONNECT_ERROR.insufficientScope;

export interface RetryRefusalsOptions {
  /**
   * The handshake was refused for the credentials. `retryLater` tries again after the usual wait,
   * for a caller that finds the credentials still good (a server that could not check them just now).
   */
  onFinalRefusal: (code: FinalRefusal, retryLater: () => void) => void;
  /** Longest wait between tries (default 30 s); the wait doubles from 1 s with ±50 % jitter. */
  maxDelayMs?: number;
}

const isFinal = (message: string): message is FinalRefusal =>
  message === CONNECT_ERROR.unauthorized || message === CONNECT_ERROR.insufficientScope;

/** Retries refused handshakes after the server's hint or a growing wait. Returns stop(). */
export function retryRefusals(socket: ChatSocket, options: RetryRefusalsOptions): () => void {
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  let refusals = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const retryLater = (atLeastMs = 0) => {
    if (stopped || timer) return;
    const backoff = Math.min(maxDelayMs, 1000 * 2 ** Math.min(refusals, 5)) * (0.5 + Math.random());
    refusals++;
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped && !socket.connected) socket.connect();
    }, Math.max(atLeastMs, backoff));
  };

  const onConnect = () => {
    refusals = 0;
  };
  const onDisconnect = (reason: string) => {
    if (reason === 'io server disconnect') retryLater();
  };
  const onConnectError = (error: Error) => {
    if (isFinal(error.message)) return options.onFinalRefusal(error.message, () => retryLater());
    if (socket.active) return; // a transport failure: socket.io's own backoff is on it
    const hint = (error as { data?: { retryAfterSeconds?: unknown } }).data?.retryAfterSeconds;
    retryLater(typeof hint === 'number' ? hint * 1000 : 0);
  };

  socket.on('connect', onConnect);
  socket.on('disconnect', onDisconnect);
  socket.on('connect_error', onConnectError);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    socket.off('connect', onConnect);
    socket.off('disconnect', onDisconnect);
    socket.off('connect_error', onConnectError);
  };
}
