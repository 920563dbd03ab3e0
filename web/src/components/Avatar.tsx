// Initials on a colour derived from a stable key (the username, or a group's id), with an
// optional presence dot. Groups get a rounded square so they read apart from people.
import type { CSSProperties } from 'react';
import { hueOf, initialsOf } from '../lib/avatar';

export interface AvatarProps {
  name: string;
  /** What the colour comes from; defaults to the name. Groups pass their id (names change). */
  colourKey?: string;
  online?: boolean;
  size?: 'xs' | 'sm' | 'md';
  shape?: 'person' | 'group';
}

export function Avatar({ name, colourKey, online, size = 'md', shape = 'person' }: AvatarProps) {
  return (
    <span
      className={`avatar avatar-${size}${shape === 'group' ? ' avatar-group' : ''}`}
      style={{ '--hue': hueOf(colourKey ?? name) } as CSSProperties}
      aria-hidden={online === undefined}
      data-testid={shape === 'group' ? 'group-avatar' : undefined}
    >
      <span aria-hidden="true">{shape === 'group' ? initialsOf(name) : name.slice(0, 2).toUpperCase()}</span>
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
