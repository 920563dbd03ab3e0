// What happens to each message, apart from the socket (agent.ts): testable with fakes.
//
// Per message: decide (own / already seen / read elsewhere / reading now / muted / quiet / notify),
// wait out the grace period (grace.ts) and decide again, show the notification, record the id on
// disk, then acknowledge it. Recording before the ack means a crash
// can only cause a re-delivery that the seen-store swallows; it never loses a notification.
// A message's later change (`message:update`) follows it: the bubble that shows it is replaced
// (edit) or withdrawn (delete, hide), and one still waiting out its grace period waits as changed.
import { MAX_ACK_IDS, type ChatMessage, type MessageUpdate } from '@messenger/protocol';
import { Bubbles } from './bubbles.js';
import { conversationOf, formatSummary } from './format.js';
import { GraceHold } from './grace.js';
import type { DisplayNames } from './names.js';
import type { Notifier } from './notify.js';
import { decide, type Policy, type Verdict } from './quiet.js';
import type { SeenStore } from './seen-store.js';

export interface Incoming {
  message: ChatMessage;
  readingNow: boolean;
  /** Deleted by me for myself while it waited: not to be shown. */
  hidden?: boolean;
  /** The newest change applied while it waited (`change.at`, ms): an older one arriving late is ignored. */
  changedAt?: number;
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
  /** Senders' display names for titles; without it, titles show usernames. */
  names?: DisplayNames;
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
  private readonly bubbles: Bubbles;

  constructor(private readonly deps: ProcessorDeps) {
    this.bubbles = new Bubbles(deps.policy.me, deps.names && ((u) => deps.names?.get(u)));
  }

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

  /**
   * A message changed: in line with the messages, so it never overtakes the one it changes.
   * Reactions show nothing. Updates are states, so one applied twice, or an older one after a
   * newer, changes nothing; the client acknowledges the change once this resolves.
   */
  update(update: MessageUpdate): Promise<void> {
    return this.enqueue(() => this.handleUpdate(update));
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
      const verdict = decide(policy, message, { readingNow, seen, now, read, hidden: item.hidden === true });
      if (verdict === 'notify' && graceMs > 0) {
        later.set(message.id, item);
        continue;
      }
      outcomes.push({ id: message.id, verdict });
      // My own 1:1 message is addressed to the peer, not mine to acknowledge; my copy of my own
      // group message is addressed to me (the server stores it delivered; acking it is a no-op).
      if (verdict !== 'own' || message.to === policy.me) ours.add(message.id);
      // One bubble per conversation: a sender's 1:1 chat and each group apart.
      const key = conversationOf(message);
      if (verdict === 'notify') toNotify.set(key, [...(toNotify.get(key) ?? []), message]);
      else handled.push(`skip ${message.id} from ${where(message)}: ${verdict}`);
    }

    if (later.size > 0) {
      for (const { message } of later.values()) this.log(`hold ${message.id} from ${where(message)}: grace ${graceMs / 1000} s`);
      this.grace.hold(later, graceMs, (take) => this.later(() => this.handle(take(), true)));
    }

    const failed = new Set<string>();
    const names = this.deps.names;
    if (names && toNotify.size > 0) await names.load([...toNotify.values()].flatMap((ms) => ms.map((m) => m.from)));
    for (const messages of toNotify.values()) {
      const ids = messages.map((m) => m.id);
      const from = where(messages[messages.length - 1] as ChatMessage);
      try {
        const shown = formatSummary(messages, policy.me, names ? { names: (u) => names.get(u) } : {});
        const id = await this.deps.notifier.show(shown);
        this.bubbles.shown(typeof id === 'number' ? id : null, messages, shown);
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

  private async handleUpdate({ change, message, hidden }: MessageUpdate): Promise<void> {
    const what = `${change.kind} ${change.id} of ${message.id}`;
    const gone = hidden === true || message.deleted === true;
    if (change.kind === 'react' || change.kind === 'unreact') {
      // The notification shows no reactions (README: "Edits, deletes and reactions").
    } else if (
      this.grace.update(message.id, (item) => {
        const at = Date.parse(change.at);
        if (!(at > (item.changedAt ?? Number.NEGATIVE_INFINITY))) return item;
        return { ...item, message, hidden: item.hidden || hidden === true, changedAt: at };
      })
    ) {
      this.log(`${what}: applied while it waits`);
    } else {
      const effect = this.bubbles.apply(message, change.at, gone);
      const { replace, withdraw } = this.deps.notifier;
      try {
        if (effect.do === 'nothing') this.log(`${what}: nothing on screen to change`);
        else if (effect.do === 'replace' && replace) {
          if (await replace.call(this.deps.notifier, effect.bubble.id, effect.with)) this.log(`${what}: notification ${effect.bubble.id} updated`);
          else {
            this.bubbles.closed(effect.bubble);
            this.log(`${what}: notification ${effect.bubble.id} is closed; left closed`);
          }
        } else if (effect.do === 'withdraw' && withdraw) {
          await withdraw.call(this.deps.notifier, effect.bubble.id);
          this.log(`${what}: notification ${effect.bubble.id} withdrawn`);
        }
      } catch (error) {
        // Best effort: a bubble that could not be changed is not worth offering the change again.
        this.log(`${what}: could not change the notification: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
