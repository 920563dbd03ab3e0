// The one time a secret is shown (a token's, or a webhook's URL): a modal with the secret, a copy
// button and a plain warning. The secret lives only in this dialog's props (the create mutation
// lets go of its answer): closing it drops the last copy.
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useModal } from '../../lib/modal';

type CopyState = 'idle' | 'copied' | 'failed';

export interface SecretDialogProps {
  /** The dialog's title and accessible name, e.g. Token “ci” created. */
  title: ReactNode;
  /** What the field holds: "Secret", or "Webhook URL". */
  label: string;
  secret: string;
  /** Why it is shown once and what to do if it is lost. */
  warning: ReactNode;
  /** How to use it. */
  usage: ReactNode;
  onClose: () => void;
}

export function SecretDialog({ title, label, secret, warning, usage, onClose }: SecretDialogProps) {
  const field = useModal<HTMLInputElement>(onClose);
  const [copy, setCopy] = useState<CopyState>('idle');
  const ids = { title: useId(), warning: useId() };
  const dialog = useRef<HTMLElement>(null);

  // Select the secret, so Ctrl+C works at once even where the clipboard API is not allowed.
  useEffect(() => field.current?.select(), [field]);

  async function copySecret() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopy('copied');
    } catch {
      // Not a secure context, or permission refused: the field stays selected for a manual copy.
      field.current?.select();
      setCopy('failed');
    }
  }

  // Keep Tab inside the dialog: behind it is the page the secret must not be lost under.
  function trapTab(event: KeyboardEvent) {
    if (event.key !== 'Tab' || !dialog.current) return;
    const focusable = [...dialog.current.querySelectorAll<HTMLElement>('input, button')];
    const first = focusable[0];
    const last = focusable.at(-1);
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last?.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first?.focus();
    }
  }

  return (
    <div className="modal-backdrop">
      <section
        ref={dialog}
        className="auth-card account-card secret-card"
        role="dialog"
        aria-modal="true"
        aria-labelledby={ids.title}
        aria-describedby={ids.warning}
        onKeyDown={trapTab}
      >
        <h1 id={ids.title}>{title}</h1>
        <p id={ids.warning} className="secret-warning">
          {warning}
        </p>
        <label htmlFor={`${ids.title}-secret`}>{label}</label>
        <div className="secret-row">
          <input id={`${ids.title}-secret`} ref={field} className="secret" readOnly value={secret} spellCheck={false} autoComplete="off" />
          <button type="button" className="primary" onClick={() => void copySecret()}>
            {copy === 'copied' ? 'Copied' : 'Copy'}
          </button>
        </div>
        <p className="hint" role="status">
          {copy === 'copied'
            ? 'Copied to the clipboard.'
            : copy === 'failed'
              ? `Could not copy: the ${label.toLowerCase()} is selected, press Ctrl+C (⌘C).`
              : ''}
        </p>
        <p className="hint">{usage}</p>
        <button type="button" className="secondary close-account" onClick={onClose}>
          Done
        </button>
      </section>
    </div>
  );
}
