// Register, log in, log out (here or everywhere), change the password, and who am I.
import { ChangePasswordBody, Credentials, ErrorBody, MeResponse, RegisterBody, SessionResponse } from '@messenger/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { errors } from '../../errors.js';
import { SESSION_COOKIE } from '../../realtime/session-cookie.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app;
  // Failures are limited in the auth service (services/login-throttle.ts), which sees the
  // username. Successes are not failures, but each still costs an argon2 hash: all attempts
  // from one address are capped at twice its failure limit, so an address holding one valid
  // account cannot spend the CPU by signing in over and over.
  const passwordAttempts = { max: config.limits.loginPerAddressPerMinute * 2, timeWindow: '1 minute' };

  function setSessionCookie(reply: FastifyReply, token: string, expiresAt: string, secureRequest: boolean) {
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: config.cookieSecure === 'auto' ? secureRequest : config.cookieSecure,
      expires: new Date(expiresAt),
    });
  }

  app.post(
    '/api/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and start a session',
        description: 'The password must have 8 characters or more, not contain the username, and not be a common one.',
        body: RegisterBody,
        response: { 201: SessionResponse, 400: ErrorBody, 409: ErrorBody, 429: ErrorBody },
        security: [],
      },
      config: { rateLimit: { max: config.limits.registerPerMinute, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const session = await app.authService.register(request.body.username, request.body.password);
      setSessionCookie(reply, session.token, session.expiresAt, request.protocol === 'https');
      return reply.code(201).send(session);
    },
  );

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Start a session',
        body: Credentials,
        response: { 200: SessionResponse, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
        security: [],
      },
      config: { rateLimit: { ...passwordAttempts, keyGenerator: (request) => `login:${request.ip}` } },
    },
    async (request, reply) => {
      const session = await app.authService.login(request.body.username, request.body.password, request.ip);
      setSessionCookie(reply, session.token, session.expiresAt, request.protocol === 'https');
      return session;
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End this session and close its sockets',
        response: { 204: Type.Null(), 401: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      const session = request.session;
      if (!session) throw errors.unauthorized();
      await app.authService.logout(session);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/auth/logout-everywhere',
    {
      schema: {
        tags: ['auth'],
        summary: 'End every session of this user, this one included, and close all their sockets',
        response: { 204: Type.Null(), 401: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      const session = request.session;
      if (!session) throw errors.unauthorized();
      await app.authService.logoutEverywhere(session.username);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change the password; every other session of the user is revoked',
        description:
          'Needs the current password (failures count toward the login limits). The session that asks stays signed in; ' +
          'every other one ends, since a password is usually changed because someone else may know it.',
        body: ChangePasswordBody,
        response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
      config: { rateLimit: { ...passwordAttempts, keyGenerator: (request) => `password:${request.ip}` } },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      const session = request.session;
      if (!session) throw errors.unauthorized();
      const { currentPassword, newPassword } = request.body;
      await app.authService.changePassword(session, currentPassword, newPassword, request.ip);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/me',
    {
      schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: MeResponse, 401: ErrorBody } },
      config: { scope: 'any' },
      preHandler: app.requireUser,
    },
    async (request) => {
      const session = request.session;
      if (!session) throw errors.unauthorized();
      const user = await app.repos.users.find(session.username);
      if (!user) throw errors.unauthorized();
      const { displayName, avatarUrl } = await app.profilesService.profileOf(user.username);
      return {
        username: user.username,
        kind: user.kind,
        createdAt: user.created_at,
        sessionExpiresAt: session.expiresAt,
        scopes: [...session.scopes],
        displayName,
        avatarUrl,
      };
    },
  );
};

export default routes;
