// The rows the message list renders: day separators, messages, then messages still sending.
import type { ChatMessage } from '@messenger/protocol';
import { dayKey, formatDay } from '../../lib/format';
import type { OutboxEntry } from './outbox';

export type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'message'; key: string; message: ChatMessage; grouped: boolean }
  | { kind: 'pending'; key: string; entry: OutboxEntry; grouped: boolean };

const GROUP_MS = 5 * 60_000;

export function buildRows(messages: readonly ChatMessage[], pending: readonly OutboxEntry[], me: string, now = new Date()): Row[] {
  const rows: Row[] = [];
  let lastDay = '';
  let lastFrom = '';
  let lastAt = 0;
  const push = (from: string, sentAt: string, make: (grouped: boolean) => Row) => {
    const date = new Date(sentAt);
    const day = dayKey(date);
    if (day !== lastDay) {
      rows.push({ kind: 'day', key: `day-${day}`, label: formatDay(date, now) });
      lastDay = day;
      lastFrom = '';
    }
    const at = date.getTime();
    rows.push(make(from === lastFrom && at - lastAt < GROUP_MS));
    lastFrom = from;
    lastAt = at;
  };
  for (const message of messages) push(message.from, message.sentAt, (grouped) => ({ kind: 'message', key: message.id, message, grouped }));
  // An entry whose echo already arrived is shown by that message instead.
  for (const entry of pending) if (!entry.echoOf) push(me, entry.createdAt, (grouped) => ({ kind: 'pending', key: `pending-${entry.key}`, entry, grouped }));
  return rows;
}
