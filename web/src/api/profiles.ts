// GET /api/profiles: display names and pictures by username. Every person a screen shows asks
// through one batcher: the names asked for within one tick go out as one request (at most
// MAX_PROFILES_PER_REQUEST names each), and TanStack Query keeps each answer under the name, so a
// list of 50 rows costs one request rather than 50, and a name shown in ten places is asked once.
// profile:update (SocketProvider) writes changes into the same entries, so every screen follows.
import { MAX_PROFILES_PER_REQUEST, isValidUsername, type MeResponse, type Profile } from '@messenger/protocol';
import { useQueries, useQuery, type QueryClient } from '@tanstack/react-query';
import { client } from './http';
import { queryKeys } from './keys';

/** A person's profile, or null when no account has that name. */
export type ProfileAnswer = Profile | null;

interface Waiter {
  resolve: (profile: ProfileAnswer) => void;
  reject: (error: unknown) => void;
}

export type FetchProfiles = (usernames: string[]) => Promise<Profile[]>;

/**
 * Coalesces single look-ups into batched requests. `schedule` decides what "one tick" is: the
 * next macrotask by default, so the queries that one render commits (each row mounting its own)
 * are all waiting by the time the batch goes out.
 */
export function createProfileBatcher(fetchMany: FetchProfiles, schedule: (flush: () => void) => void = (f) => setTimeout(f, 0)) {
  let waiting = new Map<string, Waiter[]>();
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batch = waiting;
    waiting = new Map();
    const names = [...batch.keys()];
    for (let i = 0; i < names.length; i += MAX_PROFILES_PER_REQUEST) {
      const chunk = names.slice(i, i + MAX_PROFILES_PER_REQUEST);
      const settle = (each: (w: Waiter, name: string) => void) => {
        for (const name of chunk) for (const w of batch.get(name) ?? []) each(w, name);
      };
      fetchMany(chunk).then(
        (profiles) => {
          const byName = new Map(profiles.map((p) => [p.username, p]));
          settle((w, name) => w.resolve(byName.get(name) ?? null));
        },
        (error: unknown) => settle((w) => w.reject(error)),
      );
    }
  };

  return function load(username: string): Promise<ProfileAnswer> {
    // A name no account can have (a hand-typed /c/ address) would make the server refuse the
    // whole batch: it has no profile, and nobody is asked.
    if (!isValidUsername(username)) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const list = waiting.get(username);
      if (list) list.push({ resolve, reject });
      else waiting.set(username, [{ resolve, reject }]);
      if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    });
  };
}

const loadProfile = createProfileBatcher((usernames) => client.getProfiles(usernames));

/**
 * Names change rarely and profile:update brings each change to the screens that show the person,
 * so an answer stays fresh for long; a reconnect refreshes them all (what was missed meanwhile).
 */
const PROFILE_STALE_MS = 10 * 60_000;

function profileQuery(username: string) {
  return {
    queryKey: queryKeys.profile(username),
    queryFn: () => loadProfile(username),
    staleTime: PROFILE_STALE_MS,
    // A focused tab needs no refetch of every name on screen: changes come live.
    refetchOnWindowFocus: false,
  } as const;
}

/** The profile of `username` (undefined while unknown; null when there is no such account). */
export function useProfile(username: string): ProfileAnswer | undefined {
  return useQuery(profileQuery(username)).data;
}

/** What to call someone on screen: their display name, or their username until they choose one. */
export function useDisplayName(username: string): string {
  return useProfile(username)?.displayName ?? username;
}

/** useDisplayName() for a list (typing line, receipts), in the same order. */
export function useDisplayNames(usernames: readonly string[]): string[] {
  return useQueries({
    queries: usernames.map((u) => profileQuery(u)),
    combine: (results) => results.map((r, i) => r.data?.displayName ?? usernames[i] ?? ''),
  });
}

/** For code outside React (a notification's title): the cached name, or one asked for now; the username if that fails. */
export async function displayNameOf(client: QueryClient, username: string): Promise<string> {
  try {
    return (await client.ensureQueryData(profileQuery(username)))?.displayName ?? username;
  } catch {
    return username;
  }
}

/** A changed profile (profile:update, or my own edit): every screen showing the person follows. */
export function setProfile(client: QueryClient, profile: Profile): void {
  client.setQueryData<ProfileAnswer>(queryKeys.profile(profile.username), profile);
  client.setQueryData<MeResponse | null>(queryKeys.me, (me) =>
    me && me.username === profile.username ? { ...me, displayName: profile.displayName, avatarUrl: profile.avatarUrl } : me,
  );
}

/** A person as a list carries them (a conversation row, a group member, a people result). */
export interface ListedPerson {
  username: string;
  displayName?: string | null;
  avatarUrl?: string | null;
}

/**
 * Names and pictures that came with a list: the list paints with them, and nobody is asked again.
 * Only where nothing is known yet: a list answered after a profile:update may hold the older name,
 * and the live event is the newer word.
 */
export function seedProfiles(client: QueryClient, people: Iterable<ListedPerson>): void {
  for (const { username, displayName, avatarUrl } of people) {
    // Absent from an older server's answer: nothing to seed.
    if (displayName === undefined || avatarUrl === undefined) continue;
    if (client.getQueryData(queryKeys.profile(username)) !== undefined) continue;
    const seeded: Profile = { username, displayName, avatarUrl };
    client.setQueryData<ProfileAnswer>(queryKeys.profile(username), seeded);
  }
}

/** After a reconnect: changes made while away reach no socket, so the names on screen are asked again. */
export function refreshProfiles(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ queryKey: queryKeys.profilesRoot });
}
