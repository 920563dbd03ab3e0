// socket.io: authenticated handshakes, one room per user, the pushes the delivery pipeline asks
// for, and what the services' domain events mean for sockets. Handlers live in <area>.handlers.ts.
//
// On Postgres several processes share the work (postgres-adapter.ts): typing, presence, receipts
// and revocations reach every process. Chat messages do not: each process pushes them to its own
// sockets from its own Kafka consumer, so `deliver` emits locally; so does `deliverUpdate`, for
// changes to messages (message actions).
import { CONNECT_ERROR, MAX_ACK_IDS, MAX_SOCKET_PACKET_BYTES, SOCKET_PATH, type ReceiptChange } from '@messenger/protocol';
import { Server } from 'socket.io';
import { conversationKey, groupConversation } from '../db/schema.js';
import { RecentIds } from '../delivery/recent-ids.js';
import { clientAddress, trustFunction } from '../net/client-address.js';
import { createAckBatcher } from './ack-batcher.js';
import { catchUp } from './catch-up.js';
import { connectError, createHandshakeThrottle, createSocketCap } from './connection-gate.js';
import {
  createInOrder,
  sessionRoom,
  userRoom,
  type ChatServer,
  type ChatSocket,
  type Held,
  type Positioned,
  type PositionedUpdate,
  type RealtimeDeps,
} from './context.js';
import { EventLimiter } from './event-limiter.js';
import { registerGroupUpdates } from './groups.js';
import { registerMessageHandlers } from './messages.handlers.js';
import { PresenceRegistry } from './presence.js';
import { createClusterDirectory, createLocalDirectory } from './presence-directory.js';
import { registerPresenceHandlers } from './presence.handlers.js';
import { registerProfileUpdates } from './profiles.js';
import { attachPostgresAdapter } from './postgres-adapter.js';
import { createDeliveredReceipts } from './receipts.js';
import { registerRevocations } from './revocation.js';
import { readSessionCookie } from './session-cookie.js';

// The largest packet a well-behaved client sends is a full message:ack: MAX_ACK_IDS ids of 36
// characters, each quoted and comma-separated (39 bytes), plus the event frame. 500 ids are
// 19.5 KB, more than MAX_SOCKET_PACKET_BYTES (16 KiB): a client acking a big backlog in the
// chunks the protocol allows was disconnected, reconnected, got the same backlog again, forever.
const MAX_PACKET_BYTES = Math.max(MAX_SOCKET_PACKET_BYTES, MAX_ACK_IDS * 39 + 1024);

// Pairs already told each other's presence; more only means a repeated (correct) update.
const INTRODUCED_PAIRS = 100_000;
// Changes to messages this process sent to someone's screens, as `user\nchange id`: an
// acknowledged id found here is a change's, and only then does the ack round look in
// message_changes (ack-statements.repository.ts). A change that fell out is sent again by the
// next catch-up, and its acknowledgement then counts.
const SENT_CHANGES = 100_000;
// setTimeout cannot wait longer than ~24.8 days; re-check sessions at least daily.
const MAX_SESSION_CHECK_MS = 24 * 3_600_000;

