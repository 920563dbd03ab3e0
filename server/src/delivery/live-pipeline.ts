// The live half of delivery, on every instance: each record of the topic, once it is stored
// (watermark.ts), is pushed to this instance's sockets of its recipient and its sender.
// Most records concern nobody connected here; those are skipped on the key (the recipient) and
// the `sender` header, before the signature is checked or the value parsed. A member's copy of a
// group message (schema version 2) concerns its recipient only: the sender has a copy of their own.
// A change to a message (version 3) goes out as `message:update` with the message's state read
// from the store, to its `to` and, in a 1:1 conversation, its actor; a group's change record to
// its `to` only (every member, the actor included, has a record of their own).
import { CHANGE_RECORD_VERSION, GROUP_RECORD_VERSION, RecordHeaders, type ChangeRecordV3 } from '@messenger/protocol';
import type { MessageRef, MessageView } from '../db/message-views.repository.js';
import type { Logger } from 'pino';
import type { RawRecord } from '../kafka/bus.js';
import type { Metrics } from '../plugins/metrics.js';
import type { Realtime } from '../realtime/hub.js';
import { RecentIds } from './recent-ids.js';
import type { RecordCodec } from './record-codec.js';
import type { Watermark } from './watermark.js';

// Enough to cover a consumer replay after a rejoin; clients dedupe the rest.
const RECENT_CAPACITY = 200_000;

export function createLivePipeline(deps: {
  codec: RecordCodec;
  realtime: Pick<Realtime, 'deliver' | 'deliverUpdate' | 'hasLocalSockets'>;
  /** The messages as a viewer sees them now (the store's message views). */
  views: (viewer: string, refs: readonly MessageRef[]) => Promise<Map<string, MessageView>>;
  watermark: Watermark;
  metrics: Metrics;
  logger: Logger;
}) {
  const emitted = new RecentIds(RECENT_CAPACITY);
  const local = (username: string | null | undefined) => username !== null && username !== undefined && deps.realtime.hasLocalSockets(username);

  /** Pushes the record; a change's push reads the store first and returns that promise. */
  function push(raw: RawRecord, now: number): Promise<void> | undefined {
    const version = raw.headers[RecordHeaders.schemaVersion];
    const copy = version === String(GROUP_RECORD_VERSION);
    const change = version === String(CHANGE_RECORD_VERSION);
    const sender = raw.headers[RecordHeaders.sender];
    if (copy) {
      if (!local(raw.key)) return;
      // A record without the header (written before it existed) cannot be skipped on its sender.
    } else if (!local(raw.key) && sender !== undefined && !local(sender)) return;
    const header = raw.headers[RecordHeaders.messageId];
    // Every copy of a group message, or of a group's change, has the same id: one push per copy.
    const seenAs = (id: string) => (copy || change ? `${id}>${raw.key ?? ''}` : id);
    if (header !== undefined && emitted.has(seenAs(header))) return;
    const decoded = deps.codec.decode(raw);
    // Poison is the store pipeline's to dead-letter; here it is just not pushed.
    if (!decoded.ok) return;
    const r = decoded.record;
    if (r.v === 3) return pushChange(raw, r);
    if (!emitted.add(seenAs(r.id))) return;
    deps.realtime.deliver({
      message: {
        id: r.id,
        from: r.from,
        to: r.to,
        text: r.text,
        sentAt: r.sentAt,
        state: 'sent',
        ...(r.v === 2 ? { group: r.group } : {}),
        ...(r.replyTo ? { replyTo: r.replyTo } : {}),
      },
      partition: raw.partition,
      offset: raw.offset,
      originSocket: raw.headers[RecordHeaders.originSocket],
    });
    const sentAt = Date.parse(r.sentAt);
    if (Number.isFinite(sentAt)) deps.metrics.deliveryLatency.observe(Math.max(0, now - sentAt) / 1000);
  }

  async function pushChange(raw: RawRecord, r: ChangeRecordV3): Promise<void> {
    // A group's change has a record per member; a 1:1 change one, for both sides.
    const viewers = (r.group || r.to === r.from ? [r.to] : [r.to, r.from]).filter(local);
    if (viewers.length === 0 || !emitted.add(`${r.id}>${r.to}`)) return;
    const change = { id: r.id, kind: r.kind, by: r.from, at: r.at };
    for (const viewer of viewers) {
      try {
        const views = await deps.views(viewer, [r.group ? { id: r.messageId, recipient: viewer } : { id: r.messageId }]);
        const view = views.get(r.messageId);
        // Not theirs to see (or not stored): the store recorded the change as nothing to deliver.
        if (!view) continue;
        const hidden = view.hidden === true || r.kind === 'hide';
        const update = { change, message: view.message, ...(hidden ? { hidden: true as const } : {}) };
        deps.realtime.deliverUpdate(viewer, { update, recipient: r.to, partition: raw.partition, offset: raw.offset });
      } catch (error) {
        // Not pushed live: the change stays undelivered, and the next catch-up sends it.
        deps.logger.warn({ err: error, partition: raw.partition, offset: raw.offset }, 'could not read a changed message to push it');
      }
    }
  }

  /**
   * One partition's records in offset order: each is pushed once the store holds it. Waits at
   * most `waitMs` in all for the store, and stops early when `running()` turns false. Returns the
   * offset after the last record pushed (or skipped): the caller goes on from there.
   */
  return async function handleLive(records: RawRecord[], control: { running: () => boolean; waitMs: number }): Promise<number> {
    const first = records[0];
    if (!first) return 0;
    const deadline = Date.now() + control.waitMs;
    let reached = first.offset;
    let i = 0;
    while (i < records.length && control.running()) {
      const next = records[i];
      if (!next) break;
      const stored = await deps.watermark.until(next.partition, next.offset, Math.max(0, deadline - Date.now()));
      if (stored === undefined) break;
      const now = Date.now();
      for (; i < records.length; i++) {
        const raw = records[i];
        if (!raw || raw.offset >= stored) break;
        const pushing = push(raw, now);
        if (pushing) await pushing;
        reached = raw.offset + 1;
      }
    }
    return reached;
  };
}
