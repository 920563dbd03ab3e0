// The group commands of the CLI: `mute` / `unmute --group`, and the groups part of `status`.
// The mute setting is the member's, on the server: the web app and every agent follow it.
import { ApiError, createClient } from '@messenger/client';
import { ExitError } from './cli-errors.js';
import type { StoredSession } from './config.js';
import { plain } from './format.js';
import { resolveGroup } from './groups.js';

export async function muteGroup(session: StoredSession, query: string, muted: boolean): Promise<number> {
  try {
    const client = createClient({ baseUrl: session.server, token: session.token });
    const resolved = resolveGroup(await client.groups(), query);
    if (!resolved.ok) throw new ExitError(resolved.reason, 1);
    const group = await client.setGroupMuted(resolved.group.id, muted);
    const name = plain(group.name);
    console.log(
      muted
        ? `Muted "${name}" (${group.id}): only messages that @mention you will notify, here and in the web app.`
        : `Unmuted "${name}" (${group.id}): its messages notify again.`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new ExitError('the server refused the stored session (expired or logged out). Run "chat-notifier login".', 2);
    }
    throw error;
  }
}

/** `status` lines: each group's id and name as shown, and whether it is muted. */
export async function printGroups(session: StoredSession): Promise<void> {
  try {
    const groups = await createClient({ baseUrl: session.server, token: session.token }).groups();
    console.log(`groups:     ${groups.length === 0 ? 'none' : groups.length}`);
    for (const g of [...groups].sort((a, b) => a.name.localeCompare(b.name))) {
      console.log(`  ${g.id}  ${plain(g.name)}${g.muted ? '  (muted: @mentions only)' : ''}`);
    }
  } catch (error) {
    console.log(`groups:     cannot list them: ${error instanceof Error ? error.message : String(error)}`);
  }
}
