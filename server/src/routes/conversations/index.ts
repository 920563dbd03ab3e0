// Conversations, history pages, read receipts and the owner's own settings (mute, pin, archive, unread mark).
import {
  ConversationSettingsBody,
  ConversationUpdate,
  ConversationsResponse,
  ErrorBody,
  MAX_PINNED_CONVERSATIONS,
  MessagesPage,
  MessagesQuery,
  MuteBody,
  PeerParams,
  ReadBody,
  ReadResponse,
  isValidUsername,
  normalizeUsername,
} from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../../errors.js';
import { DEFAULT_PAGE_LIMIT, windowCursor } from '../history-cursor.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos, realtime, readService, conversationsService } = app;

  function me(session: { username: string } | null): string {
    if (!session) throw errors.unauthorized();
    return session.username;
  }

  async function peerOf(raw: string): Promise<string> {
    const peer = normalizeUsername(raw);
    if (!isValidUsername(peer) || !(await repos.users.exists(peer))) throw errors.notFound(`No user named "${peer}".`);
    return peer;
  }

  app.get(
    '/api/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Your conversations, most recent first, with unread counts',
        response: { 200: ConversationsResponse, 401: ErrorBody },
      },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => {
      const rows = await conversationsService.list(me(request.session), 200);
      const online = await realtime.onlineAmong(rows.map((c) => c.peer));
      const bots = await repos.integrations.botsAmong(rows.map((c) => c.peer));
      const listed = await app.profilesService.withProfiles(rows, 'peer');
      return { conversations: listed.map((c) => ({ ...c, online: online.has(c.peer), ...(bots.has(c.peer) ? { bot: true as const } : {}) })) };
    },
  );

  app.get(
    '/api/conversations/:peer/messages',
    {
      schema: {
        tags: ['conversations'],
        summary: 'One page of a conversation, newest first',
        description:
          'Without a cursor: the newest messages. `before`: older than that message. `after`: newer than it. `around`: that message and those around it, to open the conversation at a search result; `after` and `around` pages also carry `nextAfter`.',
        params: PeerParams,
        querystring: MessagesQuery,
        response: { 200: MessagesPage, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => {
      const user = me(request.session);
      const peer = await peerOf(request.params.peer);
      const limit = request.query.limit ?? DEFAULT_PAGE_LIMIT;
      const cursor = windowCursor(request.query);
      const page = cursor ? await repos.historyWindow.conversation(user, peer, cursor, limit) : await repos.messages.page(user, peer, request.query.before, limit);
      if (!page) throw errors.messageNotFound();
      return page;
    },
  );

  app.post(
    '/api/conversations/:peer/read',
    {
      schema: {
        tags: ['conversations'],
        summary: "Mark the peer's messages read up to a message; the peer sees it live",
        params: PeerParams,
        body: ReadBody,
        response: { 200: ReadResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => {
      const user = me(request.session);
      const peer = await peerOf(request.params.peer);
      // The sender sees "read"; the reader's other screens clear their unread badge.
      const read = await readService.markRead(user, peer, request.body.upTo);
      if (!read) throw errors.messageNotFound();
      return { peer, upTo: request.body.upTo, readAt: read.readAt };
    },
  );

  // Session only, like a group's mute: a setting of the account, which no API token scope
  // (send, read, receive) names. Tokens still read it in GET /api/conversations.
  app.put(
    '/api/conversations/:peer/mute',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Mute or unmute a 1:1 conversation for yourself, on every screen and agent',
        params: PeerParams,
        body: MuteBody,
        response: { 200: ConversationUpdate, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request) => {
      const user = me(request.session);
      const peer = await peerOf(request.params.peer);
      return conversationsService.update(user, peer, { muted: request.body.muted });
    },
  );

  // Every setting in one route: a menu that pins and marks read at once is one request, and
  // one update to the other screens. Session only, like mute.
  app.patch(
    '/api/conversations/:peer/settings',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Pin, archive, mark as unread or mute a 1:1 conversation for yourself, on every screen',
        description:
          `Changes only the settings the body names. At most ${MAX_PINNED_CONVERSATIONS} pinned conversations (1:1 and groups together). An archived conversation comes back with a new message unless it is muted.`,
        params: PeerParams,
        body: ConversationSettingsBody,
        response: { 200: ConversationUpdate, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request) => conversationsService.update(me(request.session), await peerOf(request.params.peer), request.body),
  );
};

export default routes;
