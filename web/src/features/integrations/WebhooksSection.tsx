// My incoming webhooks: list (never a URL), create and rotate (the URL shown once), delete. A
// webhook is a secret URL that posts as one of my bots to one person or group, for tools that can
// only POST JSON (docs/integrations.md).
import { MAX_WEBHOOKS_PER_USER, type Bot, type CreatedWebhook, type Group, type Webhook } from '@messenger/protocol';
import { useId, useRef, useState } from 'react';
import { useDeleteWebhook, useRotateWebhook, useWebhooks } from '../../api/integrations';
import { formatDate, formatFull } from '../../lib/format';
import { ConfirmAction } from './ConfirmAction';
import { CreateWebhookForm } from './CreateWebhookForm';
import { describeError, type Problem } from './describe-error';
import { ProblemText } from './ProblemText';
import { SecretDialog } from './SecretDialog';

export function WebhooksSection({ bots, groups }: { bots: Bot[]; groups: Group[] }) {
  const webhooks = useWebhooks();
  // The one answer that holds a URL, from a creation or a rotation, and where focus goes after.
  const [shown, setShown] = useState<{ webhook: CreatedWebhook; rotated: boolean; returnTo: HTMLElement | null } | null>(null);
  const createButton = useRef<HTMLButtonElement>(null);
  const title = useId();
  const groupName = (id: string) => groups.find((g) => g.id === id)?.name ?? 'a group';

  return (
    <section className="settings-section" aria-labelledby={title}>
      <h4 id={title}>Incoming webhooks</h4>
      <p className="muted small">
        A secret URL that posts <code>{'{ "text": "…" }'}</code> as one of your bots, for tools that can only POST JSON (CI, monitoring,
        forms). Anyone with the URL can post: keep it secret, rotate it if it leaks. Up to {MAX_WEBHOOKS_PER_USER}.
      </p>
      {webhooks.isPending && <p className="muted">Loading webhooks…</p>}
      {webhooks.isError && <ProblemText problem={describeError(webhooks.error)} />}
      {webhooks.data?.length === 0 && <p className="muted">No webhooks yet.</p>}
      {webhooks.data && webhooks.data.length > 0 && (
        <ul className="settings-list" aria-label="Your webhooks">
          {webhooks.data.map((webhook) => (
            <WebhookRow
              key={webhook.id}
              webhook={webhook}
              target={'user' in webhook.target ? webhook.target.user : `#${groupName(webhook.target.group)}`}
              onRotated={(rotated, returnTo) => setShown({ webhook: rotated, rotated: true, returnTo })}
            />
          ))}
        </ul>
      )}
      <CreateWebhookForm
        bots={bots}
        groups={groups}
        submitRef={createButton}
        onCreated={(webhook) => setShown({ webhook, rotated: false, returnTo: createButton.current })}
      />
      {shown && (
        <SecretDialog
          title={
            <>
              Webhook “<bdi>{shown.webhook.name}</bdi>” {shown.rotated ? 'has a new URL' : 'created'}
            </>
          }
          label="Webhook URL"
          secret={shown.webhook.url}
          warning={`Copy the URL now. You will not see it again: only a hash of its secret is stored. If you lose it, rotate the webhook.${
            shown.rotated ? ' The old URL no longer works.' : ''
          }`}
          usage={
            <>
              POST <code>{'{ "text": "…" }'}</code> to it with <code>Content-Type: application/json</code>; an <code>Idempotency-Key</code>{' '}
              header makes a retry safe.
            </>
          }
          onClose={() => {
            const back = shown.returnTo;
            setShown(null);
            back?.focus();
          }}
        />
      )}
    </section>
  );
}

interface WebhookRowProps {
  webhook: Webhook;
  target: string;
  onRotated: (webhook: CreatedWebhook, returnTo: HTMLElement | null) => void;
}

function WebhookRow({ webhook, target, onRotated }: WebhookRowProps) {
  const rotate = useRotateWebhook();
  const remove = useDeleteWebhook();
  const [problem, setProblem] = useState<Problem | null>(null);
  const rotateButton = useRef<HTMLButtonElement>(null);
  return (
    <li className="settings-item webhook" data-webhook={webhook.id}>
      <div className="settings-item-text">
        <span className="settings-item-title">
          <bdi>{webhook.name}</bdi>
          <span className="owner">
            <bdi>{webhook.bot}</bdi> → <bdi>{target}</bdi>
          </span>
        </span>
        <p className="small muted">
          Last used{' '}
          {webhook.lastUsedAt ? (
            <time dateTime={webhook.lastUsedAt} title={formatFull(webhook.lastUsedAt)}>
              {formatDate(webhook.lastUsedAt)}
            </time>
          ) : (
            'never'
          )}
        </p>
        <ProblemText problem={problem} />
      </div>
      <div className="settings-item-actions">
        <button
          ref={rotateButton}
          type="button"
          className="secondary"
          aria-label={`Rotate the URL of webhook ${webhook.name}`}
          disabled={rotate.isPending}
          onClick={() =>
            rotate.mutate(webhook.id, {
              onSuccess: (rotated) => onRotated(rotated, rotateButton.current),
              onError: (error) => setProblem(describeError(error)),
            })
          }
        >
          {rotate.isPending ? 'Rotating…' : 'Rotate URL'}
        </button>
        <ConfirmAction
          label="Delete"
          accessibleLabel={`Delete webhook ${webhook.name}`}
          question={`Delete “${webhook.name}”? Its URL stops working at once.`}
          confirmLabel="Yes, delete"
          pending={remove.isPending}
          onConfirm={() => remove.mutate(webhook.id, { onError: (error) => setProblem(describeError(error)) })}
        />
      </div>
    </li>
  );
}
