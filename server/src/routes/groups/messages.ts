// A group's messages: send (202 once every member's copy is in Kafka), history, read marks and
// receipts. Every route answers 404 group_not_found to anyone who is not a member now.
import {
  ErrorBody,
  GroupMessageParams,
  GroupParams,
  GroupReadResponse,
  GroupReceipts,
  GroupSendBody,
  IDEMPOTENCY_HEADER,
  SOCKET_ID_HEADER,
  MessagesPage,
  MessagesQuery,
  ReadBody,
} from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../../errors.js';
import { DEFAULT_PAGE_LIMIT, windowCursor } from '../history-cursor.js';
import { SendHeaders, SendResponses } from '../send-schema.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos, readService, sendService } = app;

  function me(session: { username: string } | null): string {
    if (!session) throw errors.unauthorized();
    return session.username;
  }

  /** The group id, once `user` is a member; 404 alike for a malformed id, no such group, or not a member. */
  async function membership(raw: string, user: string): Promise<string> {
    if (!UUID.test(raw) || !(await repos.groups.roleOf(raw, user))) throw errors.groupNotFound();
    return raw;
  }

  app.post(
    '/api/groups/:id/messages',
    {
      schema: {
        tags: ['groups'],
        summary: 'Send a message to a group you are a member of',
        description:
          'Produces one record per member (the sender included), each keyed by that member, in one Kafka transaction (acks=all), and answers 202 only once the transaction committed: every member gets the message or none does. The same Idempotency-Key from the same sender always yields the same message id. partition/offset are those of the sender\'s own copy. `replyTo`: a message of this group, quoted as on POST /send.',
        params: GroupParams,
        body: GroupSendBody,
        headers: SendHeaders,
        response: SendResponses,
      },
      preHandler: app.requireUser,
      config: { scope: 'send', rateLimit: { max: app.config.limits.sendPerMinute, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const user = me(request.session);
      if (!UUID.test(request.params.id)) throw errors.groupNotFound();
      const result = await sendService.sendToGroup(
        user,
        request.params.id,
        request.body.text,
        request.headers[IDEMPOTENCY_HEADER],
        request.headers[SOCKET_ID_HEADER],
        request.body.replyTo,
      );
      return reply.code(202).send(result);
    },
  );

  app.get(
    '/api/groups/:id/messages',
    {
      schema: {
        tags: ['groups'],
        summary: 'One page of a group, newest first: the messages you got as a member',
        description: 'Cursors as for a conversation: `before`, `after` or `around` (one at most).',
        params: GroupParams,
        querystring: MessagesQuery,
        response: { 200: MessagesPage, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => {
      const user = me(request.session);
      const group = await membership(request.params.id, user);
      const limit = request.query.limit ?? DEFAULT_PAGE_LIMIT;
      const cursor = windowCursor(request.query);
      const page = cursor ? await repos.historyWindow.group(user, group, cursor, limit) : await repos.groupMessages.groupPage(user, group, request.query.before, limit);
      if (!page) throw errors.messageNotFound();
      return page;
    },
  );

  app.post(
    '/api/groups/:id/read',
    {
      schema: {
        tags: ['groups'],
        summary: 'Mark the group read up to a message; senders see it live',
        params: GroupParams,
        body: ReadBody,
        response: { 200: GroupReadResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => {
      const user = me(request.session);
      const group = await membership(request.params.id, user);
      const read = await readService.markGroupRead(user, group, request.body.upTo);
      if (!read) throw errors.messageNotFound();
      return { group, upTo: request.body.upTo, readAt: read.readAt };
    },
  );

  app.get(
    '/api/groups/:id/messages/:messageId/receipts',
    {
      schema: {
        tags: ['groups'],
        summary: 'Who got and who read one of your messages in a group',
        description: 'Only for the message\'s sender. `of` counts the members who got a copy, the sender aside.',
        params: GroupMessageParams,
        response: { 200: GroupReceipts, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => {
      const user = me(request.session);
      const group = await membership(request.params.id, user);
      const copies = await repos.groupMessages.groupCopies(group, request.params.messageId);
      if (!copies || copies[0]?.sender !== user) throw errors.messageNotFound();
      const others = copies.filter((c) => c.recipient !== user);
      return {
        id: request.params.messageId,
        of: others.length,
        delivered: others.filter((c) => c.delivered_at !== null).map((c) => c.recipient).sort(),
        read: others.filter((c) => c.read_at !== null).map((c) => c.recipient).sort(),
      };
    },
  );
};

export default routes;
