// POST /send: the public API for scripts, bots and the web app. Answers 202 once Kafka holds it.
import { IDEMPOTENCY_HEADER, SendBody, SOCKET_ID_HEADER } from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../../errors.js';
import { SendHeaders, SendResponses } from '../send-schema.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/send',
    {
      schema: {
        tags: ['messages'],
        summary: 'Send a message; the sender is the authenticated user',
        description:
          'Produces one record keyed by the recipient to the messages topic (acks=all, idempotent producer) and answers 202 only after Kafka acknowledged it. The same Idempotency-Key from the same sender always yields the same message id. `replyTo`: a message of this conversation, quoted in the record (its first 200 characters); 404 message_not_found if it is not one you can see here, 409 message_deleted if it was deleted.',
        body: SendBody,
        headers: SendHeaders,
        response: SendResponses,
      },
      preHandler: app.requireUser,
      config: { scope: 'send', rateLimit: { max: app.config.limits.sendPerMinute, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const from = request.session?.username;
      if (!from) throw errors.unauthorized();
      const result = await app.sendService.send(
        from,
        request.body.to,
        request.body.text,
        request.headers[IDEMPOTENCY_HEADER],
        request.headers[SOCKET_ID_HEADER],
        request.body.replyTo,
      );
      return reply.code(202).send(result);
    },
  );
};

export default routes;
