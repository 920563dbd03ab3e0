// Profiles: read anyone's (GET /api/profiles, GET /api/users/:username/avatar), change your own
// display name and picture (/api/me/profile, /api/me/avatar). The picture's pipeline is
// services/avatar-image.ts; these routes only take bytes in and hand stored bytes out.
import {
  AVATAR_CONTENT_TYPES,
  AvatarParams,
  AvatarQuery,
  ErrorBody,
  MAX_AVATAR_BYTES,
  Profile,
  ProfilesQuery,
  ProfilesResponse,
  UpdateProfileBody,
  isValidUsername,
  normalizeUsername,
} from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { AppError, errors } from '../../errors.js';

const ACCEPTED = new Set<string>(AVATAR_CONTENT_TYPES);
const IMMUTABLE = 'private, max-age=31536000, immutable';
/** Cached, but asked again each time (a 304 when unchanged): the URL named no version, or an old one. */
const REVALIDATE = 'private, no-cache';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { profilesService, repos } = app;

  function me(session: { username: string } | null): string {
    if (!session) throw errors.unauthorized();
    return session.username;
  }

  app.get(
    '/api/profiles',
    {
      schema: {
        tags: ['profile'],
        summary: 'Display names and pictures of up to 100 people',
        description: 'Unknown usernames are left out; the others come in the order asked.',
        querystring: ProfilesQuery,
        response: { 200: ProfilesResponse, 400: ErrorBody, 401: ErrorBody },
      },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => ({ profiles: await profilesService.profilesOf(request.query.usernames.split(',')) }),
  );

  app.patch(
    '/api/me/profile',
    {
      schema: {
        tags: ['profile'],
        summary: 'Set or clear your display name',
        body: UpdateProfileBody,
        response: { 200: Profile, 400: ErrorBody, 401: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request) => profilesService.setDisplayName(me(request.session), request.body.displayName),
  );

  app.delete(
    '/api/me/avatar',
    {
      schema: { tags: ['profile'], summary: 'Remove your picture', response: { 200: Profile, 401: ErrorBody } },
      preHandler: app.requireUser,
    },
    async (request) => profilesService.deleteAvatar(me(request.session)),
  );

  // Its own scope: here alone a body is raw bytes, up to MAX_AVATAR_BYTES instead of the app's
  // 64 KiB of JSON. A wrong Content-Type is answered before parsing (acceptedImageType), with a
  // message naming what to send, not Fastify's "send JSON"; what passes is read as bytes.
  await app.register(async (upload) => {
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_AVATAR_BYTES }, (_request, body, done) => done(null, body));
    upload.put(
      '/api/me/avatar',
      {
        schema: {
          tags: ['profile'],
          summary: 'Set your picture',
          description: `The image itself is the body: PNG, JPEG, WebP or GIF (judged by its bytes), at most ${MAX_AVATAR_BYTES} bytes. It is stored as a 256×256 WebP without metadata.`,
          response: { 200: Profile, 400: ErrorBody, 401: ErrorBody, 413: ErrorBody, 415: ErrorBody, 429: ErrorBody, 503: ErrorBody },
        },
        bodyLimit: MAX_AVATAR_BYTES,
        config: { rateLimit: { max: app.config.limits.avatarPerMinute, timeWindow: '1 minute' } },
        // Refused before the body is read, not after 2 MiB of it, in the order every route
        // refuses: no user, an API token (which learns nothing more of a route it may not use;
        // plugins/auth.ts checks the same again before validation), then the content type.
        onRequest: [app.requireUser, sessionsOnly, acceptedImageType],
        preHandler: app.requireUser,
      },
      async (request) => {
        if (!Buffer.isBuffer(request.body) || request.body.length === 0) throw errors.badRequest('Send the picture as the request body.');
        return profilesService.setAvatar(me(request.session), request.body);
      },
    );
  });

  app.get(
    '/api/users/:username/avatar',
    {
      schema: {
        tags: ['profile'],
        summary: "A person's picture (image/webp)",
        description: 'Use the avatarUrl of their profile: it names the version, so the answer is cached for good.',
        params: AvatarParams,
        querystring: AvatarQuery,
        response: { 304: { type: 'null' }, 401: ErrorBody, 404: ErrorBody },
      },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      const username = normalizeUsername(request.params.username);
      const noPicture = () => errors.notFound(`${username} has no picture.`);
      if (!isValidUsername(username)) throw noPicture();
      const validators = (hash: string) => ({
        etag: `"${hash}"`,
        'cache-control': request.query.v === hash ? IMMUTABLE : REVALIDATE,
      });
      // A revalidation that matches is answered from the version alone, without the bytes.
      const ifNoneMatch = request.headers['if-none-match'];
      if (ifNoneMatch !== undefined) {
        const hash = await repos.profiles.avatarHash(username);
        if (hash === undefined) throw noPicture();
        if (matches(ifNoneMatch, `"${hash}"`)) return reply.code(304).headers(validators(hash)).send();
      }
      const avatar = await repos.profiles.avatar(username);
      if (!avatar) throw noPicture();
      return reply
        .headers({
          ...validators(avatar.hash),
          'content-type': 'image/webp',
          'x-content-type-options': 'nosniff',
          // Opened on its own (a new tab), the picture is a document: it may run, load and embed nothing.
          'content-security-policy': "default-src 'none'; sandbox",
          'content-disposition': 'inline; filename="avatar.webp"',
        })
        .send(avatar.image);
    },
  );
};

async function sessionsOnly(request: FastifyRequest): Promise<void> {
  if (request.session && request.session.tokenId !== null) throw errors.insufficientScope('This needs a signed-in session; API tokens cannot use it.');
}

/** The upload's declared type must be one we take; the bytes are judged again (avatar-image.ts). */
async function acceptedImageType(request: FastifyRequest): Promise<void> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (ACCEPTED.has(type)) return;
  const list = AVATAR_CONTENT_TYPES.join(', ');
  throw type.startsWith('image/')
    ? new AppError('unsupported_image', `${type} is not accepted; send one of ${list}. SVG is never accepted.`)
    : new AppError('unsupported_media_type', `Send the picture itself as the body, with Content-Type one of ${list}.`);
}

/** Whether an If-None-Match header names `etag` (a list, weak tags, or *). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

export default routes;
