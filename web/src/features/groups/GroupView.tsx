// One group: header (name, size, mute, members), the shared message list with senders, mention
// highlights and receipts on my latest message, who is typing, the composer. Marks the group read as
// far as seen while visible. Once I am no longer a member it says so and takes nothing more.
import type { ChatMessage } from '@messenger/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useId, useMemo, useState } from 'react';
import { Avatar } from '../../components/Avatar';
import { useDisplayNames } from '../../api/profiles';
import { displayText } from '../../lib/bidi';
import { BellIcon, BellOffIcon, SearchIcon, UsersIcon } from '../../components/Icons';
import { openSearchBox } from '../../lib/search-box';
import { markGroupRead, useGroupMessages } from '../../api/group-messages';
import { setGroupMuted, useGroupMembers, useGroups } from '../../api/groups';
import { ApiError } from '../../api/http';
import { queryKeys } from '../../api/keys';
import { useGroupTypers } from '../connection/liveState';
import { useSocket } from '../connection/SocketProvider';
import { Composer } from '../messages/Composer';
import { ConversationHeader, HistoryLoadFailed, HistoryLoading, TypingLine } from '../messages/ConversationParts';
import { ingestOwnGroupRead } from '../messages/ingest';
import { flattenMessages } from '../messages/messageCache';
import { MessageList } from '../messages/MessageList';
import { groupOutboxKey, useOutbox } from '../messages/outbox';
import { buildRows } from '../messages/rows';
import { firstOfLastUnread, unreadCountNotLoaded, useUnreadAtOpen } from '../messages/unread-divider';
import { useMarkReadWhileVisible } from '../messages/useMarkReadWhileVisible';
import { useRecountOnLeave, useSeenUpTo } from '../messages/useSeenUpTo';
import { pagingProps, useHistoryWindow } from '../messages/useHistoryWindow';
import { useSendMessage } from '../messages/useSendMessage';
import { MessageActionsLayer } from '../messages/MessageActionsLayer';
import { composerModeProps, quoteOf, useMessageActions } from '../messages/useMessageActions';
import { applyGroupUpdate } from './groupCache';
import { GroupReceiptLine } from './GroupReceiptLine';
import { MembersPanel } from './MembersPanel';
import { typingPhrase } from './typing-phrase';

