// The unread count on a conversation or group in the list: capped at 99+, quiet when muted.
export function UnreadBadge({ count, label, muted = false }: { count: number; /** What a screen reader says instead of the number. */ label: string; muted?: boolean }) {
  if (count <= 0) return null;
  return (
    <span className={`badge${muted ? ' badge-muted' : ''}`} aria-label={label} data-testid="unread-badge">
      {count > 99 ? '99+' : count}
    </span>
  );
}
