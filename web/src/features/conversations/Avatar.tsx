import type { CSSProperties } from 'react';

// Initials on a colour derived from the name, with an optional presence dot.
const HUES = [210, 260, 330, 20, 150, 190, 45, 290];

function hueOf(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return HUES[h % HUES.length] ?? 210;
}

export function Avatar({ name, online, size = 'md' }: { name: string; online?: boolean; size?: 'sm' | 'md' }) {
  return (
    <span className={`avatar avatar-${size}`} style={{ '--hue': hueOf(name) } as CSSProperties} aria-hidden={online === undefined}>
      <span aria-hidden="true">{name.slice(0, 2).toUpperCase()}</span>
      {online !== undefined && (
        <span
          className={`presence-dot ${online ? 'online' : 'offline'}`}
          role="img"
          aria-label={online ? 'online' : 'offline'}
          data-online={online}
        />
      )}
    </span>
  );
}
