// Settings → Password: change the password, and sign out of every device at once. (It was a
// dialog of its own; one settings page holds everything about the account now, issue 18.)
import {
  MAX_PASSWORD_LENGTH,
  PASSWORD_PROBLEM_MESSAGES,
  PASSWORD_RULES_SUMMARY,
  localPasswordProblem,
  type PasswordProblem,
} from '@messenger/protocol';
import { useId, useState, type FormEvent } from 'react';
import { useChangePassword } from '../../api/changePassword';
import { ApiError } from '../../api/http';
import { useLogoutEverywhere } from '../../api/logoutEverywhere';
import { navigate } from '../../lib/router';

type Field = 'current' | 'next' | 'form';

function isPasswordProblem(code: string): code is PasswordProblem {
  return code in PASSWORD_PROBLEM_MESSAGES;
}

/** Which field an answer is about, and what to say there. */
function describe(error: unknown): { field: Field; text: string } {
  if (!(error instanceof ApiError)) return { field: 'form', text: 'Something went wrong. Please try again.' };
  if (error.code === 'invalid_credentials') return { field: 'current', text: 'That is not your current password.' };
  if (isPasswordProblem(error.code)) return { field: 'next', text: PASSWORD_PROBLEM_MESSAGES[error.code] };
  if (error.code === 'rate_limited') {
    const wait = error.retryAfter ? `${error.retryAfter} s` : 'a minute';
    return { field: 'current', text: `Too many wrong passwords. Try again in ${wait}.` };
  }
  return { field: 'form', text: error.message };
}

export function PasswordSection({ me }: { me: string }) {
  const changePassword = useChangePassword();
  const logoutEverywhere = useLogoutEverywhere();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [problem, setProblem] = useState<{ field: Field; text: string } | null>(null);
  const [changed, setChanged] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const ids = { title: useId(), current: useId(), currentError: useId(), next: useId(), nextHint: useId(), nextError: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setChanged(false);
    if (current.length === 0) return setProblem({ field: 'current', text: 'Enter your current password.' });
    // The rules that need no server are checked here too, so the answer is instant.
    const local = localPasswordProblem(me, next);
    if (local) return setProblem({ field: 'next', text: PASSWORD_PROBLEM_MESSAGES[local] });
    try {
      await changePassword.mutateAsync({ currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setChanged(true);
    } catch (error) {
      setProblem(describe(error));
    }
  }

  function signOutEverywhere() {
    logoutEverywhere.mutate(undefined, {
      onSuccess: () => navigate('/signin', { replace: true }),
      onError: (error) => setProblem(describe(error)),
    });
  }

  const errorFor = (field: Field, id: string) =>
    problem?.field === field ? (
      <p id={id} className="form-error" role="alert">
        {problem.text}
      </p>
    ) : null;

  return (
    <section className="settings-section" aria-labelledby={ids.title}>
      <h3 id={ids.title}>Password</h3>
      <form onSubmit={(e) => void submit(e)} noValidate className="account-form" aria-label="Change password">
        {/* For password managers: whose password this is. */}
        <input type="text" name="username" autoComplete="username" value={me} readOnly hidden />
        <label htmlFor={ids.current}>Current password</label>
        <input
          id={ids.current}
          type="password"
          autoComplete="current-password"
          maxLength={MAX_PASSWORD_LENGTH}
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          aria-invalid={problem?.field === 'current'}
          aria-describedby={problem?.field === 'current' ? ids.currentError : undefined}
        />
        {errorFor('current', ids.currentError)}
        <label htmlFor={ids.next}>New password</label>
        <input
          id={ids.next}
          type="password"
          autoComplete="new-password"
          maxLength={MAX_PASSWORD_LENGTH}
          value={next}
          onChange={(e) => setNext(e.target.value)}
          aria-invalid={problem?.field === 'next'}
          aria-describedby={problem?.field === 'next' ? `${ids.nextHint} ${ids.nextError}` : ids.nextHint}
        />
        <p id={ids.nextHint} className="hint">
          {PASSWORD_RULES_SUMMARY} Your other devices will be signed out.
        </p>
        {errorFor('next', ids.nextError)}
        {errorFor('form', `${ids.title}-form`)}
        {changed && (
          <p className="form-ok" role="status">
            Password changed. Every other device was signed out.
          </p>
        )}
        <button className="primary wide" type="submit" disabled={changePassword.isPending}>
          {changePassword.isPending ? 'Please wait…' : 'Change password'}
        </button>
      </form>
      <div className="account-danger">
        <h4>Sign out everywhere</h4>
        <p className="muted small">Ends every session: other browsers, the desktop notifier, and this one.</p>
        {confirming ? (
          <div className="confirm-row">
            <button type="button" className="danger" onClick={signOutEverywhere} disabled={logoutEverywhere.isPending}>
              Yes, sign out everywhere
            </button>
            <button type="button" className="link" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className="secondary" onClick={() => setConfirming(true)}>
            Sign out everywhere…
          </button>
        )}
      </div>
    </section>
  );
}
