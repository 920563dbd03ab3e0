// Whom the signed-in user muted in 1:1 conversations, as far as notifications care. The server owns
// the setting (the web app changes it too); the agent loads it with GET /api/conversations on every
// (re)connect and follows `conversation:update` in between, as it does for groups (groups.ts).
// `--mute USER` is apart from this: a choice of this machine the server never hears of.
import type { Conversation, ConversationUpdate } from '@messenger/protocol';

export class MutedPeers {
  private muted = new Set<string>();
  private loadSeq = 0;
  private appliedSeq = 0;
  /** Peers a live update set since each pending load began (by that load's seq), and to what. */
  private touchedSince = new Map<number, Map<string, boolean>>();

  /** The list fetched after this may be older than an update heard while it was in flight. */
  beginLoad(): number {
    const seq = ++this.loadSeq;
    this.touchedSince.set(seq, new Map());
    return seq;
  }

  /** Replaces the set with a fetched list, except peers a live update changed meanwhile. */
  finishLoad(seq: number, conversations: readonly Conversation[]): void {
    const touched = this.touchedSince.get(seq);
    this.touchedSince.delete(seq);
    if (!touched || seq < this.appliedSeq) return;
    this.appliedSeq = seq;
    const next = new Set(conversations.filter((c) => c.muted).map((c) => c.peer));
    for (const [peer, muted] of touched) {
      if (muted) next.add(peer);
      else next.delete(peer);
    }
    this.muted = next;
  }

  abandonLoad(seq: number): void {
    this.touchedSince.delete(seq);
  }

  /** `conversation:update`; true when it changed what was known. */
  apply(update: ConversationUpdate): boolean {
    for (const touched of this.touchedSince.values()) touched.set(update.peer, update.muted);
    if (this.muted.has(update.peer) === update.muted) return false;
    if (update.muted) this.muted.add(update.peer);
    else this.muted.delete(update.peer);
    return true;
  }

  has(peer: string): boolean {
    return this.muted.has(peer);
  }

  list(): string[] {
    return [...this.muted].sort();
  }
}

/**
 * What the running agent does with the setting. Both run on the processor's queue, in line with
 * the messages: the load that follows a connect is done before the catch-up is judged (a peer
 * muted while the agent was off stays quiet), and a message that arrived before a mute is judged
 * as it was sent.
 */
export function followMutedPeers(deps: {
  peers: MutedPeers;
  load: () => Promise<Conversation[]>;
  queue: { enqueue<T>(job: () => Promise<T>): Promise<T> };
  log: (line: string) => void;
}) {
  const { peers, log } = deps;
  return {
    /** On every connect. A failed load keeps what was known; the next connect tries again. */
    refresh(): void {
      void deps.queue.enqueue(async () => {
        const seq = peers.beginLoad();
        try {
          peers.finishLoad(seq, await deps.load());
          const muted = peers.list();
          log(`muted conversations: ${muted.length}${muted.length > 0 ? ` (${muted.join(', ')})` : ''}`);
        } catch (error) {
          peers.abandonLoad(seq);
          log(`could not load your conversations (${error instanceof Error ? error.message : String(error)}); keeping the last known mute settings`);
        }
      });
    },
    update(update: ConversationUpdate): void {
      void deps.queue.enqueue(() => {
        if (peers.apply(update)) log(`conversation with ${update.peer}: ${update.muted ? 'muted' : 'unmuted'}`);
        return Promise.resolve();
      });
    },
  };
}
