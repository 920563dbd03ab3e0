// Sign in and sign up. The session is an HttpOnly cookie the server sets; nothing is stored here.
import {
  MAX_PASSWORD_LENGTH,
  PASSWORD_PROBLEM_MESSAGES,
  PASSWORD_RULES_SUMMARY,
  isValidUsername,
  localPasswordProblem,
  normalizeUsername,
} from '@messenger/protocol';
import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/http';
import { useLogin } from '../../api/login';
import { useRegister } from '../../api/register';
import { navigate } from '../../lib/router';
import { ThemeToggle } from '../theme/ThemeToggle';

export function AuthScreen({ mode }: { mode: 'signin' | 'signup' }) {
  const login = useLogin();
  const register = useRegister();
  const mutation = mode === 'signin' ? login : register;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  // A refused username or password is explained under its own field, not in the form's general
  // line (a bad username was explained under the password: issue 18).
  const [usernameProblem, setUsernameProblem] = useState<string | null>(null);
  const [passwordProblem, setPasswordProblem] = useState<string | null>(null);
  const userErrorId = useId();
  const userNoteId = useId();
  const userId = useId();
  const passId = useId();
  const hintId = useId();
  const passHintId = useId();
  const passErrorId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setUsernameProblem(null);
    setPasswordProblem(null);
    const name = normalizeUsername(username);
    if (mode === 'signup') {
      if (!isValidUsername(name)) return setUsernameProblem('Usernames are 3–32 characters: letters, digits, dot, dash or underscore.');
      const local = localPasswordProblem(name, password);
      if (local) return setPasswordProblem(PASSWORD_PROBLEM_MESSAGES[local]);
    }
    try {
      await mutation.mutateAsync({ username: name, password });
    } catch (error) {
      if (error instanceof ApiError && error.code in PASSWORD_PROBLEM_MESSAGES) setPasswordProblem(error.message);
      else if (error instanceof ApiError && error.code === 'username_taken') setUsernameProblem(describe(error, mode));
      else setProblem(describe(error, mode));
    }
  }

  const title = mode === 'signin' ? 'Welcome back' : 'Create your account';
  // Usernames are stored lower-case. What was typed stays as typed (no caret jumps, nothing
  // rewritten under the fingers); a note says what the account will be called, before it is made.
  const stored = normalizeUsername(username);
  const renamed = mode === 'signup' && stored !== '' && stored !== username;
  return (
    <main className="auth">
      <div className="auth-corner">
        <ThemeToggle />
      </div>
      <form className="auth-card" onSubmit={(e) => void submit(e)} aria-labelledby="auth-title" noValidate>
        <div className="brand" aria-hidden="true">
          <span className="brand-mark">✉</span> Messenger
        </div>
        <h1 id="auth-title">{title}</h1>
        <p className="muted">{mode === 'signin' ? 'Sign in to pick up where you left off.' : 'Pick a username your friends can find.'}</p>
        <label htmlFor={userId}>Username</label>
        <input
          id={userId}
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          maxLength={64}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          aria-invalid={usernameProblem !== null}
          aria-describedby={
            [usernameProblem ? userErrorId : '', renamed ? userNoteId : '', mode === 'signup' ? hintId : ''].filter(Boolean).join(' ') || undefined
          }
        />
        {usernameProblem && (
          <p id={userErrorId} className="form-error" role="alert">
            {usernameProblem}
          </p>
        )}
        {renamed && (
          <p id={userNoteId} className="hint">
            You will be “<bdi>{stored}</bdi>”: usernames are lower-case.
          </p>
        )}
        {mode === 'signup' && (
          <p id={hintId} className="hint">
            3–32 characters: a–z, 0–9, dot, dash, underscore.
          </p>
        )}
        <label htmlFor={passId}>Password</label>
        <input
          id={passId}
          name="password"
          type="password"
          autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
          required
          maxLength={MAX_PASSWORD_LENGTH}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-invalid={passwordProblem !== null}
          aria-describedby={
            [mode === 'signup' ? passHintId : '', passwordProblem ? passErrorId : ''].filter(Boolean).join(' ') || undefined
          }
        />
        {mode === 'signup' && (
          <p id={passHintId} className="hint">
            {PASSWORD_RULES_SUMMARY}
          </p>
        )}
        {passwordProblem && (
          <p id={passErrorId} className="form-error" role="alert">
            {passwordProblem}
          </p>
        )}
        {problem && (
          <p className="form-error" role="alert">
            {problem}
          </p>
        )}
        <button className="primary wide" type="submit" disabled={mutation.isPending}>
          {mutation.isPending ? 'Please wait…' : mode === 'signin' ? 'Sign in' : 'Sign up'}
        </button>
        <p className="switch">
          {mode === 'signin' ? 'New here? ' : 'Already have an account? '}
          <a
            href={mode === 'signin' ? '/signup' : '/signin'}
            onClick={(e) => {
              e.preventDefault();
              setProblem(null);
              setUsernameProblem(null);
              setPasswordProblem(null);
              navigate(mode === 'signin' ? '/signup' : '/signin');
            }}
          >
            {mode === 'signin' ? 'Create an account' : 'Sign in'}
          </a>
        </p>
      </form>
    </main>
  );
}

function describe(error: unknown, mode: 'signin' | 'signup'): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  switch (error.code) {
    case 'invalid_credentials':
      return 'That username and password do not match.';
    case 'username_taken':
      return 'That username is taken. Try another one.';
    case 'rate_limited':
      return `Too many attempts. Try again in ${error.retryAfter ? `${error.retryAfter} s` : 'a minute'}.`;
    case 'validation_failed':
      return mode === 'signup' ? error.message : 'Check your username and password.';
    default:
      return error.message;
  }
}
