// Profiles: reading them, and a user changing their own display name and picture. Each change is
// stored, then announced (the profileChanged domain event): realtime/profiles.ts pushes
// `profile:update` to the user's screens and their online peers, on every instance.
import { ApiPaths, DISPLAY_NAME_PROBLEM_MESSAGES, displayNameProblem, normalizeDisplayName, type Profile } from '@messenger/protocol';
import type { ProfileRow, ProfilesRepository } from '../db/profiles.repository.js';
import { errors } from '../errors.js';
import { toAvatar } from './avatar-image.js';
import type { DomainEvents } from './domain-events.js';

/** The avatar's URL names its version, so that the answer to it may be cached for good. */
export function avatarUrl(username: string, hash: string): string {
  return `${ApiPaths.avatar(username)}?v=${hash}`;
}

type ProfileFieldValues = Pick<Profile, 'displayName' | 'avatarUrl'>;

export function toProfile(row: ProfileRow): Profile {
  // A bot named before the display-name rules (a line break, a bidi override) shows its username
  // rather than a name no client would accept.
  const name = row.display_name;
  const displayName = name !== null && displayNameProblem(name) === undefined ? name : null;
  return { username: row.username, displayName, avatarUrl: row.avatar_hash === null ? null : avatarUrl(row.username, row.avatar_hash) };
}

export function createProfilesService(deps: { profiles: ProfilesRepository; events: DomainEvents }) {
  const { profiles, events } = deps;

  async function current(username: string): Promise<Profile> {
    const [row] = await profiles.profilesOf([username]);
    if (!row) throw errors.unauthorized('This account no longer exists.');
    return toProfile(row);
  }

  async function changed(username: string): Promise<Profile> {
    const profile = await current(username);
    await events.emit('profileChanged', { profile });
    return profile;
  }

  return {
    /** The profiles of those of `usernames` that exist, in the order asked. */
    async profilesOf(usernames: readonly string[]): Promise<Profile[]> {
      const byName = new Map((await profiles.profilesOf(usernames)).map((row) => [row.username, toProfile(row)]));
      return [...new Set(usernames)].flatMap((u) => byName.get(u) ?? []);
    },

    profileOf: current,

    /**
     * `rows` with the profile of the person each names (`key`), for lists of people (conversation
     * rows, group members): one query for the whole list.
     */
    async withProfiles<K extends string, T extends Record<K, string>>(rows: readonly T[], key: K): Promise<(T & ProfileFieldValues)[]> {
      const found = new Map((await profiles.profilesOf(rows.map((r) => r[key]))).map((row) => [row.username, toProfile(row)]));
      return rows.map((r) => {
        const profile = found.get(r[key]);
        return { ...r, displayName: profile?.displayName ?? null, avatarUrl: profile?.avatarUrl ?? null };
      });
    },

    async setDisplayName(username: string, raw: string | null): Promise<Profile> {
      let name: string | null = null;
      if (raw !== null) {
        name = normalizeDisplayName(raw);
        const problem = displayNameProblem(name);
        if (problem) throw errors.validation(`The display name ${DISPLAY_NAME_PROBLEM_MESSAGES[problem]}.`);
      }
      if (!(await profiles.setDisplayName(username, name))) throw errors.unauthorized('This account no longer exists.');
      return changed(username);
    },

    async setAvatar(username: string, upload: Buffer): Promise<Profile> {
      const { image, hash } = await toAvatar(upload);
      await profiles.putAvatar(username, image, hash, new Date().toISOString());
      return changed(username);
    },

    async deleteAvatar(username: string): Promise<Profile> {
      await profiles.deleteAvatar(username);
      return changed(username);
    },
  };
}

export type ProfilesService = ReturnType<typeof createProfilesService>;