export function createRealtime(deps: RealtimeDeps) {
  const { config, logger, metrics } = deps;
  const presence = new PresenceRegistry();
  const directory = deps.cluster
    ? createClusterDirectory({
        repo: deps.cluster.presence,
        local: presence,
        announce: broadcastPresence,
        logger,
        leaseMs: config.presenceLeaseMs,
        instanceName: config.kafka.instanceId,
      })
    : createLocalDirectory(presence, broadcastPresence);
  const acks = createAckBatcher({ messages: deps.messages, bus: deps.bus, storedPositions: deps.storedPositions });
  // To the sender's screens here at once, and in batches to the other processes, which push
  // them to theirs.
  // One frame per sender and round: the first change, the others in `more`.
  // A room emit encodes its packet before it looks for sockets: skip senders with none here.
  const pushReceipts = (sender: string, changes: readonly ReceiptChange[]) => {
    const [first, ...more] = changes;
    if (!first || presence.socketCount(sender) === 0) return;
    io.local.to(userRoom(sender)).emit('receipt:update', more.length > 0 ? { ...first, more } : first);
  };
  const receipts = createDeliveredReceipts({
    local: pushReceipts,
    remote: deps.cluster ? (batch) => io.serverSideEmit('receipts:delivered', batch) : undefined,
  });
  // Sockets still catching up, per user: live messages for them wait here and follow the
  // catch-up, so a returning client sees its backlog and then the new messages, in order.
  const syncing = new Map<string, Map<string, Held[]>>();
  const sentChanges = new RecentIds(SENT_CHANGES);
  const changeKey = (username: string, id: string) => `${username}\n${id}`;
  /**
   * Emits one update to these sockets of `username`; when the change is theirs to acknowledge
   * (keyed by them), remembers that it was sent.
   */
  function emitUpdate(username: string, sockets: string | string[], update: PositionedUpdate['update'], owed: boolean) {
    if (owed) sentChanges.add(changeKey(username, update.change.id));
    io.local.to(sockets).emit('message:update', update);
  }

  function startSync(socket: ChatSocket) {
    const byUser = syncing.get(socket.data.username) ?? new Map<string, Held[]>();
    byUser.set(socket.id, []);
    syncing.set(socket.data.username, byUser);
  }

  /**
   * The sockets of `username` here that a live push of `positioned` goes to, into `out`. Not
   * `skip` (the screen that sent it). Not those still catching up when `hold`: the message waits
   * in their buffer and follows their backlog. Not those whose catch-up already covered it: this
   * process's live consumer can be behind the store (it just started; another instance stored
   * the record), and a record stored before a socket's catch-up began reached it in the backlog,
   * or was delivered before (acknowledged on another instance): pushed now, a desktop agent would
   * notify it again (test/multi-instance.test.ts caught one).
   */
  function liveSockets(username: string, positioned: Held, skip: string | undefined, hold: boolean, out: string[]): string[] {
    const held = hold ? syncing.get(username) : undefined;
    for (const id of presence.socketIds(username)) {
      if (id === skip) continue;
      const buffer = held?.get(id);
      if (buffer) {
        buffer.push(positioned);
        continue;
      }
      const storedAt = io.sockets.sockets.get(id)?.data.storedAtSync?.get(positioned.partition);
      if (storedAt === undefined || positioned.offset >= storedAt) out.push(id);
    }
    return out;
  }

  /**
   * The sender's socket the message was sent from, when it is one of theirs here: the header is
   * not signed, and naming someone else's socket must not spare it a push.
   */
  function sendingScreen({ message, originSocket }: Positioned): string | undefined {
    if (originSocket === undefined) return undefined;
    return io.sockets.sockets.get(originSocket)?.data.username === message.from ? originSocket : undefined;
  }

  function endSync(socket: ChatSocket): Held[] {
    const byUser = syncing.get(socket.data.username);
    const held = byUser?.get(socket.id) ?? [];
    byUser?.delete(socket.id);
    if (byUser?.size === 0) syncing.delete(socket.data.username);
    return held;
  }
  const allowed = new Set(config.allowedOrigins);

  const io: ChatServer = new Server(deps.server, {
    path: SOCKET_PATH,
    serveClient: false,
    // Oversized packets close the socket: a client cannot make the server buffer megabytes.
    maxHttpBufferSize: MAX_PACKET_BYTES,
    pingInterval: 20_000,
    pingTimeout: 20_000,
    cors: { origin: config.allowedOrigins, credentials: true },
    // Browsers always send Origin; a foreign one is refused before any socket exists. Clients
    // that are not browsers (the desktop agent, bots) send none and authenticate by token.
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      callback(null, origin === undefined || allowed.has(origin));
    },
  });

  // Throttled before authentication, which costs a database read per attempt.
  // The same real-client address as the REST limits: behind a trusted proxy every handshake
  // would otherwise share the proxy's one bucket.
  const trust = trustFunction(config.trustProxy);
  io.use(createHandshakeThrottle(config.limits.socketHandshakesPerMinute, (socket) => clientAddress(socket.request, trust)));
  const socketCap = createSocketCap(config.limits.socketsPerUser, (username) => presence.socketCount(username));

  io.use((socket, next) => {
    const auth = (socket.handshake.auth ?? {}) as { token?: unknown; client?: unknown };
    const token = typeof auth.token === 'string' ? auth.token : readSessionCookie(socket.handshake.headers.cookie);
    const client = auth.client === 'agent' || auth.client === 'bot' ? auth.client : 'web';
    if (!token) return next(new Error('unauthorized'));
    deps.auth
      .authenticate(token)
      .then((session) => {
        if (!session) return next(new Error('unauthorized'));
        if (!session.scopes.includes('receive')) {
          return next(connectError(CONNECT_ERROR.insufficientScope, 'This API token lacks the "receive" scope.'));
        }
        socket.data = {
          username: session.username,
          tokenHash: session.tokenHash,
          expiresAt: session.expiresAt,
          client,
          limiter: new EventLimiter(config.limits.socketEventsPerSecond),
        };
        next();
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'socket authentication failed');
        next(new Error('unavailable'));
      });
  });
  io.use((socket, next) => socketCap.middleware(socket, next));

  // Called once per real transition in the whole cluster (presence-directory.ts); one emit
  // names every peer's room (conversation partners, and online co-members of small groups:
  // services/peers.ts), so the adapter sends it to the other processes as one NOTIFY.
  function broadcastPresence(username: string, online: boolean): Promise<void> {
    return deps.peers
      .toTell(username, (usernames) => directory.onlineAmong(usernames))
      .then((peers) => {
        if (peers.length > 0) io.to(peers.map(userRoom)).emit('presence:update', { username, online });
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'presence broadcast failed'));
  }

  // Presence goes only to people who share a conversation, and a conversation starts with its
  // first stored message (this push comes after the store). Each side asked about the other
  // when it opened the conversation and heard "offline"; without this it stayed so until a
  // reconnect. One set lookup per message; a pair is introduced again after a restart, which
  // only repeats a correct answer. Like the message, it goes to this process's sockets: every
  // process that pushes the message introduces the pair to its own.
  const introduced = new RecentIds(INTRODUCED_PAIRS);
  function introduce(a: string, b: string) {
    if (a === b || !introduced.add(conversationKey(a, b))) return;
    directory
      .onlineAmong([a, b])
      .then((online) => {
        io.local.to(userRoom(a)).emit('presence:update', { username: b, online: online.has(b) });
        io.local.to(userRoom(b)).emit('presence:update', { username: a, online: online.has(a) });
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'presence introduction failed'));
  }

  registerRevocations({ io, auth: deps.auth, events: deps.events, clustered: deps.cluster !== undefined, logger });
  registerGroupUpdates({ io, events: deps.events, groups: deps.groupsService, hasLocalSockets: (u) => presence.socketCount(u) > 0, clustered: deps.cluster !== undefined, logger });
  registerProfileUpdates({
    io,
    events: deps.events,
    peers: deps.peers,
    profileOf: (username) => deps.profiles.profileOf(username),
    onlineAmong: (usernames) => directory.onlineAmong(usernames),
    logger,
  });
  // The sender sees "read"; the reader's other screens clear their unread badge.
  deps.events.on('messagesRead', ({ reader, sender, ids, at }) => {
    io.to(userRoom(sender)).emit('receipt:update', { peer: reader, ids, state: 'read', at });
    io.to(userRoom(reader)).emit('receipt:update', { peer: sender, ids, state: 'read', at });
  });
  // Mute, pin, archive and the unread mark are the user's own settings: every screen and agent
  // of theirs hears them, on every process (one room emit through the adapter), and nobody else does.
  deps.events.on('conversationSettingsChanged', ({ username, update }) => {
    io.to(userRoom(username)).emit('conversation:update', update);
  });
  // In a group, each sender hears which of their messages this member read; the member's other
  // screens hear all of them (peer: the member themself).
  deps.events.on('groupMessagesRead', ({ reader, group, ids, bySender, at }) => {
    for (const [sender, senderIds] of Object.entries(bySender)) {
      if (sender !== reader) io.to(userRoom(sender)).emit('receipt:update', { peer: reader, group, ids: senderIds, state: 'read', at });
    }
    io.to(userRoom(reader)).emit('receipt:update', { peer: reader, group, ids, state: 'read', at });
  });

  function watchSessionExpiry(socket: ChatSocket) {
    const expiresAt = socket.data.expiresAt === null ? Infinity : Date.parse(socket.data.expiresAt);
    const wait = Math.min(Math.max(0, expiresAt - Date.now()), MAX_SESSION_CHECK_MS);
    const timer = setTimeout(() => {
      deps.auth
        .stillValid(socket.data.tokenHash)
        .then((valid) => {
          if (!valid) {
            socket.emit('session:revoked', { reason: 'expired' });
            socket.disconnect(true);
          } else if (socket.connected) watchSessionExpiry(socket);
        })
        .catch(() => undefined);
    }, wait + 1000);
    timer.unref();
    socket.once('disconnect', () => clearTimeout(timer));
  }

  // Other processes' delivered receipts (Postgres): to our sockets of each sender, if any, one
  // frame per sender per batch.
  io.on('receipts:delivered', (batch) => {
    if (!Array.isArray(batch)) return;
    const bySender = new Map<string, ReceiptChange[]>();
    for (const r of batch) {
      if (typeof r?.sender !== 'string' || presence.socketCount(r.sender) === 0) continue;
      const changes = bySender.get(r.sender);
      if (changes) changes.push(r.update);
      else bySender.set(r.sender, [r.update]);
    }
    for (const [sender, changes] of bySender) pushReceipts(sender, changes);
  });

  io.on('connection', (socket: ChatSocket) => {
    const { username, tokenHash } = socket.data;
    startSync(socket);
    // Join before catching up: anything routed after this moment reaches the socket live, and
    // anything routed before it is already in the history store that catch-up reads.
    void socket.join([userRoom(username), sessionRoom(tokenHash)]);
    metrics.socketsOnline.inc();
    if (presence.add(username, socket.id)) directory.joined(username);
    socketCap.admitted(socket);
    metrics.usersOnline.set(presence.users);
    watchSessionExpiry(socket);

    // Every client event passes the rate limiter first; a flood ends in a disconnect.
    socket.use((_packet, next) => {
      const verdict = socket.data.limiter.take();
      if (verdict === 'ok') return next();
      if (verdict === 'disconnect') {
        logger.warn({ username }, 'socket event flood: disconnecting');
        socket.disconnect(true);
        return;
      }
      next(new Error('rate_limited'));
    });
    socket.on('error', () => undefined);

    const inOrder = createInOrder();
    const isSentChange = (id: string) => sentChanges.has(changeKey(username, id));
    registerMessageHandlers(socket, { ...deps, io, presence, acks, receipts, inOrder, isSentChange });
    registerPresenceHandlers(socket, { directory, peers: deps.peers, logger, inOrder });

    socket.on('disconnect', () => {
      endSync(socket);
      metrics.socketsOnline.dec();
      if (presence.remove(username, socket.id)) directory.left(username);
      metrics.usersOnline.set(presence.users);
    });

    catchUp(socket, deps, {
      endSync: () => endSync(socket),
      emitUpdate: (update, owed) => emitUpdate(username, socket.id, update, owed),
      nothingToDeliver: (changeIds) => acknowledgeOnBehalf(username, [], changeIds),
    }).catch((error: unknown) => {
      endSync(socket);
      logger.error({ err: error, username }, 'catch-up failed; disconnecting so the client retries');
      socket.disconnect(true);
    });
  });

  function acknowledgeOnBehalf(username: string, ids: string[], changeIds: string[]) {
    acks
      .acknowledge(username, ids, changeIds.length > 0 ? changeIds : undefined)
      .catch((error: unknown) => logger.warn({ err: error, username }, 'acknowledging own copies failed'));
  }

  /**
   * One message:new to these sockets here, encoded once for all of them (socket ids are rooms).
   * None: nothing is encoded, where a room emit encodes its packet even for an empty room.
   */
  function push(sockets: string[], message: Positioned['message'], readingNow: boolean) {
    if (sockets.length > 0) io.local.to(sockets).emit('message:new', { message, readingNow });
  }

  return {
    io,
    presence,

    /** Joins the cluster (Postgres): listening for the others, and visible to them. */
    async start(): Promise<void> {
      if (!deps.cluster) return;
      await attachPostgresAdapter(io, deps.cluster.pubsub, logger);
      await directory.start();
    },

    /**
     * Pushes a stored message to this process's screens of its recipient and of its sender (the
     * sender's other screens). Only local sockets: each process pushes from its own consumer.
     */
    deliver(positioned: Positioned) {
      const { message } = positioned;
      // A member's copy of a group message goes to that member only: the sender has a copy too.
      // The screen it was sent from shows it from the 202: it gets no echo (issue 15: a frame
      // per message less for a sender with one screen).
      const skip = sendingScreen(positioned);
      if (message.group) {
        const own = message.to === message.from;
        const reading = !own && presence.isReading(message.to, groupConversation(message.group.id));
        return push(liveSockets(message.to, positioned, own ? skip : undefined, true, []), message, reading);
      }
      introduce(message.from, message.to);
      const recipient = liveSockets(message.to, positioned, undefined, true, []);
      // The sender's other screens; they show it sent, never "reading". The live pipeline calls
      // this when either side has a socket here, often only one of them.
      if (presence.isReading(message.to, message.from)) {
        push(recipient, message, true);
        push(liveSockets(message.from, positioned, skip, false, []), message, false);
      } else {
        // Same packet for both sides: one emit encodes it once.
        push(liveSockets(message.from, positioned, skip, false, recipient), message, false);
      }
    },

    /**
     * Pushes a stored change's update to this process's screens of `username` (the change's `to`,
     * or in a 1:1 conversation its actor). A screen still catching up gets it after its backlog,
     * on either side: an update must not arrive before the message it changes.
     */
    deliverUpdate(username: string, positioned: PositionedUpdate) {
      const sockets = liveSockets(username, positioned, undefined, true, []);
      if (sockets.length > 0) emitUpdate(username, sockets, positioned.update, positioned.recipient === username);
    },

    /**
     * Stored copies nobody needs to be sent, delivered at once: senders' own copies of group
     * messages (no receipt: it is their own), the actor's own copy of a change, and a change with
     * no message to apply to (`change`: the id is a change's).
     */
    acknowledgeOwnCopies(copies: readonly { sender: string; id: string; change?: boolean }[]) {
      const bySender = new Map<string, { ids: string[]; changeIds: string[] }>();
      for (const { sender, id, change } of copies) {
        const entry = bySender.get(sender) ?? { ids: [], changeIds: [] };
        bySender.set(sender, entry);
        (change ? entry.changeIds : entry.ids).push(id);
      }
      for (const [sender, { ids, changeIds }] of bySender) acknowledgeOnBehalf(sender, ids, changeIds);
    },

    /** True when the user has a socket on this process (the live pipeline skips everyone else). */
    hasLocalSockets: (username: string) => presence.socketCount(username) > 0,

    /** Those of `usernames` with an open socket on any process. */
    onlineAmong: (usernames: readonly string[]) => directory.onlineAmong(usernames),

    async close(): Promise<void> {
      receipts.flushRemote();
      // Peers hear "offline" for the users only we held now, not a lease later.
      await directory.close();
      await new Promise<void>((resolve) => {
        io.local.disconnectSockets(true);
        void io.close(() => resolve());
      });
      await deps.cluster?.pubsub.close();
    },
  };
}

export type Realtime = ReturnType<typeof createRealtime>;
