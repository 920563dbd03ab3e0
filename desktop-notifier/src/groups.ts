// The groups the signed-in user is in, as far as notifications care: name and the member's own
// mute setting. The server owns the setting (the web app changes it too); the agent loads the list
// with GET /api/groups on every (re)connect and follows `group:update` in between.
import type { Group, GroupUpdate } from '@messenger/protocol';
import { plain } from './format.js';

export interface KnownGroup {
  id: string;
  name: string;
  muted: boolean;
}

/** A load in flight; see beginLoad(). */
export interface LoadTicket {
  readonly seq: number;
}

export class GroupDirectory {
  private groups = new Map<string, KnownGroup>();
  private loadSeq = 0;
  private appliedSeq = 0;
  /** Groups a live update touched since each pending load began (by that load's seq). */
  private touchedSince = new Map<number, Set<string>>();

  /**
   * Starts a load. The list fetched afterwards may be older than a `group:update` that arrives
   * while the request is in flight (mute in another tab, a removal), so finishLoad() keeps what
   * such updates said.
   */
  beginLoad(): LoadTicket {
    const seq = ++this.loadSeq;
    this.touchedSince.set(seq, new Set());
    return { seq };
  }

  /** Replaces the list with a fetched one, except groups a live update changed meanwhile. */
  finishLoad(ticket: LoadTicket, groups: readonly Group[]): void {
    const touched = this.touchedSince.get(ticket.seq);
    this.touchedSince.delete(ticket.seq);
    // A newer load already answered: this one is older news.
    if (!touched || ticket.seq < this.appliedSeq) return;
    this.appliedSeq = ticket.seq;
    const next = new Map<string, KnownGroup>();
    for (const g of groups) {
      if (!touched.has(g.id)) next.set(g.id, { id: g.id, name: g.name, muted: g.muted });
    }
    for (const id of touched) {
      const live = this.groups.get(id);
      if (live) next.set(id, live);
    }
    this.groups = next;
  }

  /** A load that failed: nothing to apply, stop tracking it. */
  abandonLoad(ticket: LoadTicket): void {
    this.touchedSince.delete(ticket.seq);
  }

  /** `group:update`: the group as I see it now, or null when I am no longer in it. */
  apply(update: GroupUpdate): void {
    if (update.group) this.groups.set(update.id, { id: update.id, name: update.group.name, muted: update.group.muted });
    else this.groups.delete(update.id);
    for (const touched of this.touchedSince.values()) touched.add(update.id);
  }

  /**
   * A group not (yet) known counts as not muted: a new member's setting starts unmuted, and
   * `group:update` announces a group before its first message.
   */
  isMuted(id: string): boolean {
    return this.groups.get(id)?.muted ?? false;
  }

  get(id: string): KnownGroup | undefined {
    return this.groups.get(id);
  }

  /** By name, then id, for stable output. */
  list(): KnownGroup[] {
    return [...this.groups.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }
}

export type Resolved = { ok: true; group: Group } | { ok: false; reason: string };

/**
 * The group a person means on the command line: its id, or its name (exact spelling first, then
 * as shown, ignoring case: a name may hold bidi controls or zero-width characters nobody can type).
 * Never guesses between two groups with the same name: it lists their ids.
 */
export function resolveGroup(groups: readonly Group[], query: string): Resolved {
  const q = query.trim();
  const byId = groups.find((g) => g.id === q.toLowerCase());
  if (byId) return { ok: true, group: byId };
  const exact = groups.filter((g) => g.name === q);
  const shown = (s: string) => plain(s).toLowerCase();
  const folded = exact.length > 0 ? exact : groups.filter((g) => shown(g.name) === shown(q));
  const [only, ...more] = folded;
  if (only && more.length === 0) return { ok: true, group: only };
  if (only) {
    return {
      ok: false,
      reason: `${folded.length} groups are named "${q}"; name one by its id:\n${folded.map((g) => `  ${g.id}  ${plain(g.name)}`).join('\n')}`,
    };
  }
  if (groups.length === 0) return { ok: false, reason: `no group "${q}": you are not in any group` };
  return {
    ok: false,
    reason: `no group "${q}" among yours:\n${[...groups]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((g) => `  ${g.id}  ${plain(g.name)}`)
      .join('\n')}`,
  };
}
