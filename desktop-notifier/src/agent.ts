// The running agent: an authenticated socket to the server, and what happens to each message.
//
// Per message: decide (own / already seen / read elsewhere / reading now / muted / quiet / notify),
// wait out the grace period (grace.ts) and decide again, show the notification, record the id on
// disk, then acknowledge it. Recording before the ack means a crash
// can only cause a re-delivery that the seen-store swallows; it never loses a notification.
import type { MessengerClient } from '@messenger/client';
import { MAX_ACK_IDS, type ChatMessage, type Conversation, type Group } from '@messenger/protocol';
import { formatSummary } from './format.js';
import { GraceHold } from './grace.js';
import type { GroupDirectory } from './groups.js';
import { followMutedPeers, type MutedPeers } from './muted-peers.js';
import type { Notifier } from './notify.js';
import { decide, type Policy, type Verdict } from './quiet.js';
import type { SeenStore } from './seen-store.js';

export interface Incoming {
  message: ChatMessage;
  readingNow: boolean;
}

export interface ProcessorDeps {
  policy: Policy;
  store: SeenStore;
  notifier: Notifier;
  /** Acknowledges ids to the server; resolves true when the server recorded them. */
  ack: (ids: string[]) => Promise<boolean>;
  now?: () => Date;
  log?: (line: string) => void;
  /**
   * How long a message waits before it is shown (ms, default 0): read on another screen
   * meanwhile (the server's `receipt:update` read, fed to markRead), it is not shown at all.
   */
  graceMs?: number;
}

/** "alice", or "alice in group <id>" (log lines: ids, never message text). */
function where(message: ChatMessage): string {
  return message.group ? `${message.from} in group ${message.group.id}` : message.from;
}

export interface Outcome {
  id: string;
  verdict: Verdict;
}

/** Everything about a message except the socket: testable with fakes. */
export class Processor {
  private chain: Promise<unknown> = Promise.resolve();
  consecutiveFailures = 0;
  /** Hears the jobs that run later (a grace period ended), as process()'s callers hear theirs. */
  onLater?: (job: Promise<Outcome[]>) => void;
  private readonly grace = new GraceHold<Incoming>();

  constructor(private readonly deps: ProcessorDeps) {}

  private log(line: string) {
    (this.deps.log ?? ((l: string) => console.log(l)))(line);
  }

