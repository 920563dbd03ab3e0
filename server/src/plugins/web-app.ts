// Serves the built web app from the same origin, with index.html for client-side routes.
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { existsSync } from 'node:fs';
import path from 'node:path';

export default fp(
  async (app) => {
    const root = app.config.webDist;
    const index = path.join(root, 'index.html');
    if (!existsSync(index)) {
      app.log.warn({ webDist: root }, 'web app not built: run `npm run build -w web`; serving the API only');
      app.get('/', { schema: { hide: true } }, async (_request, reply) =>
        reply.type('text/plain').send('The web app is not built. Run: npm run build -w web'),
      );
      return;
    }
    // The build makes no source maps (web/vite.config.ts); one left in an old dist is not served either.
    await app.register(fastifyStatic, {
      root,
      wildcard: false,
      index: ['index.html'],
      allowedPath: (pathName) => !pathName.endsWith('.map'),
    });
    // Client-side routes such as /c/alice, /g/<group id> and /settings get the app shell; API paths keep
    // their JSON 404s.
    app.get('/c/*', { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html'));
    app.get('/g/*', { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html'));
    app.get('/signin', { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html'));
    app.get('/signup', { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html'));
    app.get('/settings', { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html'));
  },
  { name: 'web-app', dependencies: ['core'] },
);
