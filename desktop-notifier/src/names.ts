// People's display names, for notification titles ("Alice Liddell (@alice)"). The server owns
// them; the agent asks for the ones it does not know yet (GET /api/profiles) just before it shows
// a message, and follows `profile:update` in between. Forgotten on every reconnect, since an
// update may have been missed while away. A failed request leaves the title at the username.

/** People remembered; past it the oldest is forgotten (asked again when next needed). */
export const MAX_NAMES = 1000;
/** A notification waits at most this long for names; then it shows usernames. */
export const NAMES_TIMEOUT_MS = 2000;

export interface NamedProfile {
  username: string;
  displayName: string | null;
}

export class DisplayNames {
  private readonly known = new Map<string, string | null>();

  constructor(
    private readonly fetch: (usernames: readonly string[], signal: AbortSignal) => Promise<readonly NamedProfile[]>,
    private readonly limit = MAX_NAMES,
    private readonly timeoutMs = NAMES_TIMEOUT_MS,
  ) {}

  /** Learns the names of `usernames` not known yet, in one request. Never throws. */
  async load(usernames: Iterable<string>): Promise<void> {
    const missing = [...new Set(usernames)].filter((u) => !this.known.has(u));
    if (missing.length === 0) return;
    try {
      const profiles = await this.fetch(missing, AbortSignal.timeout(this.timeoutMs));
      const found = new Map(profiles.map((p) => [p.username, p.displayName]));
      // Not found (a deleted account): remembered as having no name, so it is not asked again.
      for (const u of missing) this.set(u, found.get(u) ?? null);
    } catch {
      // Unknown for now: shown by username, and asked again with the next message.
    }
  }

  /** `profile:update`. */
  apply(profile: NamedProfile): void {
    this.set(profile.username, profile.displayName);
  }

  /** The display name; null when there is none; undefined when not known (yet). */
  get(username: string): string | null | undefined {
    return this.known.get(username);
  }

  clear(): void {
    this.known.clear();
  }

  private set(username: string, name: string | null) {
    this.known.delete(username);
    this.known.set(username, name);
    if (this.known.size > this.limit) this.known.delete(this.known.keys().next().value as string);
  }
}
