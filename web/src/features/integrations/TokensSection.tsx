// My API tokens and my bots': list (never a secret), create (the secret shown once), revoke.
import { MAX_TOKENS_PER_USER, type ApiToken, type Bot, type CreatedApiToken } from '@messenger/protocol';
import { useId, useRef, useState } from 'react';
import { useRevokeToken, useTokens } from '../../api/integrations';
import { BotBadge } from '../../components/BotBadge';
import { formatDate, formatFull } from '../../lib/format';
import { ConfirmAction } from './ConfirmAction';
import { CreateTokenForm } from './CreateTokenForm';
import { describeError, type Problem } from './describe-error';
import { ProblemText } from './ProblemText';
import { SecretDialog } from './SecretDialog';

export function TokensSection({ me, bots }: { me: string; bots: Bot[] }) {
  const tokens = useTokens();
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const createButton = useRef<HTMLButtonElement>(null);
  const title = useId();

  return (
    <section className="settings-section" aria-labelledby={title}>
      <h4 id={title}>API tokens</h4>
      <p className="muted small">
        For scripts, bots and agents: send with <code>Authorization: Bearer msk_…</code>. A token does only what its scopes allow
        and cannot manage tokens, bots or your account. Up to {MAX_TOKENS_PER_USER} live tokens.
      </p>
      {tokens.isPending && <p className="muted">Loading tokens…</p>}
      {tokens.isError && <ProblemText problem={describeError(tokens.error)} />}
      {tokens.data?.length === 0 && <p className="muted">No tokens yet.</p>}
      {tokens.data && tokens.data.length > 0 && (
        <ul className="settings-list" aria-label="Your API tokens">
          {tokens.data.map((token) => (
            <TokenRow key={token.id} token={token} me={me} />
          ))}
        </ul>
      )}
      <CreateTokenForm me={me} bots={bots} onCreated={setCreated} submitRef={createButton} />
      {created && (
        <SecretDialog
          title={
            <>
              Token “<bdi>{created.name}</bdi>” created
            </>
          }
          label="Secret"
          secret={created.secret}
          warning="Copy the secret now. You will not see it again: only a hash of it is stored. If you lose it, revoke the token and make a new one."
          usage={
            <>
              Use it as <code>Authorization: Bearer {'<secret>'}</code>.
            </>
          }
          onClose={() => {
            setCreated(null);
            // Back where the user was, not to the top of the page.
            createButton.current?.focus();
          }}
        />
      )}
    </section>
  );
}

function Stamp({ iso, none }: { iso: string | null; none: string }) {
  if (!iso) return <>{none}</>;
  return (
    <time dateTime={iso} title={formatFull(iso)}>
      {formatDate(iso)}
    </time>
  );
}

function TokenRow({ token, me }: { token: ApiToken; me: string }) {
  const revoke = useRevokeToken();
  const [problem, setProblem] = useState<Problem | null>(null);
  const mine = token.username === me;
  const expired = token.expiresAt !== null && token.expiresAt <= new Date().toISOString();
  return (
    <li className="settings-item token" data-token={token.id}>
      <div className="settings-item-text">
        <span className="settings-item-title">
          <bdi>{token.name}</bdi>
          <span className="owner">
            {mine ? (
              'me'
            ) : (
              <>
                <bdi>{token.username}</bdi> <BotBadge />
              </>
            )}
          </span>
          {expired && <span className="expired">expired</span>}
        </span>
        <ul className="scope-chips" aria-label="Scopes">
          {token.scopes.map((s) => (
            <li key={s} className="chip">
              {s}
            </li>
          ))}
        </ul>
        <dl className="token-dates small">
          {/* A div per pair keeps each label with its date when the line wraps. */}
          <div>
            <dt>Created</dt>
            <dd>
              <Stamp iso={token.createdAt} none="" />
            </dd>
          </div>
          <div>
            <dt>Last used</dt>
            <dd>
              <Stamp iso={token.lastUsedAt} none="never" />
            </dd>
          </div>
          <div>
            <dt>Expires</dt>
            <dd>
              <Stamp iso={token.expiresAt} none="never" />
            </dd>
          </div>
        </dl>
        <ProblemText problem={problem} />
      </div>
      <ConfirmAction
        label="Revoke"
        accessibleLabel={`Revoke token ${token.name}`}
        question={`Revoke “${token.name}”? Whatever uses it stops at once.`}
        confirmLabel="Yes, revoke"
        pending={revoke.isPending}
        onConfirm={() => revoke.mutate(token.id, { onError: (error) => setProblem(describeError(error)) })}
      />
    </li>
  );
}
