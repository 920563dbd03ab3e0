// Full-text search over the history the asker may read: all of it, one 1:1 conversation, or one
// group they are a member of.
import { ErrorBody, SearchQuery, SearchResponse, isValidUsername, normalizeUsername, type SearchHit } from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { SearchScope } from '../../db/search.repository.js';
import { errors } from '../../errors.js';

const DEFAULT_LIMIT = 20;

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos } = app;

  async function scopeOf(user: string, query: SearchQuery): Promise<SearchScope> {
    if (query.peer !== undefined && query.group !== undefined) throw errors.validation('Give peer or group, not both.');
    if (query.peer !== undefined) {
      const peer = normalizeUsername(query.peer);
      if (!isValidUsername(peer) || !(await repos.users.exists(peer))) throw errors.notFound(`No user named "${peer}".`);
      return { kind: 'direct', peer };
    }
    if (query.group !== undefined) {
      // 404 alike for no such group and not a member, as every group route answers.
      if (!(await repos.groups.roleOf(query.group, user))) throw errors.groupNotFound();
      return { kind: 'group', groupId: query.group };
    }
    return { kind: 'all' };
  }

  app.get(
    '/api/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Find messages by their words, in all your conversations or in one',
        description:
          'Words match in any order and any case (diacritics fold on SQLite); the last word also matches as a prefix unless `q` ends with a space. Punctuation only separates words: there is no query syntax. Results are the messages you can read in history (1:1 conversations you are in, groups you are a member of now), newest first, each with where it is and the ranges of the matched words in its text. Open one with `around=<id>` on its history route.',
        querystring: SearchQuery,
        response: { 200: SearchResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => {
      const user = request.session?.username;
      if (!user) throw errors.unauthorized();
      const scope = await scopeOf(user, request.query);
      const page = await repos.search.search(user, request.query.q, scope, request.query.before, request.query.limit ?? DEFAULT_LIMIT);
      if (!page) throw errors.messageNotFound();
      const results = page.found.map(({ message, matches }): SearchHit => {
        const conversation = message.group ? { group: message.group } : { peer: message.from === user ? message.to : message.from };
        return { message, conversation, matches };
      });
      return { results, nextBefore: page.nextBefore };
    },
  );
};

export default routes;
