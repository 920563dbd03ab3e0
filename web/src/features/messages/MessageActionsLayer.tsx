// What message actions add around the list: the question before a delete (a small modal dialog,
// focus on Cancel for the one that cannot be undone), and the inline message when the server
// refused an action (its optimistic change was rolled back).
import { useModal } from '../../lib/modal';
import type { useMessageActions } from './useMessageActions';

type Actions = ReturnType<typeof useMessageActions>;

export function MessageActionsLayer({ state }: { state: Actions }) {
  const { asking, confirmDelete, cancelDelete, problem, dismissProblem } = state;
  return (
    <>
      {problem && (
        <div className="form-error pad action-problem" role="alert" data-testid="action-problem">
          <span>{problem}</span>
          <button type="button" className="link" onClick={dismissProblem}>
            Dismiss
          </button>
        </div>
      )}
      {asking && (
        <ConfirmDelete
          everyone={asking.scope === 'everyone'}
          onConfirm={() => {
            confirmDelete();
            refocus(asking.message.id);
          }}
          onCancel={() => {
            cancelDelete();
            refocus(asking.message.id);
          }}
        />
      )}
    </>
  );
}

/** Back to the message once the dialog is gone (to the list when it went with the delete). */
function refocus(id: string) {
  requestAnimationFrame(() => {
    const message = document.querySelector<HTMLElement>(`[data-testid="message"][data-id="${id}"]`);
    (message ?? document.querySelector<HTMLElement>('[data-testid="message-list"]'))?.focus();
  });
}

function ConfirmDelete({ everyone, onConfirm, onCancel }: { everyone: boolean; onConfirm: () => void; onCancel: () => void }) {
  const cancel = useModal<HTMLButtonElement>(onCancel);
  const title = everyone ? 'Delete for everyone?' : 'Delete for you?';
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onCancel()}>
      <section className="auth-card account-card confirm-delete" role="alertdialog" aria-modal="true" aria-label={title} aria-describedby="confirm-delete-text">
        <h1>{title}</h1>
        <p id="confirm-delete-text" className="muted">
          {everyone ? 'The message is removed for everyone in this conversation. This cannot be undone.' : 'The message is removed from your screens only; the others still see it.'}
        </p>
        <div className="confirm-actions">
          <button ref={cancel} type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="danger" onClick={onConfirm}>
            Delete
          </button>
        </div>
      </section>
    </div>
  );
}
