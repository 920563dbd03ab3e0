// `chat-notifier status`: the stored session, what the server says of it, unread messages per
// conversation, groups, and whether this machine can show notifications.
import { ApiError } from '@messenger/client';
import { DEFAULT_PROFILE, loadSession, permissionProblem, seenFile } from '../config.js';
import { printGroups } from '../group-commands.js';
import { SeenStore } from '../seen-store.js';
import { selfCheck } from '../selfcheck.js';
import { sessionClient } from '../session-client.js';
import { printUnread } from './unread.js';

export async function cmdStatus(dir: string, profile: string): Promise<number> {
  const session = loadSession(dir);
  if (!session) {
    const who = profile === DEFAULT_PROFILE ? '' : ` --profile ${profile}`;
    console.log(`not signed in (profile "${profile}", ${dir}): run "chat-notifier${who} login --server URL"`);
    return 2;
  }
  let code = 0;
  console.log(`config dir: ${dir}${profile === DEFAULT_PROFILE ? '' : ` (profile ${profile})`}`);
  console.log(`server:     ${session.server}`);
  console.log(`user:       ${session.username}`);
  console.log(`expires:    ${session.expiresAt}`);
  const perms = permissionProblem(dir);
  if (perms) console.log(`warning:    ${perms}`);
  try {
    const who = await sessionClient(session).me();
    // null: an API token without expiry (a session always has one).
    console.log(`server says: signed in as ${who.username}, session valid until ${who.sessionExpiresAt ?? 'it is revoked (no expiry)'}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      console.log('server says: session expired or revoked; run "chat-notifier login"');
      code = 2;
    } else {
      console.log(`server says: ${error instanceof Error ? error.message : String(error)}`);
      code = 1;
    }
  }
  if (code === 0) {
    await printUnread(sessionClient(session));
    await printGroups(session);
  }
  const store = new SeenStore(seenFile(dir, session.server, session.username));
  console.log(`remembered: ${store.size} notified message id(s)`);
  const check = await selfCheck();
  if (check.ok) {
    console.log(`notifications: ok${check.serverInfo ? ` (${check.serverInfo})` : ''}`);
  } else {
    console.log(`notifications: NOT available\n${check.problems.map((p) => `- ${p}`).join('\n')}`);
    if (code === 0) code = 3;
  }
  return code;
}
