// The running agent: an authenticated socket to the server, feeding each message to the
// Processor (processor.ts), which decides, shows, records and acknowledges it.
import type { MessengerClient } from '@messenger/client';
import type { Conversation, Group } from '@messenger/protocol';
import type { GroupDirectory } from './groups.js';
import { followMutedPeers, type MutedPeers } from './muted-peers.js';
import type { DisplayNames } from './names.js';
import type { Outcome, Processor } from './processor.js';

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
  /** Display names for titles: forgotten on every connect, kept current from `profile:update`. */
  names?: DisplayNames;
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
        // A name changed while away was not heard: asked again when next shown.
        opts.names?.clear();
      } else if (status === 'reconnecting') {
        log(`not connected (${detail ?? 'unknown'}); reconnecting`);
      }
    },
    onBatch: (items, { catchUp }) => {
      if (catchUp) log(`caught up (${items.length} waiting message(s)); live`);
      if (items.length > 0) void afterProcessing(opts.processor.process(items));
    },
    // Edits, deletes, hides and reactions: on the processor's queue, after the messages before
    // them. The client acknowledges the change once this resolves.
    onMessageUpdate: (update) => (stopped ? undefined : opts.processor.update(update)),
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
    onProfileUpdate: (profile) => {
      if (!opts.names) return;
      const before = opts.names.get(profile.username);
      opts.names.apply(profile);
      // The name itself stays out of the log, like message text.
      if (before !== profile.displayName) log(`profile of ${profile.username}: display name ${profile.displayName === null ? 'removed' : 'set'}`);
    },
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
