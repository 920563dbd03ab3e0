// The unread part of `status`: what is waiting for you, per conversation, as the server counts it
// (the same numbers as the web app's badges).
import type { MessengerClient } from '@messenger/client';
import { plain } from '../format.js';

export async function printUnread(client: MessengerClient): Promise<void> {
  try {
    const [people, groups] = await Promise.all([client.conversations(), client.groups()]);
    const rows = [
      ...people.map((c) => ({ name: c.peer, unread: c.unread })),
      ...groups.map((g) => ({ name: `#${plain(g.name)}`, unread: g.unread })),
    ].filter((r) => r.unread > 0);
    rows.sort((a, b) => b.unread - a.unread || a.name.localeCompare(b.name));
    const total = rows.reduce((sum, r) => sum + r.unread, 0);
    console.log(`unread:     ${total === 0 ? 'nothing' : `${total} in ${rows.length} conversation${rows.length === 1 ? '' : 's'}`}`);
    const width = Math.max(0, ...rows.map((r) => r.name.length));
    for (const r of rows) console.log(`  ${r.name.padEnd(width)}  ${r.unread}`);
  } catch (error) {
    console.log(`unread:     cannot count: ${error instanceof Error ? error.message : String(error)}`);
  }
}
