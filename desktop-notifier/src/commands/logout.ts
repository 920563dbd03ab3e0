// `chat-notifier logout`: revoke the session on the server, then delete the stored token.
import { ExitError } from '../cli-errors.js';
import { deleteSession, loadSession } from '../config.js';
import { sessionClient } from '../session-client.js';

export async function cmdLogout(dir: string, force: boolean): Promise<number> {
  const session = loadSession(dir);
  if (!session) {
    console.log('Not signed in; nothing to do.');
    return 0;
  }
  try {
    const result = await sessionClient(session).logout();
    deleteSession(dir);
    console.log(
      result === 'revoked'
        ? `Signed out of ${session.server}; the session is revoked and the token deleted.`
        : `The server had already ended that session; the token is deleted.`,
    );
    return 0;
  } catch (error) {
    if (!force) {
      throw new ExitError(
        `could not revoke the session: ${error instanceof Error ? error.message : String(error)}\n` +
          'The token is kept. Retry, or use --force to delete it locally anyway.',
        1,
      );
    }
    deleteSession(dir);
    console.log('Deleted the token locally; the server session could not be revoked and stays valid until it expires.');
    return 0;
  }
}
