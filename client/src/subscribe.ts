// subscribe(): the socket half of the client. Connects with the token, hands each message to the
// caller once (live or caught up, deduplicated by id across reconnects), acknowledges it after the
// handler has finished, and reconnects with backoff, honouring the server's retry hints.
import {
  CONNECT_ERROR,
  ConversationUpdate,
  DeliveredMessage,
  GroupUpdate,
  MAX_ACK_IDS,
  MessageBatch,
  MessageUpdate,
  PresenceUpdate,
  Profile,
  ReceiptUpdate,
  SOCKET_PATH,
  SessionRevoked,
  SyncDone,
  TypingUpdate,
  check,
  type Ack,
} from '@messenger/protocol';
import { io } from 'socket.io-client';
import { ApiError } from './api-error.js';
import { makeDeliver } from './delivery.js';
import { retryRefusals } from './refusals.js';
import type { ChatSocket, Delivery, SubscribeHost, SubscribeOptions, Subscription, SubscriptionStatus } from './subscribe-types.js';

export type * from './subscribe-types.js';

const ACK_TIMEOUT_MS = 10_000;
const MAX_REFUSAL_DELAY_MS = 30_000;

export function subscribe(host: SubscribeHost, options: SubscribeOptions): Subscription {
  const report = (error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error)));
  const setStatus = (status: SubscriptionStatus, detail?: string) => options.onStatus?.(status, detail);
  const auth = { ...(host.token ? { token: host.token } : {}), client: options.client ?? 'bot' };
  const socketOptions = {
    path: SOCKET_PATH,
    auth,
    // A browser on the server's origin may need the polling fallback behind strict proxies.
    transports: typeof window === 'undefined' ? ['websocket'] : ['websocket', 'polling'],
    withCredentials: true,
    // socket.io's own backoff for transport failures: 1 s doubling to 30 s (or the caller's cap), ±50 %.
    reconnectionDelay: 1000,
    reconnectionDelayMax: options.reconnectDelayMaxMs ?? MAX_REFUSAL_DELAY_MS,
    randomizationFactor: 0.5,
    timeout: 10_000,
    // Connect once we know who we are (the ack rule needs it).
    autoConnect: false,
  };
  const socket: ChatSocket = options.createSocket
    ? options.createSocket(host.baseUrl, socketOptions)
    : host.baseUrl
      ? io(host.baseUrl, socketOptions)
      : io(socketOptions);

  let me = host.username;
  let closed = false;
  // What arrives between connect and sync:done: handed over together once the catch-up is whole.
  let syncing = true;
  let held: Delivery[] = [];
  let heldUpdates: MessageUpdate[] = [];
  let chain: Promise<void> = Promise.resolve();

  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // A caller that never awaits `ready` must not see an unhandled rejection on close().
  ready.catch(() => undefined);

  const ack = async (ids: string[]): Promise<boolean> => {
    let all = true;
    for (let i = 0; i < ids.length; i += MAX_ACK_IDS) {
      if (!socket.connected) return false; // the server offers them again on the next connect
      try {
        const answer: Ack<{ acknowledged: number }> = await socket
          .timeout(ACK_TIMEOUT_MS)
          .emitWithAck('message:ack', { ids: ids.slice(i, i + MAX_ACK_IDS) });
        if (!answer.ok) {
          all = false;
          report(new Error(`acknowledgement refused: ${answer.error.code}`));
        }
      } catch (error) {
        all = false;
        report(error);
      }
    }
    return all;
  };

  // Who I am decides which messages are mine to acknowledge. Asked once, and again after a failure
  // (the server may be down when a bot starts); a 401 means the token is no good.
  let whoAmI: Promise<string> | undefined;
  const knowMe = (): Promise<string> => {
    if (me !== undefined) return Promise.resolve(me);
    whoAmI ??= (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          me = (await host.me()).username;
          return me;
        } catch (error) {
          if (closed) throw error;
          if (error instanceof ApiError && error.status === 401) {
            end('the server refused the token', 'refused');
            throw error;
          }
          report(error);
          await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_REFUSAL_DELAY_MS, 1000 * 2 ** Math.min(attempt, 5))));
        }
      }
    })();
    return whoAmI;
  };
  const delivery = makeDeliver(options, ack, knowMe, report, () => closed);
  const enqueue = (items: Delivery[], catchUp: boolean) => {
    chain = chain.then(() => delivery.deliver(items, catchUp)).catch(report);
  };
  // After the messages queued before them, so an update never overtakes the message it changes.
  // Acknowledged in every mode (updates are states: nothing to record first), and at once without
  // a handler, so a bot that ignores them is not offered them again on every connect.
  const enqueueUpdates = (updates: MessageUpdate[], live: boolean) => {
    for (const update of updates) {
      chain = chain
        .then(async () => {
          if (closed) return;
          await options.onMessageUpdate?.(update, { live });
          await ack([update.change.id]);
        })
        .catch(report);
    }
  };

  socket.on('connect', () => {
    delivery.connected();
    syncing = true;
    held = [];
    heldUpdates = [];
    setStatus('syncing');
  });
  socket.on('message:batch', (payload) => {
    if (!check(MessageBatch, payload)) return report(new Error('malformed message:batch'));
    for (const message of payload.messages) held.push({ message, live: false, readingNow: false });
  });
  socket.on('sync:done', (payload) => {
    if (!check(SyncDone, payload)) return report(new Error('malformed sync:done'));
    const items = held;
    const updates = heldUpdates;
    held = [];
    heldUpdates = [];
    syncing = false;
    enqueue(items, true);
    enqueueUpdates(updates, false);
    // Live once what was missed has been handled, not merely received.
    chain = chain.then(() => {
      if (closed || syncing) return;
      setStatus('live', `${items.length} caught up`);
      resolveReady();
    });
  });
  socket.on('message:new', (payload) => {
    if (!check(DeliveredMessage, payload)) return report(new Error('malformed message:new'));
    const item = { message: payload.message, live: true, readingNow: payload.readingNow };
    if (syncing) held.push(item);
    else enqueue([item], false);
  });
  socket.on('message:update', (payload) => {
    if (!check(MessageUpdate, payload)) return report(new Error('malformed message:update'));
    if (syncing) heldUpdates.push(payload);
    else enqueueUpdates([payload], true);
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
  socket.on('conversation:update', (payload) => {
    if (check(ConversationUpdate, payload)) options.onConversationUpdate?.(payload);
    else report(new Error('malformed conversation:update'));
  });
  socket.on('profile:update', (payload) => {
    if (check(Profile, payload)) options.onProfileUpdate?.(payload);
    else report(new Error('malformed profile:update'));
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
    end(check(SessionRevoked, payload) ? payload.reason : 'session revoked', 'revoked');
  });
  socket.on('disconnect', (reason) => {
    syncing = true;
    held = [];
    heldUpdates = [];
    if (!closed) setStatus('reconnecting', reason);
  });
  socket.on('connect_error', (error) => {
    if (!closed) setStatus('reconnecting', error.message);
  });
  const stopRetrying = retryRefusals(socket, {
    maxDelayMs: MAX_REFUSAL_DELAY_MS,
    onFinalRefusal: (code, retryLater) => {
      if (closed) return;
      // A token without the receive scope will never be let in: retrying would only hammer.
      if (code === CONNECT_ERROR.insufficientScope) return end('the token lacks the receive scope', 'refused');
      // Expired or revoked, or a server that could not check it just now: ask over HTTP.
      host.me().then(retryLater, (failure: unknown) => {
        if (failure instanceof ApiError && failure.status === 401) end('the server refused the token', 'refused');
        else retryLater();
      });
    },
  });

  function end(reason: string, how: 'revoked' | 'refused') {
    if (closed) return;
    close();
    options.onSessionEnded?.(reason, how);
  }

  function close() {
    if (closed) return;
    closed = true;
    stopRetrying();
    socket.disconnect();
    rejectReady(new Error('subscription closed'));
    setStatus('closed');
  }

  function reconnect() {
    if (closed) return;
    socket.disconnect();
    socket.connect();
  }

  // Start once the caller holds the subscription: no callback runs before subscribe() returns, so
  // a status handler may use `subscription.socket` (a stand-in socket connects synchronously).
  queueMicrotask(() => {
    if (closed) return;
    setStatus('connecting');
    socket.connect();
    // Learn who I am now rather than at the first message: a bad token shows at once.
    if (!('onBatch' in options)) knowMe().catch(() => undefined);
  });

  return { socket, ready, ack, reconnect, close };
}

