// A new API token: name, scopes (least privilege: only "send" is ticked at first), whom it acts as
// (me or one of my bots), and an optional lifetime. The created token (with its one-time secret)
// goes to onCreated.
import { API_SCOPES, type ApiScope, type Bot, type CreatedApiToken } from '@messenger/protocol';
import { useId, useState, type FormEvent, type Ref } from 'react';
import { useCreateToken } from '../../api/integrations';
import { describeError, type Problem } from './describe-error';
import { ProblemText } from './ProblemText';

const SCOPE_HINTS: Record<ApiScope, string> = {
  send: 'send messages (POST /send, group sends)',
  read: 'read conversations, history, groups, people; mark read',
  receive: 'the socket: live messages, catch-up, acks',
};

const LIFETIMES = [
  { value: '', label: 'Never (until revoked)' },
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
] as const;

interface CreateTokenFormProps {
  me: string;
  bots: Bot[];
  onCreated: (token: CreatedApiToken) => void;
  submitRef?: Ref<HTMLButtonElement>;
}

export function CreateTokenForm({ me, bots, onCreated, submitRef }: CreateTokenFormProps) {
  const create = useCreateToken();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ReadonlySet<ApiScope>>(new Set(['send']));
  const [actor, setActor] = useState('');
  const [days, setDays] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const ids = { name: useId(), scopes: useId(), actor: useId(), expiry: useId(), error: useId() };

  function toggle(scope: ApiScope, on: boolean) {
    setScopes((current) => {
      const next = new Set(current);
      if (on) next.add(scope);
      else next.delete(scope);
      return next;
    });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    if (!name.trim()) return setProblem({ text: 'Give the token a name, e.g. what uses it.', code: null });
    if (scopes.size === 0) return setProblem({ text: 'Pick at least one scope.', code: null });
    try {
      const created = await create.mutateAsync({
        name: name.trim(),
        // In the protocol's order, whatever order they were ticked in.
        scopes: API_SCOPES.filter((s) => scopes.has(s)),
        ...(actor ? { bot: actor } : {}),
        ...(days ? { expiresAt: new Date(Date.now() + Number(days) * 86_400_000).toISOString() } : {}),
      });
      setName('');
      onCreated(created);
      create.reset();
    } catch (error) {
      setProblem(describeError(error));
    }
  }

  return (
    <form className="settings-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Create an API token">
      <h5>New token</h5>
      <div className="field-row">
        <div className="field">
          <label htmlFor={ids.name}>Token name</label>
          <input
            id={ids.name}
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="off"
            maxLength={64}
            placeholder="e.g. deploy notifier"
            aria-invalid={problem !== null}
            aria-describedby={problem ? ids.error : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.actor}>Acts as</label>
          <select id={ids.actor} value={actor} onChange={(e) => setActor(e.target.value)}>
            <option value="">Me ({me})</option>
            {bots.map((bot) => (
              <option key={bot.username} value={bot.username}>
                Bot: {bot.username}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.expiry}>Expires</label>
          <select id={ids.expiry} value={days} onChange={(e) => setDays(e.target.value)}>
            {LIFETIMES.map((l) => (
              <option key={l.value} value={l.value}>
                {l.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <fieldset className="scopes">
        <legend>Scopes</legend>
        {API_SCOPES.map((scope) => (
          <label key={scope} className="scope">
            <input type="checkbox" checked={scopes.has(scope)} onChange={(e) => toggle(scope, e.target.checked)} />
            <span>
              <strong>{scope}</strong> <span className="muted small">{SCOPE_HINTS[scope]}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <ProblemText problem={problem} id={ids.error} />
      <button ref={submitRef} type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create token'}
      </button>
    </form>
  );
}
