// The stored session as the commands need it: present (or a clear exit 2), and a client signed in
// with it.
import { createClient, type MessengerClient } from '@messenger/client';
import { ExitError } from './cli-errors.js';
import { loadSession, sessionFile, type StoredSession } from './config.js';

export function requireSession(dir: string): StoredSession {
  const session = loadSession(dir);
  if (!session) throw new ExitError(`not signed in (no ${sessionFile(dir)}). Run: chat-notifier login --server URL`, 2);
  return session;
}

/** The shared client, signed in with the stored session. */
export function sessionClient(session: StoredSession): MessengerClient {
  return createClient({ baseUrl: session.server, token: session.token, username: session.username });
}
