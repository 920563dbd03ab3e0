// The steps `npm start` and `npm run cluster` share: build what is stale, and give the app a
// database (the Postgres in DATABASE_URL, or a local one with its data kept in the data dir).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDatabase, startPostgres } from './postgres-local.mjs';
import { PrereqError } from './prereqs.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Newest modification time under `dir` (skipping dependencies and build output). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new PrereqError(`${what} failed (exit ${result.status ?? result.signal}); see the output above.`);
}

/** Builds the server (incrementally: a no-op when nothing changed) and the web app when stale. */
export function buildApp({ log = () => {} } = {}) {
  if (!fs.existsSync(path.join(ROOT, 'node_modules'))) {
    throw new PrereqError('dependencies are not installed: run `npm ci` first.');
  }
  run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b'], 'Building the server (tsc -b)');
  const webIndex = path.join(ROOT, 'web/dist/index.html');
  const webSources = Math.max(newestMtime(path.join(ROOT, 'web')), newestMtime(path.join(ROOT, 'protocol/src')));
  if (!fs.existsSync(webIndex) || fs.statSync(webIndex).mtimeMs < webSources) {
    log('Building the web app (vite build)...');
    run('npm', ['run', '--silent', 'build', '-w', 'web'], 'Building the web app');
  }
}

/**
 * The app's Postgres: the one DATABASE_URL names, or a local one with the database `messenger`
 * in it, whose cluster and password are kept in `stateDir` across runs (a throwaway cluster,
 * removed on stop, without it). Resolves to `{ databaseUrl, postgres }`; `postgres` (undefined
 * when DATABASE_URL was used) must be stopped by the caller. The URL holds a password: log
 * `postgres.safeUrl`, never it.
 */
export async function appPostgres({ stateDir, port = Number(process.env.POSTGRES_PORT ?? 0), log = () => {} }) {
  const given = process.env.DATABASE_URL;
  if (given?.startsWith('postgres')) {
    log('Using the Postgres in DATABASE_URL.');
    return { databaseUrl: given, postgres: undefined };
  }
  log('Starting a local Postgres...');
  const postgres = await startPostgres({ stateDir, port, log });
  try {
    await ensureDatabase(postgres.url('postgres'), 'messenger');
  } catch (error) {
    await postgres.stop();
    throw error;
  }
  log(`Postgres ${postgres.version} is ready at ${postgres.safeUrl('messenger')}${stateDir ? ` (password in ${path.join(stateDir, 'superuser-password')})` : ''}.`);
  return { databaseUrl: postgres.url('messenger'), postgres };
}
