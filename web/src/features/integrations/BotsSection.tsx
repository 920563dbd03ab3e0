// My bots: accounts I own that act only through API tokens. Create (username + display name),
// list, delete (which also revokes the bot's tokens and closes their sockets).
import { MAX_BOTS_PER_USER, normalizeUsername, type Bot } from '@messenger/protocol';
import { useId, useState, type FormEvent } from 'react';
import { useBots, useCreateBot, useDeleteBot } from '../../api/integrations';
import { Avatar } from '../../components/Avatar';
import { BotBadge } from '../../components/BotBadge';
import { formatDate } from '../../lib/format';
import { ConfirmAction } from './ConfirmAction';
import { describeError, type Problem } from './describe-error';
import { ProblemText } from './ProblemText';

export function BotsSection() {
  const bots = useBots();
  const create = useCreateBot();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const ids = { title: useId(), username: useId(), display: useId(), hint: useId(), error: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    const name = normalizeUsername(username);
    if (!name) return setProblem({ text: 'Give the bot a username.', code: null });
    try {
      await create.mutateAsync({ username: name, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) });
      setUsername('');
      setDisplayName('');
    } catch (error) {
      setProblem(describeError(error));
    }
  }

  return (
    <section className="settings-section" aria-labelledby={ids.title}>
      <h4 id={ids.title}>Bots</h4>
      <p className="muted small">
        A bot is an account you own that a program runs. It cannot sign in with a password: give it an API token below. Up to{' '}
        {MAX_BOTS_PER_USER} per account.
      </p>
      {bots.isPending && <p className="muted">Loading bots…</p>}
      {bots.isError && <ProblemText problem={describeError(bots.error)} />}
      {bots.data?.length === 0 && <p className="muted">No bots yet.</p>}
      {bots.data && bots.data.length > 0 && (
        <ul className="settings-list" aria-label="Your bots">
          {bots.data.map((bot) => (
            <BotRow key={bot.username} bot={bot} />
          ))}
        </ul>
      )}
      <form className="settings-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Create a bot">
        <h5>New bot</h5>
        <div className="field-row">
          <div className="field">
            <label htmlFor={ids.username}>Username</label>
            <input
              id={ids.username}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              maxLength={32}
              aria-describedby={problem ? `${ids.hint} ${ids.error}` : ids.hint}
              aria-invalid={problem !== null}
            />
            <p id={ids.hint} className="hint">
              3 to 32 lower-case letters, digits, dots, _ or -, from the same names as people's.
            </p>
          </div>
          <div className="field">
            <label htmlFor={ids.display}>Display name (optional)</label>
            <input
              id={ids.display}
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              autoComplete="off"
              maxLength={64}
            />
          </div>
        </div>
        <ProblemText problem={problem} id={ids.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create bot'}
        </button>
      </form>
    </section>
  );
}

function BotRow({ bot }: { bot: Bot }) {
  const remove = useDeleteBot();
  const [problem, setProblem] = useState<Problem | null>(null);
  return (
    <li className="settings-item">
      <Avatar name={bot.username} size="sm" />
      <div className="settings-item-text">
        <span className="settings-item-title">
          <bdi>{bot.username}</bdi> <BotBadge />
        </span>
        <span className="muted small">
          {bot.displayName ? (
            <>
              <bdi>{bot.displayName}</bdi> ·{' '}
            </>
          ) : null}
          created <time dateTime={bot.createdAt}>{formatDate(bot.createdAt)}</time>
        </span>
        <ProblemText problem={problem} />
      </div>
      <ConfirmAction
        label="Delete"
        accessibleLabel={`Delete bot ${bot.username}`}
        question={`Delete ${bot.username}? Its tokens stop working at once.`}
        confirmLabel="Yes, delete"
        pending={remove.isPending}
        onConfirm={() => remove.mutate(bot.username, { onError: (error) => setProblem(describeError(error)) })}
      />
    </li>
  );
}
