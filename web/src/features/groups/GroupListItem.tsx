// A group in the conversation list: avatar, name, muted and pinned marks, "sender: preview" (or my
// draft), unread badge (muted groups: a quiet badge) or the marked-unread dot, an @ when a message
// mentions me, and the row's menu (right-click, long press, or its "⋯" button).
import type { Group } from '@messenger/protocol';
import { Avatar } from '../../components/Avatar';
import { BellOffIcon } from '../../components/Icons';
import { ItemMenu, useRowMenuGestures, type MenuAction } from '../../components/ItemMenu';
import { MarkedUnread, PinMark, UnreadBadge } from '../../components/UnreadBadge';
import { useMemo, useState } from 'react';
import { displayText } from '../../lib/bidi';
import { formatStamp } from '../../lib/format';
import { followInApp, groupPath } from '../../lib/router';
import { DraftPreview, useDraft } from '../messages/drafts';
import { plainText } from '../messages/rich-text';
import { groupOutboxKey } from '../messages/outbox';
import { PersonName } from '../profile/Person';
import { activityOf, groupAttention } from './groupCache';

interface GroupListItemProps {
  me: string;
  group: Group;
  active: boolean;
  mentioned: number;
  /** The row menu's actions; none: no menu. */
  actions?: MenuAction[];
}

export function GroupListItem({ me, group, active, mentioned, actions = [] }: GroupListItemProps) {
  const [menuOpen, setMenuOpen] = useState(false);
  const path = groupPath(group.id);
  const gestures = useRowMenuGestures(() => setMenuOpen(true), followInApp(path), actions.length > 0);
  const last = group.lastMessage;
  // Parsed once per message, not on every presence or typing re-render of the list.
  const preview = useMemo(() => (last?.deleted ? 'This message was deleted' : last ? plainText(last.text) : ''), [last]);
  const draft = useDraft(groupOutboxKey(group.id));
  const unread = group.unread;
  const mentionsMe = groupAttention({ ...group, muted: true }, me, mentioned) > 0;
  const label = [
    group.muted ? 'muted' : null,
    unread > 0 ? `${unread} unread` : null,
    mentionsMe ? 'you were mentioned' : null,
  ].filter(Boolean);
  return (
    <li className="list-row" data-row={`g:${group.id}`} data-menu-open={menuOpen}>
      <a
        href={path}
        className={`conversation-item${active ? ' active' : ''}${(unread > 0 || group.markedUnread) && !group.muted ? ' unread' : ''}`}
        aria-current={active ? 'page' : undefined}
        data-group={group.id}
        data-muted={group.muted}
        data-pinned={group.pinned}
        {...gestures}
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
            {group.pinned && <PinMark />}
            <time className="conversation-time" dateTime={activityOf(group)}>
              {formatStamp(activityOf(group))}
            </time>
          </span>
          <span className="conversation-bottom">
            <span className="conversation-preview">
              {draft && !active ? (
                <DraftPreview draft={draft} />
              ) : last ? (
                <>
                  {last.from === me ? 'You' : <PersonName username={last.from} />}: <bdi>{preview}</bdi>
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
            {unread === 0 && group.markedUnread && <MarkedUnread muted={group.muted} />}
          </span>
        </span>
      </a>
      {actions.length > 0 && <ItemMenu name={group.name} actions={actions} open={menuOpen} onOpenChange={setMenuOpen} />}
    </li>
  );
}
