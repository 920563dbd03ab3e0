// "New group": a name and the first members, picked with the people search. Creating opens it.
import { MAX_GROUP_NAME_LENGTH, type Group } from '@messenger/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { createGroup } from '../../api/groups';
import { ApiError } from '../../api/http';
import { queryKeys } from '../../api/keys';
import { useModal } from '../../lib/modal';
import { groupPath, navigate } from '../../lib/router';
import { applyGroupUpdate } from './groupCache';
import { PeoplePicker } from './PeoplePicker';

export function NewGroupDialog({ onClose }: { onClose: () => void }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nameRef = useModal(onClose);
  const ids = { title: useId(), name: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return setProblem('Give the group a name.');
    setProblem(null);
    setBusy(true);
    try {
      const group = await createGroup({ name: name.trim(), members });
      client.setQueryData(queryKeys.groups, (list: Group[] | undefined) => applyGroupUpdate(list ?? [], group.id, group));
      onClose();
      navigate(groupPath(group.id));
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : 'Could not create the group.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <section className="auth-card account-card new-group" role="dialog" aria-modal="true" aria-labelledby={ids.title}>
        <h1 id={ids.title}>New group</h1>
        <form onSubmit={(e) => void submit(e)} noValidate className="account-form">
          <label htmlFor={ids.name}>Group name</label>
          <input ref={nameRef} id={ids.name} value={name} maxLength={MAX_GROUP_NAME_LENGTH} onChange={(e) => setName(e.target.value)} autoComplete="off" />
          <PeoplePicker chosen={members} onChange={setMembers} />
          {problem && (
            <p className="form-error" role="alert">
              {problem}
            </p>
          )}
          <button className="primary wide" type="submit" disabled={busy}>
            {busy ? 'Creating…' : `Create group${members.length > 0 ? ` with ${members.length + 1} people` : ''}`}
          </button>
        </form>
        <button type="button" className="link close-account" onClick={onClose}>
          Cancel
        </button>
      </section>
    </div>
  );
}
