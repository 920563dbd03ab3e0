// Security headers, the CORS allowlist, cookies and rate limiting.
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import type { Config } from '../config.js';

// One year, the minimum the preload list asks for; subdomains are not ours to decide, so they
// are not included.
const HSTS = 'max-age=31536000';

export default fp(
  async (app, opts: { config: Config }) => {
    const { config } = opts;
    // helmet's middleware, built once. @fastify/helmet built it again on every request (parsing
    // the CSP directives each time): ~2.5 % of the server's CPU at 2,000 POST /send a second.
    // The headers are the same for every response (no CSP nonces).
    const securityHeaders = helmet({
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
    // helmet 8 throws rather than passing an error on; it never does for fixed options.
    app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, () => done()));
    app.addHook('onSend', async (request, reply) => {
      if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    });
    // Never a reflected origin: only the configured list, with credentials.
    await app.register(cors, {
      origin: config.allowedOrigins,
      credentials: true,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Socket-Id'],
      maxAge: 600,
    });
    await app.register(cookie);
    await app.register(rateLimit, {
      global: true,
      max: config.limits.apiPerMinute,
      timeWindow: '1 minute',
      // Per user when authenticated (set by the auth hook), else per address.
      keyGenerator: (request) => (request.session ? `user:${request.session.username}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        error: { code: 'rate_limited', message: `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s.` },
      }),
    });
  },
  { name: 'security', dependencies: ['auth-decorators'] },
);
