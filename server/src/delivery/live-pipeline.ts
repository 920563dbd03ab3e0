// The live half of delivery, on every instance: each record of the topic, once it is stored
// (watermark.ts), is pushed to this instance's sockets of its recipient and its sender.
// Most records concern nobody connected here; those are skipped on the key (the recipient) and
// the `sender` header, before the signature is checked or the value parsed. A member's copy of a
// group message (schema version 2) concerns its recipient only: the sender has a copy of their own.
import { GROUP_RECORD_VERSION } from '@messenger/protocol';
import { RecordHeaders } from '@messenger/protocol';
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
  realtime: Pick<Realtime, 'deliver' | 'hasLocalSockets'>;
  watermark: Watermark;
  metrics: Metrics;
  logger: Logger;
}) {
  const emitted = new RecentIds(RECENT_CAPACITY);
  const local = (username: string | null | undefined) => username !== null && username !== undefined && deps.realtime.hasLocalSockets(username);

  function push(raw: RawRecord, now: number): void {
    const copy = raw.headers[RecordHeaders.schemaVersion] === String(GROUP_RECORD_VERSION);
    const sender = raw.headers[RecordHeaders.sender];
    if (copy) {
      if (!local(raw.key)) return;
      // A record without the header (written before it existed) cannot be skipped on its sender.
    } else if (!local(raw.key) && sender !== undefined && !local(sender)) return;
    const header = raw.headers[RecordHeaders.messageId];
    // All copies of a group message share its id: one push per copy.
    const seenAs = (id: string) => (copy ? `${id}>${raw.key ?? ''}` : id);
    if (header !== undefined && emitted.has(seenAs(header))) return;
    const decoded = deps.codec.decode(raw);
    // Poison is the store pipeline's to dead-letter; here it is just not pushed.
    if (!decoded.ok) return;
    const r = decoded.record;
    if (r.v === 3) return;
    if (!emitted.add(seenAs(r.id))) return;
    deps.realtime.deliver({
      message: { id: r.id, from: r.from, to: r.to, text: r.text, sentAt: r.sentAt, state: 'sent', ...(r.v === 2 ? { group: r.group } : {}) },
      partition: raw.partition,
      offset: raw.offset,
      originSocket: raw.headers[RecordHeaders.originSocket],
    });
    const sentAt = Date.parse(r.sentAt);
    if (Number.isFinite(sentAt)) deps.metrics.deliveryLatency.observe(Math.max(0, now - sentAt) / 1000);
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
        push(raw, now);
        reached = raw.offset + 1;
      }
    }
    return reached;
  };
}
