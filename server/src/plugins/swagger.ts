// The OpenAPI document, generated from the route schemas, and its UI at /docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'Kafka Messenger API',
          version: '1',
          description: 'Send messages with POST /send; read history and conversations under /api. See docs/api.md.',
        },
        components: {
          securitySchemes: {
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description:
                'A session token from /api/auth/login (every scope), or an API token (msk_…, from POST /api/tokens) with the scopes it was given: send, read, receive. Routes an API token may not use answer 403 insufficient_scope.',
            },
            cookie: { type: 'apiKey', in: 'cookie', name: 'session' },
          },
        },
        security: [{ bearer: [] }, { cookie: [] }],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  },
  { name: 'swagger' },
);
