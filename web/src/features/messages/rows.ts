// The rows the message list renders: day separators, the "New messages" divider, messages, then
// messages still sending.
import type { ChatMessage } from '@messenger/protocol';
import { dayKey, formatDay } from '../../lib/format';
import type { OutboxEntry } from './outbox';

export type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'unread'; key: string; label: string }
  | { kind: 'message'; key: string; message: ChatMessage; grouped: boolean }
  | { kind: 'pending'; key: string; entry: OutboxEntry; grouped: boolean };

const GROUP_MS = 5 * 60_000;

/** The divider's row key: one per list. */
export const UNREAD_DIVIDER_KEY = 'unread-divider';

/** `unreadFrom`: the id of the first message that was unread when the conversation opened. */
export function buildRows(messages: readonly ChatMessage[], pending: readonly OutboxEntry[], me: string, now = new Date(), unreadFrom?: string): Row[] {
  const rows: Row[] = [];
  let lastDay = '';
  let lastFrom = '';
  let lastAt = 0;
  const push = (from: string, sentAt: string, make: (grouped: boolean) => Row, divider = false) => {
    const date = new Date(sentAt);
    const day = dayKey(date);
    if (day !== lastDay) {
      rows.push({ kind: 'day', key: `day-${day}`, label: formatDay(date, now) });
      lastDay = day;
      lastFrom = '';
    }
    if (divider) {
      rows.push({ kind: 'unread', key: UNREAD_DIVIDER_KEY, label: 'New messages' });
      // The first unread message opens a run of its own under the divider.
      lastFrom = '';
    }
    const at = date.getTime();
    rows.push(make(from === lastFrom && at - lastAt < GROUP_MS));
    lastFrom = from;
    lastAt = at;
  };
  for (const message of messages)
    push(message.from, message.sentAt, (grouped) => ({ kind: 'message', key: message.id, message, grouped }), message.id === unreadFrom);
  // An entry whose echo already arrived is shown by that message instead.
  for (const entry of pending) if (!entry.echoOf) push(me, entry.createdAt, (grouped) => ({ kind: 'pending', key: `pending-${entry.key}`, entry, grouped }));
  return rows;
}
