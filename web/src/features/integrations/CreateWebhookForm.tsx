// A new incoming webhook: a name, the bot it posts as, and where it posts (a person, or one of my
// groups the bot is in). The created webhook, with its one-time URL, goes to onCreated.
import { normalizeUsername, type Bot, type CreatedWebhook, type Group, type WebhookTarget } from '@messenger/protocol';
import { useId, useState, type FormEvent, type Ref } from 'react';
import { useCreateWebhook } from '../../api/integrations';
import { describeError, type Problem } from './describe-error';
import { ProblemText } from './ProblemText';

interface CreateWebhookFormProps {
  bots: Bot[];
  groups: Group[];
  onCreated: (webhook: CreatedWebhook) => void;
  submitRef?: Ref<HTMLButtonElement>;
}

export function CreateWebhookForm({ bots, groups, onCreated, submitRef }: CreateWebhookFormProps) {
  const create = useCreateWebhook();
  const [name, setName] = useState('');
  const [bot, setBot] = useState('');
  const [kind, setKind] = useState<'user' | 'group'>('user');
  const [user, setUser] = useState('');
  const [group, setGroup] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const ids = { name: useId(), bot: useId(), kind: useId(), target: useId(), error: useId() };
  // The first bot until one is picked: a webhook always posts as a bot.
  const chosenBot = bot || bots[0]?.username || '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    if (!name.trim()) return setProblem({ text: 'Give the webhook a name, e.g. the tool that posts to it.', code: null });
    if (!chosenBot) return setProblem({ text: 'Make a bot first: a webhook posts as one of your bots.', code: null });
    let target: WebhookTarget;
    if (kind === 'user') {
      const to = normalizeUsername(user);
      if (!to) return setProblem({ text: 'Whom should it post to? Give a username.', code: null });
      target = { user: to };
    } else {
      if (!group) return setProblem({ text: 'Pick a group.', code: null });
      target = { group };
    }
    try {
      const created = await create.mutateAsync({ name: name.trim(), bot: chosenBot, target });
      setName('');
      setUser('');
      onCreated(created);
      create.reset();
    } catch (error) {
      setProblem(describeError(error));
    }
  }

  return (
    <form className="settings-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Create a webhook">
      <h5>New webhook</h5>
      <div className="field-row">
        <div className="field">
          <label htmlFor={ids.name}>Webhook name</label>
          <input
            id={ids.name}
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="off"
            maxLength={64}
            placeholder="e.g. CI"
            aria-invalid={problem !== null}
            aria-describedby={problem ? ids.error : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.bot}>Posts as</label>
          <select id={ids.bot} value={chosenBot} onChange={(e) => setBot(e.target.value)} disabled={bots.length === 0}>
            {bots.length === 0 && <option value="">No bots yet</option>}
            {bots.map((b) => (
              <option key={b.username} value={b.username}>
                {b.username}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.kind}>Posts to</label>
          <select id={ids.kind} value={kind} onChange={(e) => setKind(e.target.value as 'user' | 'group')}>
            <option value="user">A person</option>
            <option value="group">A group</option>
          </select>
        </div>
        <div className="field">
          {kind === 'user' ? (
            <>
              <label htmlFor={ids.target}>Person (username)</label>
              <input id={ids.target} value={user} onChange={(e) => setUser(e.target.value)} autoComplete="off" maxLength={64} />
            </>
          ) : (
            <>
              <label htmlFor={ids.target}>Group</label>
              <select id={ids.target} value={group} onChange={(e) => setGroup(e.target.value)}>
                <option value="">Pick a group</option>
                {groups.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </select>
            </>
          )}
        </div>
      </div>
      {kind === 'group' && <p className="muted small">The bot must be a member of the group: add it from the group&rsquo;s members panel.</p>}
      <ProblemText problem={problem} id={ids.error} />
      <button ref={submitRef} type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create webhook'}
      </button>
    </form>
  );
}
