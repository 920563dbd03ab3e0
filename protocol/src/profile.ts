// A person's profile: a display name and an avatar picture. The username stays the stable id
// everywhere (routes, records, keys); the profile only changes how a screen shows the person.
// Display names need not be unique, so a screen that must tell people apart shows the username too.
import { Type, type Static } from '@sinclair/typebox';
import { USERNAME_PATTERN, Username } from './primitives.js';
import { MAX_DISPLAY_NAME_LENGTH, TextFormats } from './text.js';

/** Largest avatar upload (the raw image body of PUT /api/me/avatar). */
export const MAX_AVATAR_BYTES = 2 * 1024 * 1024;
/** Every stored avatar is a square of this many pixels a side, re-encoded by the server. */
export const AVATAR_SIZE = 256;
/** What an upload may be, by its Content-Type and by its actual bytes. Never SVG (docs/security.md). */
export const AVATAR_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type AvatarContentType = (typeof AVATAR_CONTENT_TYPES)[number];
/** How many profiles one GET /api/profiles may ask for. */
export const MAX_PROFILES_PER_REQUEST = 100;

/**
 * A display name as sent: the server stores normalizeDisplayName(value) (NFC, trimmed), which
 * must be 1–64 visible characters on one line, without bidi embeddings or overrides
 * (displayNameProblem() in text.ts says which rule a value breaks). The raw bound only keeps
 * surrounding white space from making a request unbounded.
 */
export const DisplayName = Type.String({
  minLength: 1,
  maxLength: MAX_DISPLAY_NAME_LENGTH * 4,
  format: TextFormats.displayName,
});
export type DisplayName = Static<typeof DisplayName>;

/**
 * A display name as it leaves the server: already normalized and checked on the way in, so only
 * bounded here (64 code points are at most 128 UTF-16 units), as StoredMessageText is. It also
 * keeps the custom format out of response schemas, which serializers compile without it.
 */
export const StoredDisplayName = Type.String({ minLength: 1, maxLength: MAX_DISPLAY_NAME_LENGTH * 2 });

/**
 * Where to fetch an avatar: always a same-origin path, never a URL someone typed, so a client may
 * put it in <img src> as is. `v` is the first 16 hex digits of the SHA-256 of the stored picture:
 * it changes whenever the picture does (a new upload, a delete and another upload), so the
 * answer to it is cached for good (Cache-Control: immutable) and a change shows at once, with no
 * counter that a delete could reset.
 */
export const AvatarUrl = Type.String({
  pattern: `^/api/users/${USERNAME_PATTERN.slice(1, -1)}/avatar\\?v=[0-9a-f]{16}$`,
  maxLength: 80,
});
export type AvatarUrl = Static<typeof AvatarUrl>;

export const Profile = Type.Object({
  username: Username,
  /** null: none chosen; show the username. */
  displayName: Type.Union([StoredDisplayName, Type.Null()]),
  /** null: no picture; show initials or a placeholder. */
  avatarUrl: Type.Union([AvatarUrl, Type.Null()]),
});
export type Profile = Static<typeof Profile>;

/** PATCH /api/me/profile. `displayName: null` clears the name. */
export const UpdateProfileBody = Type.Object(
  { displayName: Type.Union([DisplayName, Type.Null()]) },
  { additionalProperties: false },
);
export type UpdateProfileBody = Static<typeof UpdateProfileBody>;

const USERNAME_IN_LIST = USERNAME_PATTERN.slice(1, -1);

/** GET /api/profiles?usernames=alice,bob: 1–100 usernames (already folded), comma-separated. */
export const ProfilesQuery = Type.Object(
  {
    usernames: Type.String({
      pattern: `^${USERNAME_IN_LIST}(,${USERNAME_IN_LIST}){0,${MAX_PROFILES_PER_REQUEST - 1}}$`,
      minLength: 3,
      maxLength: MAX_PROFILES_PER_REQUEST * 33,
    }),
  },
  { additionalProperties: false },
);
export type ProfilesQuery = Static<typeof ProfilesQuery>;

/** The profiles of the names asked for that exist, in the order asked; unknown names are left out. */
export const ProfilesResponse = Type.Object({
  profiles: Type.Array(Profile, { maxItems: MAX_PROFILES_PER_REQUEST }),
});
export type ProfilesResponse = Static<typeof ProfilesResponse>;

export const AvatarParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }) });
export type AvatarParams = Static<typeof AvatarParams>;

export const AvatarQuery = Type.Object({ v: Type.Optional(Type.String({ maxLength: 64 })) });
export type AvatarQuery = Static<typeof AvatarQuery>;

/** The profile's part of a person's listing (MeResponse, PublicUser): absent from older servers. */
export const ProfileFields = {
  displayName: Type.Optional(Type.Union([StoredDisplayName, Type.Null()])),
  avatarUrl: Type.Optional(Type.Union([AvatarUrl, Type.Null()])),
};

/** The query string value for GET /api/profiles. */
export function profilesQuery(usernames: readonly string[]): string {
  return usernames.join(',');
}