  /** Runs jobs one at a time, in arrival order. */
  enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.chain.then(job, job);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Resolves when every job queued so far has finished, or after `timeoutMs`. */
  idle(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void this.chain.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** A batch (catch-up, or one live message): one notification per sender at most. */
  process(items: Incoming[]): Promise<Outcome[]> {
    return this.enqueue(() => this.handle(items, false));
  }

  /** These ids were read on another screen: what still waits for its grace period is not shown. */
  markRead(ids: readonly string[]): void {
    const now = this.grace.markRead(ids);
    // Recorded and acknowledged now rather than when the period ends: it is settled.
    if (now.length > 0) this.later(() => this.handle(now, true));
  }

  private later(job: () => Promise<Outcome[]>) {
    const done = this.enqueue(job);
    if (this.onLater) this.onLater(done);
    else done.catch((error: unknown) => this.log(`processing failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Drops what waits for its grace period: unacknowledged, the server offers it again next time. */
  stop(): void {
    this.grace.clear();
  }

  /** `graceOver`: these items waited out (or were read during) their grace period already. */
  private async handle(items: Incoming[], graceOver: boolean): Promise<Outcome[]> {
    const { policy, store } = this.deps;
    const now = (this.deps.now ?? (() => new Date()))();
    const outcomes: Outcome[] = [];
    const toNotify = new Map<string, ChatMessage[]>();
    const batchSeen = new Set<string>();
    const handled: string[] = [];
    const ours = new Set<string>();
    const graceMs = graceOver ? 0 : (this.deps.graceMs ?? 0);
    const later = new Map<string, Incoming>();
    for (const item of items) {
      const { message, readingNow } = item;
      // Offered again (a reconnect's catch-up, or twice in this batch) while it waits: the waiting
      // copy decides. Judged 'seen' instead, it would be recorded now and never shown.
      if (!graceOver && (this.grace.isWaiting(message.id) || later.has(message.id))) continue;
      const seen = store.has(message.id) || batchSeen.has(message.id);
      batchSeen.add(message.id);
      const read = message.state === 'read' || this.grace.wasRead(message.id);
      const verdict = decide(policy, message, { readingNow, seen, now, read });
      if (verdict === 'notify' && graceMs > 0) {
        later.set(message.id, item);
        continue;
      }
      outcomes.push({ id: message.id, verdict });
      // My own 1:1 message is addressed to the peer, not mine to acknowledge; my copy of my own
      // group message is addressed to me (the server stores it delivered; acking it is a no-op).
      if (verdict !== 'own' || message.to === policy.me) ours.add(message.id);
      // One bubble per conversation: a sender's 1:1 chat and each group apart.
      const key = message.group ? `#${message.group.id}` : message.from;
      if (verdict === 'notify') toNotify.set(key, [...(toNotify.get(key) ?? []), message]);
      else handled.push(`skip ${message.id} from ${where(message)}: ${verdict}`);
    }

    if (later.size > 0) {
      for (const { message } of later.values()) this.log(`hold ${message.id} from ${where(message)}: grace ${graceMs / 1000} s`);
      this.grace.hold(later, graceMs, (take) => this.later(() => this.handle(take(), true)));
    }

    const failed = new Set<string>();
    for (const messages of toNotify.values()) {
      const ids = messages.map((m) => m.id);
      const from = where(messages[messages.length - 1] as ChatMessage);
      try {
        await this.deps.notifier.show(formatSummary(messages, policy.me));
        this.consecutiveFailures = 0;
        handled.push(`notified ${ids.join(',')} from ${from}`);
      } catch (error) {
        this.consecutiveFailures++;
        for (const id of ids) failed.add(id);
        this.log(`could not show the notification from ${from}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }

    // Failed ones stay unrecorded and unacknowledged, so the server offers them again on the next
    // connect.
    const done = [...new Set(outcomes.filter((o) => ours.has(o.id) && !failed.has(o.id)).map((o) => o.id))];
    if (done.length > 0) {
      store.add(done);
      for (let i = 0; i < done.length; i += MAX_ACK_IDS) {
        const chunk = done.slice(i, i + MAX_ACK_IDS);
        if (!(await this.deps.ack(chunk))) this.log(`acknowledgement of ${chunk.length} message(s) failed; the server will offer them again`);
      }
    }
    // Logged once recorded and acknowledged, so these lines mean the message is fully handled.
    for (const line of handled) this.log(line);
    return outcomes;
  }
}

export interface AgentOptions {
  /** Signed in (token and username), pointed at the server. */
  client: MessengerClient;
  processor: Processor;
  log?: (line: string) => void;
  /** Called once when the agent must stop (session revoked, token refused, too many failures). */
  onFatal: (reason: string, code: number) => void;
  /** Stop after this many notifications in a row could not be shown. */
  maxConsecutiveFailures?: number;
  /** My groups' mute settings: loaded on every connect, kept current from `group:update`. */
  groups?: { directory: GroupDirectory; load: () => Promise<Group[]> };
  /** My 1:1 mute settings: loaded on every connect, kept current from `conversation:update`. */
  mutedPeers?: { peers: MutedPeers; load: () => Promise<Conversation[]> };
}

export interface RunningAgent {
  /** Acknowledges ids to the server; resolves true when the server recorded them. */
  ack(ids: string[]): Promise<boolean>;
  stop(): void;
}

const WAKE_CHECK_MS = 5_000;
const WAKE_GAP_MS = 20_000;
const REDELIVER_AFTER_MS = 5_000;

/**
 * The connection (catch-up, reconnection, handshake refusals, validation of every event) is the
 * shared client's; what is the agent's own is what happens to messages, and waking from sleep.
 */
export function startAgent(opts: AgentOptions): RunningAgent {
  const log = opts.log ?? ((l: string) => console.log(l));
  const server = opts.client.baseUrl;
  let stopped = false;
  let redeliverTimer: NodeJS.Timeout | undefined;
  const maxFailures = opts.maxConsecutiveFailures ?? 5;

  const fatal = (reason: string, code: number) => {
    if (stopped) return;
    stop();
    opts.onFatal(reason, code);
  };

  const afterProcessing = (outcomes: Promise<Outcome[]>) =>
    outcomes
      .then(() => {
        const failures = opts.processor.consecutiveFailures;
        if (failures >= maxFailures) {
          fatal(`${failures} notifications in a row could not be shown (is the notification daemon running?)`, 3);
        } else if (failures > 0 && !redeliverTimer) {
          // What could not be shown was neither recorded nor acknowledged: reconnecting makes the
          // server offer it again (catch-up), after a pause that gives the daemon time to return.
          redeliverTimer = setTimeout(() => {
            redeliverTimer = undefined;
            if (stopped) return;
            log('reconnecting to get the messages that could not be shown offered again');
            subscription.reconnect();
          }, REDELIVER_AFTER_MS * failures);
        }
      })
      .catch((error: unknown) => log(`processing failed: ${error instanceof Error ? error.message : String(error)}`));

  // What waited out a grace period is shown later, and counts as failures the same way.
  opts.processor.onLater = (job) => void afterProcessing(job);

  const groups = opts.groups;
  /**
   * Queued on the processor like a message, so the catch-up that follows this connect is judged
   * with the current mute settings (a group muted while the agent was off stays quiet). A failed
   * load keeps what was known; the next reconnect tries again.
   */
  const refreshGroups = (g: NonNullable<typeof groups>) =>
    void opts.processor.enqueue(async () => {
      const ticket = g.directory.beginLoad();
      try {
        g.directory.finishLoad(ticket, await g.load());
        const all = g.directory.list();
        const muted = all.filter((x) => x.muted).map((x) => x.id);
        log(`groups: ${all.length}${muted.length > 0 ? `; muted: ${muted.join(', ')}` : ''}`);
      } catch (error) {
        g.directory.abandonLoad(ticket);
        log(`could not load your groups (${error instanceof Error ? error.message : String(error)}); keeping the last known mute settings`);
      }
    });

  const mutedPeers = opts.mutedPeers && followMutedPeers({ ...opts.mutedPeers, queue: opts.processor, log });

  const subscription = opts.client.subscribe({
    client: 'agent',
    onStatus: (status, detail) => {
      if (stopped) return;
      if (status === 'syncing') {
        log(`connected to ${server}; catching up`);
        if (groups) refreshGroups(groups);
        mutedPeers?.refresh();
      } else if (status === 'reconnecting') {
        log(`not connected (${detail ?? 'unknown'}); reconnecting`);
      }
    },
    onBatch: (items, { catchUp }) => {
      if (catchUp) log(`caught up (${items.length} waiting message(s)); live`);
      if (items.length > 0) void afterProcessing(opts.processor.process(items));
    },
    onGroupUpdate: (payload) => {
      if (!groups) return;
      // In line with the messages: one that arrived before a mute is judged as it was sent.
      void opts.processor.enqueue(() => {
        const before = groups.directory.get(payload.id);
        groups.directory.apply(payload);
        const after = groups.directory.get(payload.id);
        if (!after) log(`group ${payload.id}: no longer a member`);
        else if (!before) log(`group ${payload.id}: joined${after.muted ? ' (muted)' : ''}`);
        else if (before.muted !== after.muted) log(`group ${payload.id}: ${after.muted ? 'muted' : 'unmuted'}`);
        return Promise.resolve();
      });
    },
    onConversationUpdate: (update) => mutedPeers?.update(update),
    // Read on another screen: the server tells all of the reader's screens (peer is whoever
    // is on the other side; the ids are what matters, and only waiting ones change anything).
    onReceipt: (change) => {
      if (change.state === 'read') opts.processor.markRead(change.ids);
    },
    onSessionEnded: (reason, how) =>
      fatal(
        how === 'revoked'
          ? `the server ended this session (${reason}). Run "chat-notifier login" to sign in again.`
          : 'the server refused the stored session (expired or logged out). Run "chat-notifier login".',
        2,
      ),
    onError: (error) => log(`ignored: ${error.message}`),
  });

  // After sleep, the socket may look connected but be dead until the ping times out (~40 s).
  // A wall-clock jump means we slept: reconnect at once and catch up.
  let lastTick = Date.now();
  const wake = setInterval(() => {
    const now = Date.now();
    if (now - lastTick > WAKE_GAP_MS && !stopped) {
      log(`clock jumped ${Math.round((now - lastTick) / 1000)} s (sleep?); reconnecting`);
      subscription.reconnect();
    }
    lastTick = now;
  }, WAKE_CHECK_MS);

  function stop() {
    stopped = true;
    opts.processor.stop();
    clearInterval(wake);
    if (redeliverTimer) clearTimeout(redeliverTimer);
    subscription.close();
  }

  return { ack: (ids) => subscription.ack(ids), stop };
}
