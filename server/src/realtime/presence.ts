// Who is online on this process, and which conversation each visible tab shows.
const EMPTY: ReadonlySet<string> = new Set();

export class PresenceRegistry {
  private readonly sockets = new Map<string, Set<string>>();
  private readonly focus = new Map<string, Map<string, string>>();

  /** Returns true when this is the user's first socket (they just came online). */
  add(username: string, socketId: string): boolean {
    let set = this.sockets.get(username);
    const first = !set;
    if (!set) {
      set = new Set();
      this.sockets.set(username, set);
    }
    set.add(socketId);
    return first;
  }

  /** Returns true when that was the user's last socket (they just went offline). */
  remove(username: string, socketId: string): boolean {
    this.focus.get(username)?.delete(socketId);
    if (this.focus.get(username)?.size === 0) this.focus.delete(username);
    const set = this.sockets.get(username);
    if (!set) return false;
    set.delete(socketId);
    if (set.size > 0) return false;
    this.sockets.delete(username);
    return true;
  }

  /** The ids of the user's sockets on this process. */
  socketIds(username: string): ReadonlySet<string> {
    return this.sockets.get(username) ?? EMPTY;
  }

  /** How many sockets the user has on this process. */
  socketCount(username: string): number {
    return this.sockets.get(username)?.size ?? 0;
  }

  isOnline(username: string): boolean {
    return this.sockets.has(username);
  }

  /** The users with a socket on this process. */
  usernames(): string[] {
    return [...this.sockets.keys()];
  }

  get users(): number {
    return this.sockets.size;
  }

  setFocus(username: string, socketId: string, peer: string | null): void {
    let map = this.focus.get(username);
    if (peer === null) {
      map?.delete(socketId);
      if (map?.size === 0) this.focus.delete(username);
      return;
    }
    if (!map) {
      map = new Map();
      this.focus.set(username, map);
    }
    map.set(socketId, peer);
  }

  /** True when `username` has a visible tab open on the conversation with `peer`. */
  isReading(username: string, peer: string): boolean {
    const map = this.focus.get(username);
    if (!map) return false;
    for (const focused of map.values()) if (focused === peer) return true;
    return false;
  }
}
