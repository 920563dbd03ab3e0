// People search, to start a conversation.
import { ErrorBody, PeopleQuery, PeopleResponse, normalizeUsername } from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../../errors.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/people',
    {
      schema: {
        tags: ['people'],
        summary: 'Find people by username prefix',
        querystring: PeopleQuery,
        response: { 200: PeopleResponse, 400: ErrorBody, 401: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request) => {
      const me = request.session?.username;
      if (!me) throw errors.unauthorized();
      const rows = await app.repos.users.search(normalizeUsername(request.query.q), me, request.query.limit ?? 20);
      return { users: rows.map((r) => ({ username: r.username, online: app.realtime.isOnline(r.username) })) };
    },
  );
};

export default routes;
