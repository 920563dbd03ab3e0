// A group's members with roles and presence; owners and admins rename the group, add and remove
// members; anyone can leave. Whatever changes, the server's group:update keeps every screen in
// step (SocketProvider); the answers here only make this screen quick.
import type { Group, GroupMember, GroupRole } from '@messenger/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { PersonAvatar, PersonName } from '../profile/Person';
import { addGroupMembers, removeGroupMember, renameGroup, setGroupRole, useGroupMembers } from '../../api/groups';
import { ApiError } from '../../api/http';
import { queryKeys } from '../../api/keys';
import { navigate } from '../../lib/router';
import { setPresence, usePresence } from '../connection/liveState';
import { useSocket } from '../connection/SocketProvider';
import { applyGroupUpdate } from './groupCache';
import { PeoplePicker } from './PeoplePicker';

const ROLE_ORDER: Record<GroupRole, number> = { owner: 0, admin: 1, member: 2 };

/** The server's rule: the owner removes anyone, an admin only plain members, a member nobody. */
export function canRemove(myRole: GroupRole, theirRole: GroupRole): boolean {
  if (myRole === 'owner') return theirRole !== 'owner';
  return myRole === 'admin' && theirRole === 'member';
}

function problemText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong. Please try again.';
}

export function MembersPanel({ id, me, group, onClose }: { id: string; me: string; group: Group; onClose: () => void }) {
  const client = useQueryClient();
  const socket = useSocket();
  const members = useGroupMembers(group.id);
  const manager = group.role === 'owner' || group.role === 'admin';
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState(group.name);
  const [adding, setAdding] = useState(false);
  const [confirmLeave, setConfirmLeave] = useState(false);
  const titleId = useId();
  const nameId = useId();
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => closeRef.current?.focus(), []);

  // Who of them is online: asked once the list is known (presence:query takes 200 at a time).
  const usernames = members.data?.map((m) => m.username).join(',') ?? '';
  useEffect(() => {
    if (!socket || !usernames) return;
    const list = usernames.split(',').slice(0, 200);
    socket.emit('presence:query', { usernames: list }, (answer) => {
      if (answer.ok) setPresence(list.map((u) => [u, answer.data.online.includes(u)]));
    });
  }, [socket, usernames]);

  const run = async (action: () => Promise<unknown>) => {
    setProblem(null);
    try {
      await action();
      return true;
    } catch (error) {
      setProblem(problemText(error));
      return false;
    }
  };

  async function rename(event: FormEvent) {
    event.preventDefault();
    const next = name.trim();
    if (!next || next === group.name) return;
    await run(async () => {
      const updated = await renameGroup(group.id, next);
      client.setQueryData(queryKeys.groups, (list: Group[] | undefined) => applyGroupUpdate(list, group.id, updated));
    });
  }

  async function add(usernames: string[]) {
    const ok = await run(async () => {
      const list = await addGroupMembers(group.id, usernames);
      client.setQueryData(queryKeys.groupMembers(group.id), list);
    });
    if (ok) setAdding(false);
  }

  async function remove(username: string) {
    await run(async () => {
      await removeGroupMember(group.id, username);
      client.setQueryData(queryKeys.groupMembers(group.id), (list: GroupMember[] | undefined) => list?.filter((m) => m.username !== username));
    });
  }

  async function changeRole(username: string, role: 'admin' | 'member') {
    await run(async () => {
      const updated = await setGroupRole(group.id, username, role);
      client.setQueryData(queryKeys.groupMembers(group.id), (list: GroupMember[] | undefined) => list?.map((m) => (m.username === username ? updated : m)));
    });
  }

  async function leave() {
    await run(async () => {
      await removeGroupMember(group.id, me);
      client.setQueryData(queryKeys.groups, (list: Group[] | undefined) => applyGroupUpdate(list, group.id, null));
      navigate('/');
    });
  }

  const sorted = [...(members.data ?? [])].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.username.localeCompare(b.username));
  return (
    <aside
      id={id}
      className="members-panel"
      aria-labelledby={titleId}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <div className="members-head">
        <h3 id={titleId}>Members ({group.memberCount})</h3>
        <button ref={closeRef} type="button" className="ghost" onClick={onClose}>
          Close
        </button>
      </div>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {manager && (
        <form className="rename-row" onSubmit={(e) => void rename(e)}>
          <label htmlFor={nameId}>Group name</label>
          <div className="search-row">
            <input id={nameId} value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
            <button type="submit" className="primary" disabled={!name.trim() || name.trim() === group.name}>
              Rename
            </button>
          </div>
        </form>
      )}
      {manager &&
        (adding ? (
          <PeoplePicker exclude={sorted.map((m) => m.username)} actionLabel="Add" onDone={(names) => void add(names)} onCancel={() => setAdding(false)} />
        ) : (
          <button type="button" className="secondary wide" onClick={() => setAdding(true)}>
            Add members
          </button>
        ))}
      {members.isPending && <p className="muted">Loading members…</p>}
      {members.isError && (
        <p className="form-error" role="alert">
          Could not load the members.
        </p>
      )}
      <ul className="member-list" aria-label="Members">
        {sorted.map((m) => (
          <MemberRow
            key={m.username}
            member={m}
            me={me}
            removable={m.username !== me && canRemove(group.role, m.role)}
            onRemove={() => void remove(m.username)}
            // Only the owner changes roles.
            onRole={group.role === 'owner' && m.role !== 'owner' ? (role) => void changeRole(m.username, role) : undefined}
          />
        ))}
      </ul>
      <div className="leave-row">
        {confirmLeave ? (
          <>
            <button type="button" className="danger" onClick={() => void leave()}>
              Yes, leave {group.name}
            </button>
            <button type="button" className="link" onClick={() => setConfirmLeave(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" className="secondary" onClick={() => setConfirmLeave(true)}>
            Leave group…
          </button>
        )}
      </div>
    </aside>
  );
}

interface MemberRowProps {
  member: GroupMember;
  me: string;
  removable: boolean;
  onRemove: () => void;
  onRole?: (role: 'admin' | 'member') => void;
}

function MemberRow({ member, me, removable, onRemove, onRole }: MemberRowProps) {
  const online = usePresence(member.username);
  return (
    <li className="member" data-member={member.username}>
      <PersonAvatar username={member.username} online={member.username === me ? true : online} size="sm" />
      <span className="member-name">
        <PersonName username={member.username} />
        {member.username === me && ' (you)'}
      </span>
      {member.role !== 'member' && <span className={`role role-${member.role}`}>{member.role}</span>}
      {onRole && (
        <button
          type="button"
          className="link muted"
          aria-label={member.role === 'admin' ? `Make ${member.username} a member` : `Make ${member.username} an admin`}
          onClick={() => onRole(member.role === 'admin' ? 'member' : 'admin')}
        >
          {member.role === 'admin' ? 'Unmake admin' : 'Make admin'}
        </button>
      )}
      {removable && (
        <button type="button" className="link muted" aria-label={`Remove ${member.username}`} onClick={onRemove}>
          Remove
        </button>
      )}
    </li>
  );
}
