// Message actions (issue 18): edit, delete for everyone or for me, react and unreact. Each answers
// 202 ChangeResponse once Kafka holds the change's records; the store and every screen follow
// from those records (message:update), never from this route.
import {
  ChangeResponse,
  DeleteMessageQuery,
  EditMessageBody,
  ErrorBody,
  IDEMPOTENCY_HEADER,
  MAX_DISTINCT_REACTIONS,
  MessageParams,
  ReactionParams,
} from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errors } from '../../errors.js';
import type { MessageAction } from '../../services/message-actions.service.js';
import { SendHeaders, SendResponses } from '../send-schema.js';

// Idempotency-Key as on the send routes. No X-Socket-Id: a change goes to every screen, the acting
// one included (applying it there again changes nothing).
const ActionHeaders = Type.Object({ [IDEMPOTENCY_HEADER]: SendHeaders.properties[IDEMPOTENCY_HEADER] });

// The send routes' answers, with a ChangeResponse for the 202 and the 403s only an action has.
const ChangeResponses = { ...SendResponses, 202: ChangeResponse, 403: ErrorBody };

const COMMON =
  'Answers 202 once Kafka holds the change (every member\'s record of it, in a group, in one transaction); the store and every screen apply it from there (`message:update`). The same Idempotency-Key with the same request gives the same change id. 404 message_not_found for a message you cannot see (not yours, not in a group you are still in, or deleted for you).';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { messageActionsService } = app;
  // Changes are produced like messages, so they share the send routes' budget per route.
  const config = { scope: 'send' as const, rateLimit: { max: app.config.limits.sendPerMinute, timeWindow: '1 minute' } };
  /** What every action route shares: its answers, headers, auth, limits and the one service call. */
  const action = { headers: ActionHeaders, response: ChangeResponses, tags: ['messages'] };
  const act = (request: { session: { username: string } | null; headers: { [IDEMPOTENCY_HEADER]?: string } }, id: string, change: MessageAction) => {
    if (!request.session) throw errors.unauthorized();
    return messageActionsService.act(request.session.username, id, change, request.headers[IDEMPOTENCY_HEADER]);
  };

  app.patch(
    '/api/messages/:id',
    {
      schema: {
        ...action,
        summary: 'Edit your message',
        description: `Only its author (403 not_message_author), within MESSAGE_EDIT_WINDOW_SECONDS of sending it (403 edit_window_closed), and not once deleted (409 message_deleted). ${COMMON}`,
        params: MessageParams,
        body: EditMessageBody,
      },
      preHandler: app.requireUser,
      config,
    },
    async (request, reply) => reply.code(202).send(await act(request, request.params.id, { kind: 'edit', text: request.body.text })),
  );

  app.delete(
    '/api/messages/:id',
    {
      schema: {
        ...action,
        summary: 'Delete a message for everyone (your own) or for yourself',
        description: `for=everyone: its text is gone from every view and from the store (the original record stays in Kafka until retention removes it); only its author, within the edit window, and not twice. for=me: gone from your own views only; anyone in the conversation may. ${COMMON}`,
        params: MessageParams,
        querystring: DeleteMessageQuery,
      },
      preHandler: app.requireUser,
      config,
    },
    async (request, reply) => reply.code(202).send(await act(request, request.params.id, request.query.for === 'everyone' ? { kind: 'delete' } : { kind: 'hide' })),
  );

  app.put(
    '/api/messages/:id/reactions/:emoji',
    {
      schema: {
        ...action,
        summary: 'React to a message with one emoji (percent-encoded in the path)',
        description: `Not a single emoji: 400 validation_failed. Reacting again with the same emoji changes nothing. At most ${MAX_DISTINCT_REACTIONS} different emoji per message (409 too_many_reactions); none on a deleted one (409 message_deleted). ${COMMON}`,
        params: ReactionParams,
      },
      preHandler: app.requireUser,
      config,
    },
    async (request, reply) => reply.code(202).send(await act(request, request.params.id, { kind: 'react', emoji: request.params.emoji })),
  );

  app.delete(
    '/api/messages/:id/reactions/:emoji',
    {
      schema: {
        ...action,
        summary: 'Take back your reaction',
        description: `Taking back a reaction you never gave changes nothing. ${COMMON}`,
        params: ReactionParams,
      },
      preHandler: app.requireUser,
      config,
    },
    async (request, reply) => reply.code(202).send(await act(request, request.params.id, { kind: 'unreact', emoji: request.params.emoji })),
  );
};

export default routes;
