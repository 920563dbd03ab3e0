// `chat-notifier send --to USER TEXT`: one message from the stored session, for scripts and quick
// replies. The client gives it an Idempotency-Key and retries 429/503 with that same key, so a
// retry never sends twice.
import { ApiError } from '@messenger/client';
import { ExitError } from '../cli-errors.js';
import type { StoredSession } from '../config.js';
import { sessionClient } from '../session-client.js';

export async function sendMessage(session: StoredSession, to: string, text: string): Promise<number> {
  try {
    const sent = await sessionClient(session).send(to, text);
    console.log(`Sent to ${to} (message ${sent.id}, ${sent.sentAt}).`);
    return 0;
  } catch (error) {
    if (error instanceof ApiError) {
      if (error.status === 401) throw new ExitError('the server refused the stored session (expired or logged out). Run "chat-notifier login".', 2);
      // The server's code is stable and greppable; its message says what to change.
      throw new ExitError(`not sent: ${error.message} (${error.code})`, 1);
    }
    throw error;
  }
}
