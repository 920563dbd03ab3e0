// A person's picture, or initials on a colour derived from a stable key (the username, or a
// group's id), with an optional presence dot. Groups get a rounded square so they read apart from
// people. A picture that fails to load falls back to the initials.
import { useState, type CSSProperties } from 'react';
import { hueOf, initialsOf } from '../lib/avatar';

export interface AvatarProps {
  /** What is shown: a display name, a username or a group's name. */
  name: string;
  /** What the colour comes from; defaults to the name. People pass their username, groups their id (names change). */
  colourKey?: string;
  /** A same-origin picture (a Profile's avatarUrl); initials without one. */
  src?: string | null;
  online?: boolean;
  size?: 'xs' | 'sm' | 'md' | 'lg';
  shape?: 'person' | 'group';
}

export function Avatar({ name, colourKey, src, online, size = 'md', shape = 'person' }: AvatarProps) {
  // Remembered by address: a new picture (a new ?v=) gets its own chance to load.
  const [failed, setFailed] = useState<string | null>(null);
  const picture = src && src !== failed ? src : null;
  return (
    <span
      className={`avatar avatar-${size}${shape === 'group' ? ' avatar-group' : ''}`}
      style={{ '--hue': hueOf(colourKey ?? name) } as CSSProperties}
      aria-hidden={online === undefined}
      data-testid={shape === 'group' ? 'group-avatar' : undefined}
    >
      {picture ? (
        <img className="avatar-img" src={picture} alt={name} loading="lazy" decoding="async" onError={() => setFailed(picture)} />
      ) : (
        <span aria-hidden="true">{initialsOf(name)}</span>
      )}
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
