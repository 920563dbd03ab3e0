// Production: `vite build` into web/dist, which the server serves from the same origin.
// Development: the dev server proxies the API, /send and the socket to the server (API_TARGET).
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const target = process.env.API_TARGET ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The contract is read from source, so the app never depends on protocol/dist being fresh.
    alias: { '@messenger/protocol': fileURLToPath(new URL('../protocol/src/index.ts', import.meta.url)) },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target, changeOrigin: false },
      '/send': { target, changeOrigin: false },
      '/socket.io': { target, ws: true, changeOrigin: false },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
});
