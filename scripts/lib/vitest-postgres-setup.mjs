// Vitest globalSetup: which store the server suite runs against. TEST_DB=sqlite (the default)
// needs nothing. TEST_DB=postgres starts one throwaway local Postgres for the run (or uses the
// cluster in TEST_POSTGRES_URL, which `npm test` passes in); every test app then gets a database
// of its own in it (server/test/helpers/database.ts), so parallel test files never meet.
import { startPostgres } from './postgres-local.mjs';

/** @param {import('vitest/node').TestProject} project */
export default async function setup(project) {
  const db = process.env.TEST_DB || 'sqlite';
  if (db !== 'sqlite' && db !== 'postgres') throw new Error(`TEST_DB must be sqlite or postgres, not ${db}`);
  project.provide('testDb', db);
  if (db === 'sqlite') {
    project.provide('postgresAdminUrl', '');
    return undefined;
  }
  if (process.env.TEST_POSTGRES_URL) {
    project.provide('postgresAdminUrl', process.env.TEST_POSTGRES_URL);
    return undefined;
  }
  const postgres = await startPostgres({ maxConnections: 400 });
  project.provide('postgresAdminUrl', postgres.url('postgres'));
  return async () => {
    await postgres.stop();
  };
}