export function GroupView({ me, id }: { me: string; id: string }) {
  const client = useQueryClient();
  const socket = useSocket();
  const groups = useGroups();
  const group = groups.data?.find((g) => g.id === id);
  const history = useGroupMessages(id);
  const pending = useOutbox(groupOutboxKey(id));
  const { sendToGroup, retry, discard } = useSendMessage(me);
  const typers = useGroupTypers(id);
  const [membersOpen, setMembersOpen] = useState(false);
  const [muteError, setMuteError] = useState<string | null>(null);
  const panelId = useId();

  const members = useGroupMembers(id, !!group);
  const mentionable = useMemo(() => members.data?.map((m) => m.username).filter((u) => u !== me), [members.data, me]);
  // The live history, or a window around a search result until it reaches the newest message.
  const view = useHistoryWindow({ group: id }, history, queryKeys.groupMessages(id));
  const messages = useMemo(() => flattenMessages(view.data), [view.data]);
  // More unread than the newest page: older pages first, so it opens at the first unread one.
  const unread = group?.unread ?? 0;
  const { unreadFrom, paging } = useUnreadAtOpen(
    id,
    history.isSuccess && !!group,
    firstOfLastUnread(messages, me, unread)?.id,
    view.focusId === null && unreadCountNotLoaded(messages, me, unread),
    { pages: view.data?.pages.length ?? 0, hasOlder: view.hasOlder, loadingOlder: view.loadingOlder, loadOlder: view.loadOlder },
  );
  const rows = useMemo(() => buildRows(messages, pending, me, new Date(), unreadFrom), [messages, pending, me, unreadFrom]);
  // Not in my list once it loaded (removed, left, or never a member), or the server says so.
  const notMember = (groups.isSuccess && !group) || (history.error instanceof ApiError && history.error.code === 'group_not_found');
  const name = group?.name ?? messages.at(-1)?.group?.name ?? 'Group';

  // Read receipts: while visible, everything up to the newest message from others seen is read.
  const { onSeen, newestSeen } = useSeenUpTo(id, messages);
  const newestIncoming = useMemo(() => newestSeen((m) => m.from !== me), [newestSeen, me]);
  const markUpTo = useCallback((upTo: ChatMessage) => markGroupRead(id, upTo.id).then(() => ingestOwnGroupRead(client, me, id, upTo)), [id, me, client]);
  useMarkReadWhileVisible(newestIncoming, markUpTo, !notMember);
  // My copies from others carry no read state of mine to go by: seen short of the newest is unread.
  const unreadLeft = newestIncoming?.id !== messages.findLast((m) => m.from !== me)?.id;
  const recount = useCallback(() => void client.invalidateQueries({ queryKey: queryKeys.groups }), [client]);
  useRecountOnLeave(id, unreadLeft && !notMember, recount);

  const onTyping = useCallback((isTyping: boolean) => socket?.emit('typing:set', { group: id, typing: isTyping }), [socket, id]);
  const messageActions = useMessageActions(me, { group: id });
  const { mode, cancelMode } = messageActions;
  const onSend = useCallback(
    (text: string) => {
      sendToGroup({ id, name }, text, mode?.kind === 'reply' ? quoteOf(mode.message) : undefined);
      if (mode?.kind === 'reply') cancelMode();
    },
    [sendToGroup, id, name, mode, cancelMode],
  );

  // Receipts show under my latest message; under an earlier one of mine, on demand.
  const lastMineId = useMemo(() => messages.findLast((m) => m.from === me)?.id, [messages, me]);
  const [receiptsShown, setReceiptsShown] = useState<ReadonlySet<string>>(() => new Set());
  const others = Math.max(0, (group?.memberCount ?? 1) - 1);
  const footerFor = useCallback(
    (m: ChatMessage) => {
      if (m.from !== me) return null;
      if (m.id === lastMineId || receiptsShown.has(m.id)) return <GroupReceiptLine group={id} messageId={m.id} fallbackOf={others} me={me} />;
      return (
        <button type="button" className="receipts-more" onClick={() => setReceiptsShown((shown) => new Set(shown).add(m.id))}>
          Receipts
        </button>
      );
    },
    [lastMineId, receiptsShown, id, others, me],
  );

  async function toggleMute() {
    if (!group) return;
    setMuteError(null);
    try {
      const updated = await setGroupMuted(id, !group.muted);
      client.setQueryData(queryKeys.groups, (list: typeof groups.data) => applyGroupUpdate(list, id, updated));
    } catch (error) {
      setMuteError(error instanceof ApiError ? error.message : 'Could not change the setting.');
    }
  }

  const typing = typingPhrase(useDisplayNames(typers).map(displayText));
  return (
    <section className="conversation group-view" aria-labelledby="conversation-title" data-group={id}>
      <ConversationHeader
        avatar={<Avatar name={name} colourKey={id} shape="group" />}
        title={name}
        status={
          <p className="small muted" data-testid="group-status">
            {notMember ? 'You are not a member' : group ? `${group.memberCount} ${group.memberCount === 1 ? 'member' : 'members'}${group.muted ? ' · muted' : ''}` : ''}
          </p>
        }
      >
        {group && (
          <div className="group-actions">
            <button
              type="button"
              className="icon-button"
              aria-label={`Search in ${name}`}
              title="Search in this group"
              aria-haspopup="dialog"
              onClick={() => openSearchBox({ group: id, name })}
            >
              <SearchIcon />
            </button>
            <button
              type="button"
              className="icon-button"
              aria-label="Mute group"
              aria-pressed={group.muted}
              title={group.muted ? 'Muted: only mentions of you notify. Click to unmute.' : 'Mute: only mentions of you will notify'}
              onClick={() => void toggleMute()}
            >
              {group.muted ? <BellOffIcon /> : <BellIcon />}
            </button>
            <button
              type="button"
              className="icon-button"
              aria-label="Members"
              title="Members"
              aria-expanded={membersOpen}
              aria-controls={panelId}
              onClick={() => setMembersOpen((o) => !o)}
            >
              <UsersIcon />
            </button>
          </div>
        )}
      </ConversationHeader>
      {muteError && (
        <p className="form-error pad" role="alert">
          {muteError}
        </p>
      )}
      {group && membersOpen && <MembersPanel id={panelId} me={me} group={group} onClose={() => setMembersOpen(false)} />}
      {(view.isPending || paging) && !notMember ? (
        <HistoryLoading />
      ) : view.isError && !notMember ? (
        <HistoryLoadFailed onRetry={view.refetch} />
      ) : rows.length === 0 ? (
        <div className="empty-main">
          <Avatar name={name} colourKey={id} shape="group" />
          <p className="muted">{notMember ? '' : `No messages yet. Say hi to ${name}!`}</p>
        </div>
      ) : (
        <MessageList
          rows={rows}
          me={me}
          peer={name}
          title={{ list: `Messages in ${name}`, start: `This is the beginning of ${name} for you.` }}
          {...pagingProps(view)}
          onRetry={retry}
          onDiscard={discard}
          footerFor={footerFor}
          onSeen={onSeen}
          actions={notMember ? undefined : messageActions.actions}
        />
      )}
      <MessageActionsLayer state={messageActions} />
      <TypingLine text={notMember ? null : typing} />
      {notMember ? (
        <p className="not-member" role="status" data-testid="not-member">
          You are no longer a member of this group.
        </p>
      ) : (
        <Composer
          peer={groupOutboxKey(id)}
          label={name}
          onSend={onSend}
          onTyping={onTyping}
          mentionCandidates={mentionable ?? []}
          {...composerModeProps(messageActions, messages, pending.filter((e) => e.status === 'sending' && !e.echoOf).length)}
        />
      )}
    </section>
  );
}
