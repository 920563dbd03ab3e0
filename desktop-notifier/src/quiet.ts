// Do-not-disturb hours ("22:00-07:00", may cross midnight), muted senders, conversations and groups.
import { mentions, type ChatMessage } from '@messenger/protocol';

export interface QuietHours {
  /** Minutes after local midnight. */
  start: number;
  end: number;
}

const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

function minutes(value: string): number {
  const m = HHMM.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a time of day (HH:MM, 00:00 to 23:59)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Parses "HH:MM-HH:MM". Start is inclusive, end exclusive; start === end is refused. */
export function parseQuietHours(spec: string): QuietHours {
  const parts = spec.split('-');
  if (parts.length !== 2) throw new Error(`quiet hours must look like 22:00-07:00, got "${spec}"`);
  const start = minutes(parts[0] ?? '');
  const end = minutes(parts[1] ?? '');
  if (start === end) throw new Error(`quiet hours "${spec}" start and end at the same time`);
  return { start, end };
}

/** True when `date` (local time) falls inside the window; windows may cross midnight. */
export function inQuietHours(q: QuietHours, date: Date): boolean {
  const now = date.getHours() * 60 + date.getMinutes();
  return q.start < q.end ? now >= q.start && now < q.end : now >= q.start || now < q.end;
}

export function formatQuietHours(q: QuietHours): string {
  const f = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${f(q.start)}-${f(q.end)}`;
}

export type Verdict = 'notify' | 'own' | 'reading' | 'read' | 'deleted' | 'muted' | 'quiet' | 'seen';

export interface Policy {
  me: string;
  /** Senders muted on this machine (--mute): never shown, in 1:1 chats and groups alike. */
  muted: ReadonlySet<string>;
  quiet: QuietHours | null;
  /** The member's own per-group setting, kept on the server and shared with the web app. */
  groupMuted: (groupId: string) => boolean;
  /** The user's own 1:1 setting per person or bot, kept on the server like a group's. */
  peerMuted?: (username: string) => boolean;
}

/**
 * Whether a message should raise a notification, and if not, why not. A muted group still
 * notifies a message that @mentions me (that is what muting a group promises, here and in the web
 * app); the choices made on this machine (--mute, quiet hours) and an open tab still win.
 */
export function decide(
  policy: Policy,
  message: Pick<ChatMessage, 'from' | 'text' | 'group' | 'deleted'>,
  opts: { readingNow: boolean; seen: boolean; now: Date; read?: boolean; hidden?: boolean },
): Verdict {
  if (message.from === policy.me) return 'own';
  if (opts.seen) return 'seen';
  // Deleted for everyone, or by me for myself, before it was shown: there is nothing to show.
  if (message.deleted || opts.hidden) return 'deleted';
  // Read on another screen (the web app) before it was shown here: nothing left to tell.
  if (opts.read) return 'read';
  if (opts.readingNow) return 'reading';
  if (policy.muted.has(message.from)) return 'muted';
  if (message.group && policy.groupMuted(message.group.id) && !mentions(message.text, policy.me)) return 'muted';
  if (!message.group && policy.peerMuted?.(message.from)) return 'muted';
  if (policy.quiet && inQuietHours(policy.quiet, opts.now)) return 'quiet';
  return 'notify';
}
