// A person as every screen shows them: their display name (or username until they choose one) and
// their picture (or initials), from the one batched profile cache (api/profiles.ts). The username
// stays the id everywhere else: links, keys, records.
import { useDisplayName, useProfile } from '../../api/profiles';
import { Avatar, type AvatarProps } from '../../components/Avatar';
import { displayText } from '../../lib/bidi';

/** The name, isolated (<bdi>) so a right-to-left name cannot reorder what stands beside it. */
export function PersonName({ username, className }: { username: string; className?: string }) {
  return <bdi className={className}>{displayText(useDisplayName(username))}</bdi>;
}

/** The head of a run of someone's messages in a group: their picture and name. */
export function SenderLabel({ username }: { username: string }) {
  return (
    <div className="sender">
      <PersonAvatar username={username} size="xs" />
      <PersonName className="sender-name" username={username} />
    </div>
  );
}

export function PersonAvatar({ username, ...rest }: { username: string } & Omit<AvatarProps, 'name' | 'colourKey' | 'src' | 'shape'>) {
  const profile = useProfile(username);
  // Coloured by the username, so a new display name keeps the person's colour.
  return <Avatar name={profile?.displayName ?? username} colourKey={username} src={profile?.avatarUrl} {...rest} />;
}
