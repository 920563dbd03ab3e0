// People search, to start a conversation. `online` is true only for people who share a
// conversation or a group with the searcher: a stranger's presence is nobody else's business.
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
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => {
      const me = request.session?.username;
      if (!me) throw errors.unauthorized();
      const rows = await app.repos.users.search(normalizeUsername(request.query.q), me, request.query.limit ?? 20);
      const online = await app.realtime.onlineAmong(rows.map((r) => r.username));
      const peers = await app.peers.among(me, [...online]);
      const bots = await app.repos.integrations.botsAmong(rows.map((r) => r.username));
      const listed = await app.profilesService.withProfiles(rows, 'username');
      return {
        users: listed.map((r) => ({ ...r, online: peers.has(r.username), ...(bots.has(r.username) ? { bot: true as const } : {}) })),
      };
    },
  );
};

export default routes;
