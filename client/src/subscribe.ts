// subscribe(): the socket half of the client. Connects with the token, hands each message to the
// caller once (live or caught up, deduplicated by id across reconnects), acknowledges it after the
// handler has finished, and reconnects with backoff, honouring the server's retry hints.
import {
  CONNECT_ERROR,
  DeliveredMessage,
  GroupUpdate,
  MAX_ACK_IDS,
  MessageBatch,
  PresenceUpdate,
  ReceiptUpdate,
  SOCKET_PATH,
  SessionRevoked,
  SyncDone,
  TypingUpdate,
  check,
  type Ack,
  type ChatMessage,
  type ClientToServerEvents,
  type HandshakeAuth,
  type MeResponse,
  type ReceiptChange,
  type ServerToClientEvents,
} from '@messenger/protocol';
import { io, type Socket } from 'socket.io-client';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What subscribe() needs of the client: where, as whom, and how to ask who that is. */
export interface SubscribeHost {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly username: string | undefined;
  me(signal?: AbortSignal): Promise<MeResponse>;
}

export type SubscriptionStatus = 'connecting' | 'syncing' | 'live' | 'reconnecting' | 'closed';

export interface MessageInfo {
  /** false while catching up on what was missed (message:batch), true once pushed live. */
  live: boolean;
  /** The recipient has this conversation open in a visible tab (quiet other screens). */
  readingNow: boolean;
}

export interface SubscribeOptions {
  /**
   * Each message once, in arrival order, one at a time. It is acknowledged (delivered) when the
   * returned promise resolves; if it throws, it is not, and the server offers it again on the next
   * connect. Own messages (sent from another screen) arrive too: check `message.from`.
   */
  onMessage: (message: ChatMessage, info: MessageInfo) => void | Promise<void>;
  /** Messages of one conversation reached a state (delivered, read). */
  onReceipt?: (change: ReceiptChange) => void;
  onGroupUpdate?: (update: GroupUpdate) => void;
  onPresence?: (update: PresenceUpdate) => void;
  onTyping?: (update: TypingUpdate) => void;
  onStatus?: (status: SubscriptionStatus) => void;
  /** The server ended the session or refused the token; the subscription is closed. */
  onSessionEnded?: (reason: string) => void;
  /** A malformed event, a failed handler or acknowledgement: reported, never thrown. */
  onError?: (error: Error) => void;
  /** How the server counts this socket for presence and notifications (default 'bot'). */
  client?: HandshakeAuth['client'];
  /** Ids remembered for deduplication (default 10 000). */
  rememberIds?: number;
}

export interface Subscription {
  readonly socket: ChatSocket;
  /** Resolves at the first `sync:done` (caught up), rejects if closed before. */
  readonly ready: Promise<void>;
  close(): void;
}

const ACK_TIMEOUT_MS = 10_000;
const MAX_REFUSAL_DELAY_MS = 30_000;

/** Insertion-ordered ids, the oldest forgotten past `limit`: a Set keeps order, so it is the FIFO. */
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

