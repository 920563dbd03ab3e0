// Acknowledgements from every socket, applied in rounds: one transaction per round instead of one
// commit per acknowledgement. A 20,000-message bench run made ~11,000 of them, each an
// autocommitted UPDATE writing its pages to the WAL on its own. Each round then moves the
// recipients' inbox groups as far as the delivery record allows (delivery/inbox.ts).
//
// Rounds start at least ROUND_SPACING_MS apart. A lone acknowledgement on a quiet server is
// applied on the next turn; under load, those of the following few milliseconds wait and share
// one commit. A commit costs about as much as the round's statements together (~0.6 ms on SQLite,
// a WAL write per dirty page), and rounds on consecutive turns held ~16 acknowledgements at
// 1,000 msg/s but nearly one each at a few hundred a second. Only the sender's "delivered" tick
// and the inbox commit wait, the latter for its own interval anyway (INBOX_COMMIT_INTERVAL_MS).
import type { AckOutcome, MessagesRepository } from '../db/messages.repository.js';
import { createInboxRecord, roundAcks } from '../delivery/inbox.js';
import type { KafkaBus } from '../kafka/bus.js';

export interface AckResult {
  /** the messages this acknowledgement moved to delivered (repeats from other screens are not here) */
  changed: AckOutcome['changed'];
  /** how many changes to messages (by `change.id`) it moved to delivered */
  changes: number;
  /** when the round marked them delivered */
  at: string;
}

interface Waiting {
  recipient: string;
  ids: string[];
  changeIds: string[] | undefined;
  resolve: (result: AckResult) => void;
  reject: (error: unknown) => void;
}

const ROUND_SPACING_MS = 10;

export function createAckBatcher(deps: {
  messages: MessagesRepository;
  bus: KafkaBus;
  storedPositions: () => ReadonlyMap<number, number>;
  /** the least time between the starts of two rounds (tests widen it) */
  roundSpacingMs?: number;
}) {
  const inbox = createInboxRecord(deps.bus);
  const spacing = deps.roundSpacingMs ?? ROUND_SPACING_MS;
  let waiting: Waiting[] = [];
  let lastStart = -Infinity;
  let scheduled = false;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    const wait = lastStart + spacing - performance.now();
    const start = () => {
      scheduled = false;
      lastStart = performance.now();
      void applyRound();
    };
    if (wait > 0) setTimeout(start, wait);
    else setImmediate(start);
  }

  /** Commits, per recipient of the round, what all of the round's acknowledgements allow. */
  function commit(round: Waiting[], outcomes: AckOutcome[], positions: ReadonlyMap<number, number>) {
    for (const [recipient, partitions] of roundAcks(round, outcomes, positions)) if (partitions.size > 0) inbox.record(recipient, partitions);
  }

  async function applyRound(): Promise<void> {
    const round = waiting;
    waiting = [];
    // Read before the round's transaction: everything below these positions is stored by then.
    const positions = deps.storedPositions();
    const at = new Date().toISOString();
    let outcomes: AckOutcome[];
    try {
      outcomes = await deps.messages.markDeliveredMany(round, at);
    } catch (error) {
      for (const w of round) w.reject(error);
      return;
    }
    commit(round, outcomes, positions);
    round.forEach((w, i) => w.resolve({ changed: outcomes[i]?.changed ?? [], changes: outcomes[i]?.changes?.length ?? 0, at }));
  }

  return {
    /**
     * Marks `ids` (messages) and `changeIds` (changes to messages) delivered to `recipient` in the
     * next round; resolves with what changed.
     */
    acknowledge(recipient: string, ids: string[], changeIds?: string[]): Promise<AckResult> {
      return new Promise<AckResult>((resolve, reject) => {
        waiting.push({ recipient, ids, changeIds, resolve, reject });
        schedule();
      });
    },
  };
}

export type AckBatcher = ReturnType<typeof createAckBatcher>;
