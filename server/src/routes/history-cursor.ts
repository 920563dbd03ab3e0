// Which kind of history page a MessagesQuery asks for: older than a message (or the newest), or a
// window opened after or around one. Shared by the 1:1 and group history routes.
import type { MessagesQuery } from '@messenger/protocol';
import type { WindowCursor } from '../db/history-window.repository.js';
import { errors } from '../errors.js';

export const DEFAULT_PAGE_LIMIT = 50;

/** The window to open, or undefined for a plain older page; refuses more than one cursor. */
export function windowCursor(query: MessagesQuery): WindowCursor | undefined {
  const given = [query.before, query.after, query.around].filter((c) => c !== undefined).length;
  if (given > 1) throw errors.validation('Give at most one of before, after and around.');
  if (query.around !== undefined) return { around: query.around };
  if (query.after !== undefined) return { after: query.after };
  return undefined;
}
