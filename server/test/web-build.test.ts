// The production web build publishes no source (issue 12, item 8): `vite build` writes no .map
// files and no sourceMappingURL comments, and the server serves no .map even if one is left in
// WEB_DIST. The Vite dev server still reaches a server that allows only its own origin.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, register, removeDir, startApp, type TestApp } from './helpers/app.js';
import { freePort } from './helpers/process.js';

const WEB = fileURLToPath(new URL('../../web', import.meta.url));
const VITE = fileURLToPath(new URL('../../node_modules/.bin/vite', import.meta.url));

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('the production web build', () => {
  it('has no source maps, and the server serves none', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'web-dist-'));
    cleanup.push(() => removeDir(outDir));
    const build = spawnSync(VITE, ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: WEB,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);

    const files = filesUnder(outDir);
    const assets = files.filter((f) => /\.(js|css)$/.test(f));
    expect(assets.length).toBeGreaterThan(0);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    for (const f of assets) expect(readFileSync(f, 'utf8'), f).not.toMatch(/sourceMappingURL/);

    // A map left behind by an older build is not served either.
    const script = assets.find((f) => f.endsWith('.js')) ?? '';
    writeFileSync(`${script}.map`, '{"version":3,"sources":["src/secret.ts"]}');
    const t = await startApp({ WEB_DIST: outDir });
    cleanup.push(() => t.close());
    const url = `/${path.relative(outDir, script).split(path.sep).join('/')}`;
    const served = await t.app.inject({ method: 'GET', url });
    expect(served.statusCode).toBe(200);
    expect(served.body).not.toMatch(/sourceMappingURL/);
    expect(served.headers.sourcemap).toBeUndefined();
    expect((await t.app.inject({ method: 'GET', url: `${url}.map` })).statusCode).toBe(404);
  }, 300_000);
});

describe('the Vite dev server', () => {
  it('reaches a server with the default origins, and a foreign page still cannot', async () => {
    const port = await freePort();
    const t: TestApp = await startApp({ PORT: String(port) });
    cleanup.push(() => t.close());
    const bob = await register(t);

    // vite.config.ts reads API_TARGET when it loads, as `API_TARGET=... npm run dev -w web` would.
    process.env.API_TARGET = t.url;
    const { createServer } = await import('vite');
    const vite = await createServer({ root: WEB, configFile: path.join(WEB, 'vite.config.ts'), logLevel: 'silent', server: { port: 0, strictPort: false } });
    cleanup.push(() => vite.close());
    await vite.listen();
    const address = vite.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('vite is not listening');
    const dev = `http://127.0.0.1:${address.port}`;

    const viaDev = { ...t, url: dev };
    (await connect(viaDev, bob.token, { origin: dev })).close();
    await expect(connect(viaDev, bob.token, { origin: 'https://evil.example' })).rejects.toThrow();
  }, 120_000);
});
