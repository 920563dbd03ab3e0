// Admission limits for socket handshakes: how often one address may try, and how many sockets
// one user may hold on this process. Both refuse with a connect_error whose message is a
// stable code (CONNECT_ERROR in @messenger/protocol), so clients can tell them from "unauthorized".
import { CONNECT_ERROR } from '@messenger/protocol';
import type { Socket } from 'socket.io';

type Next = (error?: Error) => void;

/** A connect_error with a stable code in `message` and details in `data` (socket.io sends both). */
export function connectError(code: string, message: string, retryAfterSeconds?: number): Error {
  const error = new Error(code) as Error & { data: unknown };
  error.data = { code, message, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  return error;
}

/**
 * Fixed one-minute windows per address. The map holds only addresses seen in the current
 * window, so its size is bounded by the handshakes one minute can bring.
 */
export function createHandshakeThrottle(perMinute: number, addressOf: (socket: Socket) => string, now: () => number = Date.now) {
  let windowStart = now();
  let counts = new Map<string, number>();
  return (socket: Socket, next: Next) => {
    const t = now();
    if (t - windowStart >= 60_000) {
      windowStart = t;
      counts = new Map();
    }
    const address = addressOf(socket);
    const n = (counts.get(address) ?? 0) + 1;
    counts.set(address, n);
    if (n <= perMinute) return next();
    const retry = Math.max(1, Math.ceil((windowStart + 60_000 - t) / 1000));
    next(connectError(CONNECT_ERROR.rateLimited, `Too many connection attempts; retry in ${retry} s.`, retry));
  };
}

/**
 * At most `max` sockets per user. A handshake that passes holds a slot from this middleware
 * until it either becomes a connected socket (then `connected(username)` counts it) or its
 * transport closes first, so concurrent handshakes cannot slip past the cap together.
 */
export function createSocketCap(max: number, connected: (username: string) => number) {
  // username → (socket id → detach its transport-close listener)
  const admitting = new Map<string, Map<string, () => void>>();

  function release(username: string, socketId: string) {
    const slots = admitting.get(username);
    slots?.get(socketId)?.();
    slots?.delete(socketId);
    if (slots?.size === 0) admitting.delete(username);
  }

  return {
    /** Runs after authentication: `socket.data.username` is known. */
    middleware(socket: Socket, next: Next) {
      const username = (socket.data as { username: string }).username;
      const pending = admitting.get(username)?.size ?? 0;
      if (connected(username) + pending >= max) {
        return next(
          connectError(CONNECT_ERROR.tooManySockets, `At most ${max} connections per user; close another tab or device first.`),
        );
      }
      const onClose = () => release(username, socket.id);
      socket.conn.once('close', onClose);
      const slots = admitting.get(username) ?? new Map<string, () => void>();
      slots.set(socket.id, () => socket.conn.off('close', onClose));
      admitting.set(username, slots);
      next();
    },
    /** Call from the connection handler once `connected` counts the socket: its slot is freed. */
    admitted(socket: Socket) {
      release((socket.data as { username: string }).username, socket.id);
    },
  };
}
