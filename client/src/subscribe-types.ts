// What subscribe() takes and gives. Apart from subscribe.ts so the delivery rules can use them
// without an import cycle.
import type {
  ChatMessage,
  ClientToServerEvents,
  ConversationUpdate,
  GroupUpdate,
  HandshakeAuth,
  MeResponse,
  MessageUpdate,
  PresenceUpdate,
  Profile,
  ReceiptChange,
  ServerToClientEvents,
  TypingUpdate,
} from '@messenger/protocol';
import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How subscribe() makes its socket: socket.io's `io` by default; `url` is '' for the page's own origin. */
export type CreateSocket = (url: string, options: Partial<ManagerOptions & SocketOptions>) => ChatSocket;

/** What subscribe() needs of the client: where, as whom, and how to ask who that is. */
export interface SubscribeHost {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly username: string | undefined;
  me(signal?: AbortSignal): Promise<MeResponse>;
}

export type SubscriptionStatus = 'connecting' | 'syncing' | 'live' | 'reconnecting' | 'closed';

export interface MessageInfo {
  /** false for what was missed (message:batch), true for a message pushed live. */
  live: boolean;
  /** The recipient has this conversation open in a visible tab (quiet other screens). */
  readingNow: boolean;
}

export interface Delivery extends MessageInfo {
  message: ChatMessage;
}

interface Handlers {
  /**
   * The subscription is closed for good: the server ended the session (`revoked`, with its reason)
   * or no longer knows the token (`refused`: expired, logged out, revoked while away).
   */
  onSessionEnded?: (reason: string, how: 'revoked' | 'refused') => void;
  onReceipt?: (change: ReceiptChange) => void;
  /**
   * A message was edited, deleted, hidden for me or reacted to (`message:update`, its whole new
   * state). In order with the messages: those caught up come after the catch-up's messages, live
   * ones one at a time. `change.id` is acknowledged when this resolves, in every mode (not if it
   * throws: the server offers it again on the next connect), and at once without a handler.
   * Updates are states: applying one twice changes nothing.
   */
  onMessageUpdate?: (update: MessageUpdate, info: { live: boolean }) => void | Promise<void>;
  onGroupUpdate?: (update: GroupUpdate) => void;
  /** I muted or unmuted a 1:1 conversation (here or on another screen). */
  onConversationUpdate?: (update: ConversationUpdate) => void;
  onPresence?: (update: PresenceUpdate) => void;
  /** My display name or picture changed (on any screen), or that of someone I share a conversation or group with. */
  onProfileUpdate?: (profile: Profile) => void;
  onTyping?: (update: TypingUpdate) => void;
  /** `detail`: why it disconnected or could not connect. */
  onStatus?: (status: SubscriptionStatus, detail?: string) => void;
  /** A malformed event, a failed handler or acknowledgement: reported, never thrown. */
  onError?: (error: Error) => void;
  /** How the server counts this socket for presence and notifications (default 'bot'). */
  client?: HandshakeAuth['client'];
  /**
   * Longest wait between reconnects after a lost connection (default 30 000 ms; the wait doubles
   * from 1 s, ±50 %). A bot fleet should not hammer a server coming back; a person looking at a
   * screen wants it back sooner (the web app passes 5 000).
   */
  reconnectDelayMaxMs?: number;
  /** Makes the socket; tests of a host (the web app's) pass a stand-in. */
  createSocket?: CreateSocket;
}

/**
 * The simple way. Each message once, in order, one at a time: what was missed first (after the
 * catch-up), then live ones. It is acknowledged (delivered) when `onMessage` resolves; if it throws,
 * it is not, and the server offers it again on the next connect. Own messages (sent from another
 * screen) arrive too: check `message.from`.
 */
export interface PerMessageOptions extends Handlers {
  onMessage: (message: ChatMessage, info: MessageInfo) => void | Promise<void>;
  /** Ids remembered for deduplication (default 10 000). */
  rememberIds?: number;
}

/**
 * The simple way, a batch at a time, for a consumer that is much cheaper with many messages at
 * once (the web app writes a catch-up into its query cache in one go). The same rules as
 * `onMessage`: each message once, deduplicated, acknowledged when the handler resolves (none of
 * the batch if it throws). The whole catch-up comes as one call once complete (live messages that
 * came during it included, each with its `live`), then each live message as a call of one.
 */
export interface DedupedBatchOptions extends Handlers {
  onMessages: (items: Delivery[], info: { catchUp: boolean }) => void | Promise<void>;
  /** Ids remembered for deduplication (default 10 000). */
  rememberIds?: number;
}

/**
 * For consumers with their own record of what they handled (the desktop agent's seen-store): the
 * whole catch-up as one batch once the server says it is complete (live messages that came during
 * it included), then each live message as a batch of one, in order, one batch at a time. Nothing
 * is deduplicated or acknowledged for you: call `subscription.ack(ids)`.
 */
export interface BatchOptions extends Handlers {
  onBatch: (items: Delivery[], info: { catchUp: boolean }) => void | Promise<void>;
}

export type SubscribeOptions = PerMessageOptions | DedupedBatchOptions | BatchOptions;

export interface Subscription {
  readonly socket: ChatSocket;
  /** Resolves at the first `sync:done` (caught up), rejects if closed before. */
  readonly ready: Promise<void>;
  /** Acknowledges ids (they count as delivered); resolves false when the server did not record them. */
  ack(ids: string[]): Promise<boolean>;
  /** Drops the connection and connects again: the server offers what is unacknowledged again. */
  reconnect(): void;
  close(): void;
}