export function subscribe(host: SubscribeHost, options: SubscribeOptions): Subscription {
  const report = (error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error)));
  const setStatus = (status: SubscriptionStatus) => options.onStatus?.(status);
  const auth = { ...(host.token ? { token: host.token } : {}), client: options.client ?? 'bot' };
  const socketOptions = {
    path: SOCKET_PATH,
    auth,
    // A browser on the server's origin may need the polling fallback behind strict proxies.
    transports: typeof window === 'undefined' ? ['websocket'] : ['websocket', 'polling'],
    withCredentials: true,
    // socket.io's own backoff for transport failures: 1 s doubling to 30 s, ±50 %.
    reconnectionDelay: 1000,
    reconnectionDelayMax: MAX_REFUSAL_DELAY_MS,
    randomizationFactor: 0.5,
    // Connect once we know who we are (the ack rule needs it).
    autoConnect: false,
  };
  const socket: ChatSocket = host.baseUrl ? io(host.baseUrl, socketOptions) : io(socketOptions);

  let me = host.username;
  let closed = false;
  let refusals = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const seen = new RecentIds(options.rememberIds ?? 10_000);
  let chain: Promise<void> = Promise.resolve();

  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // A caller that never awaits `ready` must not see an unhandled rejection on close().
  ready.catch(() => undefined);

  const ack = async (ids: string[]) => {
    for (let i = 0; i < ids.length; i += MAX_ACK_IDS) {
      if (!socket.connected) return; // the server offers them again on the next connect
      const chunk = ids.slice(i, i + MAX_ACK_IDS);
      try {
        const answer: Ack<{ acknowledged: number }> = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message:ack', { ids: chunk });
        if (!answer.ok) report(new Error(`acknowledgement refused: ${answer.error.code}`));
      } catch (error) {
        report(error);
      }
    }
  };

  /** Mine to acknowledge: addressed to me and not yet delivered (the web app's rule). */
  const mine = (m: ChatMessage) => m.to === me && m.state === 'sent';

  // One message at a time, in arrival order, handler then acknowledgement.
  const handle = (messages: ChatMessage[], info: MessageInfo) => {
    chain = chain.then(async () => {
      const toAck: string[] = [];
      for (const message of messages) {
        if (closed) return;
        // Catch-up and live overlap by design, and a reconnect re-offers what was handled but not
        // yet committed: hand each over once, but acknowledge a repeat again (the first ack may
        // have been lost with the old socket).
        if (seen.has(message.id)) {
          if (mine(message)) toAck.push(message.id);
          continue;
        }
        try {
          await options.onMessage(message, info);
        } catch (error) {
          report(error);
          continue; // unacknowledged: offered again on the next connect
        }
        seen.add(message.id);
        if (mine(message)) toAck.push(message.id);
      }
      if (toAck.length > 0) await ack(toAck);
    });
  };

  socket.on('connect', () => {
    refusals = 0;
    setStatus('syncing');
  });
  socket.on('message:batch', (payload) => {
    if (!check(MessageBatch, payload)) return report(new Error('malformed message:batch'));
    handle(payload.messages, { live: false, readingNow: false });
  });
  socket.on('sync:done', (payload) => {
    if (!check(SyncDone, payload)) return report(new Error('malformed sync:done'));
    // Ready once the caught-up messages have been handled, not merely received.
    void chain.then(() => {
      if (closed) return;
      setStatus('live');
      resolveReady();
    });
  });
  socket.on('message:new', (payload) => {
    if (!check(DeliveredMessage, payload)) return report(new Error('malformed message:new'));
    handle([payload.message], { live: true, readingNow: payload.readingNow });
  });
  socket.on('receipt:update', (payload) => {
    if (!check(ReceiptUpdate, payload)) return report(new Error('malformed receipt:update'));
    const { more, ...first } = payload;
    for (const change of [first, ...(more ?? [])]) options.onReceipt?.(change);
  });
  socket.on('group:update', (payload) => {
    if (check(GroupUpdate, payload)) options.onGroupUpdate?.(payload);
    else report(new Error('malformed group:update'));
  });
  socket.on('presence:update', (payload) => {
    if (check(PresenceUpdate, payload)) options.onPresence?.(payload);
    else report(new Error('malformed presence:update'));
  });
  socket.on('typing:update', (payload) => {
    if (check(TypingUpdate, payload)) options.onTyping?.(payload);
    else report(new Error('malformed typing:update'));
  });
  socket.on('session:revoked', (payload) => {
    end(check(SessionRevoked, payload) ? payload.reason : 'session revoked');
  });
  socket.on('disconnect', (reason) => {
    if (closed) return;
    setStatus('reconnecting');
    // socket.io does not reconnect after the server closed the socket on purpose (a restart).
    if (reason === 'io server disconnect') retryLater();
  });
  socket.on('connect_error', (error) => {
    if (closed) return;
    setStatus('reconnecting');
    if (error.message === CONNECT_ERROR.unauthorized) return end('the server refused the token');
    // Transport failures socket.io retries by itself; a refused handshake (too_many_sockets,
    // rate_limited, unavailable) is ours to retry, after the server's hint or a growing wait.
    if (socket.active) return;
    const hint = (error as { data?: { retryAfterSeconds?: unknown } }).data?.retryAfterSeconds;
    retryLater(typeof hint === 'number' ? hint * 1000 : 0);
  });

  function retryLater(atLeastMs = 0) {
    if (closed || retryTimer) return;
    const backoff = Math.min(MAX_REFUSAL_DELAY_MS, 1000 * 2 ** Math.min(refusals, 5)) * (0.5 + Math.random());
    refusals++;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (!closed && !socket.connected) socket.connect();
    }, Math.max(atLeastMs, backoff));
  }

  function end(reason: string) {
    if (closed) return;
    close();
    options.onSessionEnded?.(reason);
  }

  function close() {
    if (closed) return;
    closed = true;
    if (retryTimer) clearTimeout(retryTimer);
    socket.disconnect();
    rejectReady(new Error('subscription closed'));
    setStatus('closed');
  }

  setStatus('connecting');
  if (me !== undefined) socket.connect();
  else {
    host.me().then(
      (who) => {
        me = who.username;
        if (!closed) socket.connect();
      },
      (error: unknown) => {
        report(error);
        end('cannot tell who the token belongs to');
      },
    );
  }

  return { socket, ready, close };
}
