// Acknowledgements from every socket, applied in rounds: one SQLite transaction per event-loop
// turn instead of one commit per acknowledgement. A 20,000-message bench run made ~11,000 of
// them, each an autocommitted UPDATE writing its pages to the WAL on its own. Each round then
// moves the recipients' inbox groups as far as the delivery record allows (delivery/inbox.ts).
import type { AckOutcome, MessagesRepository } from '../db/messages.repository.js';
import { createInboxRecord, roundAcks } from '../delivery/inbox.js';
import type { KafkaBus } from '../kafka/bus.js';

export interface AckResult {
  /** the messages this acknowledgement moved to delivered (repeats from other screens are not here) */
  changed: AckOutcome['changed'];
  /** when the round marked them delivered */
  at: string;
}

interface Waiting {
  recipient: string;
  ids: string[];
  resolve: (result: AckResult) => void;
  reject: (error: unknown) => void;
}

export function createAckBatcher(deps: { messages: MessagesRepository; bus: KafkaBus; storedPositions: () => ReadonlyMap<number, number> }) {
  const inbox = createInboxRecord(deps.bus);
  let waiting: Waiting[] = [];

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
    round.forEach((w, i) => w.resolve({ changed: outcomes[i]?.changed ?? [], at }));
  }

  return {
    /** Marks `ids` delivered to `recipient` in the next round; resolves with what changed. */
    acknowledge(recipient: string, ids: string[]): Promise<AckResult> {
      return new Promise<AckResult>((resolve, reject) => {
        waiting.push({ recipient, ids, resolve, reject });
        if (waiting.length === 1) setImmediate(() => void applyRound());
      });
    },
  };
}

export type AckBatcher = ReturnType<typeof createAckBatcher>;
