// Security headers, the CORS allowlist, cookies and rate limiting.
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import type { Config } from '../config.js';

// One year, the minimum the preload list asks for; subdomains are not ours to decide, so they
// are not included.
const HSTS = 'max-age=31536000';

export default fp(
  async (app, opts: { config: Config }) => {
    const { config } = opts;
    // helmet's headers, computed once: they are the same for every response (no CSP nonces).
    // @fastify/helmet rebuilt helmet, CSP parsing included, on every request (~2.5 % of the
    // server's CPU at 2,000 POST /send a second); running the built middleware per request still
    // cost ~11 µs (eleven middlewares, each a raw setHeader with its own validation), where
    // adding a fixed set to fastify's reply headers is one object merge (issue 15).
    const securityHeaders = helmetHeaders({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          connectSrc: ["'self'", 'ws:', 'wss:'],
          imgSrc: ["'self'", 'data:'],
          // The OpenAPI UI at /docs needs inline styles; the app itself does not use inline scripts.
          styleSrc: ["'self'", "'unsafe-inline'"],
          scriptSrc: ["'self'"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: null,
        },
      },
      // Same-origin app; cross-origin isolation headers would only break the OpenAPI UI.
      crossOriginEmbedderPolicy: false,
      // Sent below, and only over https: HSTS on a plain-http answer is ignored by browsers and
      // would only mislead (RFC 6797 §7.2).
      hsts: false,
    });
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(securityHeaders);
      done();
    });
    app.addHook('onSend', async (request, reply) => {
      if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    });
    // Never a reflected origin: only the configured list, with credentials.
    await app.register(cors, {
      origin: config.allowedOrigins,
      credentials: true,
      // Every method a route uses: revoking a token, deleting a bot and the group routes
      // (PATCH, PUT, DELETE) from another allowed origin would otherwise fail the preflight.
      methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Socket-Id'],
      maxAge: 600,
    });
    await app.register(cookie);
    await app.register(rateLimit, {
      global: true,
      // RateLimit-Limit, -Remaining and -Reset (IETF draft-ietf-httpapi-ratelimit-headers) on
      // every answer, refusals included, and Retry-After on a 429.
      enableDraftSpec: true,
      max: config.limits.apiPerMinute,
      timeWindow: '1 minute',
      // Per API token, per user for signed-in sessions (set by the auth hook), else per address:
      // a runaway bot spends its own token's budget, not its owner's.
      keyGenerator: (request) => {
        const session = request.session;
        if (!session) return `ip:${request.ip}`;
        return session.tokenId === null ? `user:${session.username}` : `token:${session.tokenId}`;
      },
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        error: { code: 'rate_limited', message: `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s.` },
      }),
    });
  },
  { name: 'security', dependencies: ['auth-decorators'] },
);

/**
 * The headers helmet sets for `options`, read once by running its middleware against a recording
 * response. helmet only sets (and removes X-Powered-By, which fastify never sends); anything
 * else, or an error, means helmet changed and the recording would be wrong: fail at startup.
 */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  let failure: unknown;
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader() {},
  };
  helmet(options)({} as never, recorder as never, (error?: unknown) => {
    failure = error ?? failure;
  });
  if (failure !== undefined || Object.keys(headers).length === 0) throw new Error('helmet did not produce its headers synchronously', { cause: failure });
  return headers;
}
