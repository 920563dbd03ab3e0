// Production: `vite build` into web/dist, which the server serves from the same origin.
// Development: the dev server proxies the API, /send and the socket to the server (API_TARGET).
import react from '@vitejs/plugin-react';
import type { IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ProxyOptions } from 'vite';

const target = process.env.API_TARGET ?? 'http://127.0.0.1:3000';
const targetOrigin = new URL(target).origin;

/**
 * The server accepts only its own origin (ALLOWED_ORIGINS), and the dev server's pages are the
 * server's app under another address. So a request whose Origin is the dev server itself is
 * passed on with the server's origin; any other Origin (another site open in the browser) is
 * passed on unchanged, and the server refuses it as it would in production.
 */
function sameAppOrigin(proxyReq: { getHeader(name: string): unknown; setHeader(name: string, value: string): void }, req: IncomingMessage) {
  const origin = proxyReq.getHeader('origin');
  if (typeof origin === 'string' && req.headers.host && origin === `http://${req.headers.host}`) {
    proxyReq.setHeader('origin', targetOrigin);
  }
}

const toServer = (ws = false): ProxyOptions => ({
  target,
  ws,
  changeOrigin: false,
  configure: (proxy) => {
    proxy.on('proxyReq', sameAppOrigin);
    proxy.on('proxyReqWs', sameAppOrigin);
  },
});

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The contract and the client are read from source, so the app never depends on a fresh dist.
    alias: {
      '@messenger/protocol': fileURLToPath(new URL('../protocol/src/index.ts', import.meta.url)),
      '@messenger/client': fileURLToPath(new URL('../client/src/index.ts', import.meta.url)),
    },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/api': toServer(), '/send': toServer(), '/socket.io': toServer(true) },
  },
  // No source maps in production: they would publish the app's source to anyone who asks.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022' },
});
