// The unread count on a conversation or group in the list (capped at 99+, quiet when muted), and
// the marks beside it: marked as unread, pinned.
import { PinIcon } from './Icons';

export function UnreadBadge({ count, label, muted = false }: { count: number; /** What a screen reader says instead of the number. */ label: string; muted?: boolean }) {
  if (count <= 0) return null;
  return (
    <span className={`badge${muted ? ' badge-muted' : ''}`} aria-label={label} data-testid="unread-badge">
      {count > 99 ? '99+' : count}
    </span>
  );
}

/** A conversation I marked as unread, with no unread message: a dot where the count would be. */
export function MarkedUnread({ muted = false }: { muted?: boolean }) {
  return <span className={`badge unread-dot${muted ? ' badge-muted' : ''}`} role="img" aria-label="marked as unread" data-testid="marked-unread" />;
}

export function PinMark() {
  return (
    <span className="pin-mark" role="img" aria-label="pinned" title="Pinned">
      <PinIcon />
    </span>
  );
}
