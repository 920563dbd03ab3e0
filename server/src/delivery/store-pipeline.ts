// The history group's half of delivery: each batch this instance's history consumer holds is
// checked (poison goes to the DLQ) and stored, and the store's positions move in the same
// transaction. Changes to messages (version 3 records) are applied in that same transaction
// (db/message-changes.repository.ts). Pushing is the live pipeline's (live-pipeline.ts), on every
// instance; it pushes a record only once the positions say it is stored, whichever instance
// stored it.
import type { Logger } from 'pino';
import type { NewChange, StoredChange } from '../db/message-changes.repository.js';
import type { MessagesRepository, StoredRecord } from '../db/messages.repository.js';
import type { KafkaBus, RawRecord } from '../kafka/bus.js';
import type { Metrics } from '../plugins/metrics.js';
import type { RecordCodec } from './record-codec.js';
import type { Watermark } from './watermark.js';

interface PendingStore {
  records: StoredRecord[];
  changes: StoredChange[];
  partition: number;
  /** the offset after the batch's last record, stored or dead-lettered */
  next: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createStorePipeline(deps: {
  bus: KafkaBus;
  codec: RecordCodec;
  messages: Pick<MessagesRepository, 'storeBatch'>;
  watermark: Watermark;
  topic: string;
  metrics: Metrics;
  logger: Logger;
  /**
   * Senders' own copies of group messages, once stored: acknowledged on their behalf, so their
   * inbox group does not count their own messages as lag (a bot that only sends would grow it).
   * Changes too, by their change ids: the actor's own copy of a change (to = from), and a change
   * that found no message to apply to (there is nothing to deliver).
   */
  onOwnCopies?: (copies: { sender: string; id: string; change?: boolean }[]) => void;
}) {
  // The consumer hands over the partitions of one fetch concurrently. Their batches are stored in
  // one transaction: a SQLite commit per partition batch, each waiting its turn on a busy event
  // loop, made messages wait ~300 ms in the consumer at 2,000 msg/s. Order still holds where it
  // matters: within a partition (one recipient's messages) records keep their order, and kafkajs
  // never hands over a partition's next batch before this one ends.
  let pending: PendingStore[] = [];

  function store(batch: Omit<PendingStore, 'resolve' | 'reject'>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      pending.push({ ...batch, resolve, reject });
      if (pending.length === 1) setImmediate(() => void storeRound());
    });
  }

  async function storeRound(): Promise<void> {
    const round = pending;
    pending = [];
    const positions = new Map<number, number>();
    for (const p of round) positions.set(p.partition, Math.max(p.next, positions.get(p.partition) ?? -1));
    let changes: NewChange[];
    try {
      ({ changes } = await deps.messages.storeBatch(
        round.flatMap((p) => p.records),
        { topic: deps.topic, positions },
        round.flatMap((p) => p.changes),
      ));
    } catch (error) {
      // Every batch of the round fails and is retried by the consumer; the insert is idempotent.
      for (const p of round) p.reject(error);
      return;
    }
    // Committed: this process's live pipeline may push them now; other instances hear it by NOTIFY.
    deps.watermark.advance(positions);
    const own: { sender: string; id: string; change?: boolean }[] = round.flatMap((p) =>
      p.records.filter((r) => r.group !== undefined && r.to === r.from).map((r) => ({ sender: r.from, id: r.id })),
    );
    for (const c of changes) if (c.to === c.from || !c.found) own.push({ sender: c.to, id: c.id, change: true });
    if (own.length > 0) deps.onOwnCopies?.(own);
    for (const p of round) {
      deps.metrics.consumed.inc(p.records.length);
      p.resolve();
    }
  }

  return async function handleBatch(records: RawRecord[]): Promise<void> {
    const last = records.at(-1);
    if (!last) return;
    const valid: StoredRecord[] = [];
    const changes: StoredChange[] = [];
    for (const raw of records) {
      const decoded = deps.codec.decode(raw);
      if (!decoded.ok) {
        deps.logger.warn(
          { partition: raw.partition, offset: raw.offset, reason: decoded.reason, error: decoded.error },
          'poison record sent to the dead-letter topic',
        );
        await deps.bus.deadLetter(raw, decoded.reason, decoded.error);
        deps.metrics.deadLettered.inc({ reason: decoded.reason });
        continue;
      }
      const r = decoded.record;
      if (r.v === 3) {
        const { v: _version, ...change } = r;
        changes.push({ ...change, partition: raw.partition, offset: raw.offset });
        continue;
      }
      valid.push({
        id: r.id,
        from: r.from,
        to: r.to,
        text: r.text,
        sentAt: r.sentAt,
        partition: raw.partition,
        offset: raw.offset,
        ...(r.v === 2 ? { group: r.group } : {}),
        // A quote of a message deleted meanwhile reads '' (ReplyRef.deleted): stored so.
        ...(r.replyTo ? { replyTo: { id: r.replyTo.id, from: r.replyTo.from, text: r.replyTo.deleted ? '' : r.replyTo.text } } : {}),
      });
    }
    // Even a batch of poison only moves the positions: live pipelines wait on them.
    await store({ records: valid, changes, partition: last.partition, next: last.offset + 1 });
  };
}
