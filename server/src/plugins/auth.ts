// Who is asking: a Bearer token or the web app's session cookie, resolved once per request.
// Routes that need a user add `preHandler: app.requireUser`. API tokens reach only routes that
// name the scope they need (`config: { scope: 'send' }`); every other route, token and bot
// management included, needs a signed-in session: deny by default.
import { ErrorBody, type ApiScope } from '@messenger/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errors } from '../errors.js';
import { readSessionCookie } from '../realtime/session-cookie.js';
import type { Session } from '../services/auth.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    session: Session | null;
    /** The raw token the request authenticated with; only logout needs it. */
    sessionToken: string | null;
  }
  interface FastifyContextConfig {
    /** The scope an API token needs here; 'any': every token may. Absent: signed-in sessions only. */
    scope?: ApiScope | 'any';
  }
  interface FastifyInstance {
    requireUser: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export default fp(
  async (app) => {
    const allowedOrigins = new Set(app.config.allowedOrigins);
    app.decorateRequest('session', null);
    app.decorateRequest('sessionToken', null);

    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization;
      let token: string | undefined;
      let viaCookie = false;
      if (header !== undefined) {
        const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/.exec(header);
        if (!match) return;
        token = match[1];
      } else {
        token = readSessionCookie(request.headers.cookie);
        viaCookie = true;
      }
      if (!token) return;
      // A cookie rides along on cross-site requests; a state change needs our own Origin too.
      if (viaCookie && !SAFE_METHODS.has(request.method)) {
        const origin = request.headers.origin;
        if (origin === undefined || !allowedOrigins.has(origin)) return;
      }
      request.session = await app.authService.authenticate(token);
      if (request.session) request.sessionToken = token;
    });

    // An API token reaches only routes that name its scope. Checked before the body is
    // validated, so a token learns nothing from a route it may not use; and every route that
    // authenticates documents the 403 once, here (OpenAPI and response serialisation).
    async function requireScope(request: FastifyRequest) {
      const session = request.session;
      if (!session || session.tokenId === null) return;
      const scope = request.routeOptions.config.scope;
      if (scope === undefined) throw errors.insufficientScope('This needs a signed-in session; API tokens cannot use it.');
      if (scope !== 'any' && !session.scopes.includes(scope)) {
        throw errors.insufficientScope(`This API token lacks the "${scope}" scope.`);
      }
    }
    app.addHook('onRoute', (route) => {
      const handlers = ([] as unknown[]).concat(route.preHandler ?? []);
      if (!handlers.includes(app.requireUser)) return;
      const existing = route.preValidation;
      route.preValidation = existing === undefined ? requireScope : [requireScope, ...(Array.isArray(existing) ? existing : [existing])];
      const response = route.schema?.response as Record<string, unknown> | undefined;
      if (response && response[403] === undefined) response[403] = ErrorBody;
    });

    app.decorate('requireUser', async (request: FastifyRequest) => {
      if (!request.session) throw errors.unauthorized();
    });
  },
  { name: 'auth-decorators', dependencies: ['core'] },
);
