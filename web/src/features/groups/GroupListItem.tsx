// A group in the conversation list: avatar, name, muted marker, "sender: preview" (or my draft), unread badge
// (muted groups: a quiet badge), and an @ when a message mentions me.
import type { Group } from '@messenger/protocol';
import { Avatar } from '../../components/Avatar';
import { BellOffIcon } from '../../components/Icons';
import { UnreadBadge } from '../../components/UnreadBadge';
import { displayText } from '../../lib/bidi';
import { formatStamp } from '../../lib/format';
import { followInApp, groupPath } from '../../lib/router';
import { useDraft } from '../messages/drafts';
import { plainText } from '../messages/rich-text';
import { groupOutboxKey } from '../messages/outbox';
import { activityOf, groupAttention } from './groupCache';

export function GroupListItem({ me, group, active, mentioned }: { me: string; group: Group; active: boolean; mentioned: number }) {
  const last = group.lastMessage;
  const draft = useDraft(groupOutboxKey(group.id));
  const unread = group.unread;
  const mentionsMe = groupAttention({ ...group, muted: true }, me, mentioned) > 0;
  const label = [
    group.muted ? 'muted' : null,
    unread > 0 ? `${unread} unread` : null,
    mentionsMe ? 'you were mentioned' : null,
  ].filter(Boolean);
  return (
    <li>
      <a
        href={groupPath(group.id)}
        className={`conversation-item${active ? ' active' : ''}${unread > 0 && !group.muted ? ' unread' : ''}`}
        aria-current={active ? 'page' : undefined}
        data-group={group.id}
        data-muted={group.muted}
        onClick={followInApp(groupPath(group.id))}
      >
        <Avatar name={group.name} colourKey={group.id} shape="group" />
        <span className="conversation-text">
          <span className="conversation-top">
            <bdi className="conversation-peer">{displayText(group.name)}</bdi>
            {group.muted && (
              <span className="muted-mark" role="img" aria-label="muted" title="Muted">
                <BellOffIcon />
              </span>
            )}
            <time className="conversation-time" dateTime={activityOf(group)}>
              {formatStamp(activityOf(group))}
            </time>
          </span>
          <span className="conversation-bottom">
            <span className="conversation-preview">
              {draft && !active ? (
                <>
                  <span className="draft-label">Draft:</span> <bdi>{displayText(draft)}</bdi>
                </>
              ) : last ? (
                <>
                  {last.from === me ? 'You' : <bdi>{last.from}</bdi>}: <bdi>{plainText(last.text)}</bdi>
                </>
              ) : (
                `${group.memberCount} members`
              )}
            </span>
            {mentionsMe && (
              <span className="badge mention-badge" aria-hidden="true">
                @
              </span>
            )}
            <UnreadBadge count={unread} label={label.join(', ')} muted={group.muted} />
          </span>
        </span>
      </a>
    </li>
  );
}
