// Bot accounts and API tokens. Every route here needs a signed-in session (no `scope` in the
// route config): a token cannot mint, list or revoke tokens, nor make bots.
import {
  ApiTokenParams,
  ApiTokensResponse,
  Bot,
  BotParams,
  BotsResponse,
  CreateApiTokenBody,
  CreateBotBody,
  CreatedApiToken,
  ErrorBody,
} from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errors } from '../../errors.js';

const tags = ['integrations'];
const asked = { 401: ErrorBody, 403: ErrorBody };
const written = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody };

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { integrationsService: integrations } = app;

  function me(session: { username: string } | null): string {
    if (!session) throw errors.unauthorized();
    return session.username;
  }

  app.post(
    '/api/bots',
    {
      schema: {
        tags,
        summary: 'Create a bot account you own',
        description:
          'A bot is an account with the same username rules and namespace as people; it cannot sign in with a password, only with API tokens its owner creates. A taken name is 409 username_taken.',
        body: CreateBotBody,
        response: { 201: Bot, ...written, 409: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      const bot = await integrations.createBot(me(request.session), request.body.username, request.body.displayName);
      return reply.code(201).send(bot);
    },
  );

  app.get(
    '/api/bots',
    {
      schema: { tags, summary: 'Your bots', response: { 200: BotsResponse, ...asked } },
      preHandler: app.requireUser,
    },
    async (request) => ({ bots: await integrations.listBots(me(request.session)) }),
  );

  app.delete(
    '/api/bots/:username',
    {
      schema: {
        tags,
        summary: 'Delete a bot: its tokens are revoked and its sockets closed',
        description: 'The name stays taken, so no new account inherits the bot\'s conversations. Someone else\'s bot is 404, like a missing one.',
        params: BotParams,
        response: { 204: Type.Null(), ...asked, 404: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      await integrations.deleteBot(me(request.session), request.params.username);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/tokens',
    {
      schema: {
        tags,
        summary: 'Create an API token for yourself or one of your bots; the secret is shown only in this answer',
        description:
          'Scopes: send (POST /send, group sends), read (conversations, history, groups, read marks), receive (the socket). The secret starts with msk_ and is stored only as its SHA-256. An expiry, if given, must be in the future.',
        body: CreateApiTokenBody,
        response: { 201: CreatedApiToken, ...written },
      },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      const created = await integrations.createToken(me(request.session), request.body);
      // The one answer with the secret: never cached by anything on the way.
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/api/tokens',
    {
      schema: {
        tags,
        summary: 'Your live API tokens and your bots\' (never their secrets)',
        response: { 200: ApiTokensResponse, ...asked },
      },
      preHandler: app.requireUser,
    },
    async (request) => ({ tokens: await integrations.listTokens(me(request.session)) }),
  );

  app.delete(
    '/api/tokens/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an API token: it stops working and its sockets close on every instance before this answers',
        params: ApiTokenParams,
        response: { 204: Type.Null(), ...asked, 404: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      await integrations.revokeToken(me(request.session), request.params.id);
      return reply.code(204).send(null);
    },
  );
};

export default routes;
