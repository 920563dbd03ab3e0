// A destructive action asked twice, in place: "Revoke" becomes "Revoke ci-token? [Yes, revoke]
// [Cancel]". No modal over a list of similar rows, and the focus follows: to "Yes" when asked, back
// to the first button on Cancel or Escape.
import { useEffect, useRef, useState } from 'react';

interface ConfirmActionProps {
  /** The first button's text, e.g. "Revoke". */
  label: string;
  /** The first button's accessible name, naming the row ("Revoke token ci"). */
  accessibleLabel: string;
  question: string;
  confirmLabel: string;
  pending: boolean;
  onConfirm: () => void;
}

export function ConfirmAction({ label, accessibleLabel, question, confirmLabel, pending, onConfirm }: ConfirmActionProps) {
  const [asking, setAsking] = useState(false);
  const first = useRef<HTMLButtonElement>(null);
  const yes = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);

  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (wasAsking.current) first.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <button ref={first} type="button" className="secondary danger-text" aria-label={accessibleLabel} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <div
      className="confirm-row"
      role="group"
      aria-label={question}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        // Only this question closes, not a dialog around it.
        e.stopPropagation();
        setAsking(false);
      }}
    >
      <span className="small">{question}</span>
      <button ref={yes} type="button" className="danger" disabled={pending} onClick={onConfirm}>
        {pending ? 'Please wait…' : confirmLabel}
      </button>
      <button type="button" className="link" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </div>
  );
}
