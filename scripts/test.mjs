#!/usr/bin/env node
// `npm test`: every check, in order, against one real Kafka broker shared by all test suites.
//   build → typecheck → lint → one broker → unit + integration per workspace → e2e → compose file
// The server suite runs twice: on the embedded SQLite, then on a real local Postgres started
// once for the run (scripts/lib/postgres-local.mjs).
// Options: --only <step,...> runs some steps (names below); --keep-going runs all even after a
// failure (the default in CI, so one report shows everything). The exit code tells.
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startKafka } from './lib/kafka-local.mjs';
import { startPostgres } from './lib/postgres-local.mjs';
import { checkJava, checkNode, runMain } from './lib/prereqs.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** @typedef {{ name: string, needsKafka?: boolean, needsPostgres?: boolean, run: (env: NodeJS.ProcessEnv) => Promise<'passed' | 'failed' | string> }} Step */

function sh(command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.once('error', (error) => {
      console.error(`[test] could not run ${command}: ${error.message}`);
      resolve('failed');
    });
    child.once('exit', (code, signal) => resolve(code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`));
  });
}

const npm = (args) => (env) => sh('npm', args, env);
const workspaceTest = (workspace) => npm(['run', 'test', '-w', workspace]);

// Files that test Kafka or the build, not the store: the SQLite run already covers them, and
// running them twice would cost minutes of the CI budget for nothing new.
const SQLITE_ONLY = [
  '**/kafka-security.test.ts',
  '**/kafka-compat.test.ts',
  '**/web-build.test.ts',
  '**/scripts.test.ts',
  '**/cluster-command.test.ts',
  '**/reliability/broker-kill.test.ts',
  '**/reliability/cluster.test.ts',
  '**/reliability/late-kafka.test.ts',
];

/** @type {Step[]} */
const STEPS = [
  { name: 'build', run: npm(['run', 'build']) },
  { name: 'typecheck', run: npm(['run', 'typecheck']) },
  { name: 'lint', run: npm(['run', 'lint']) },
  { name: 'protocol', run: workspaceTest('protocol') },
  { name: 'client', needsKafka: true, run: workspaceTest('client') },
  { name: 'server', needsKafka: true, run: workspaceTest('server') },
  // The same suite on Postgres (TEST_DB, see scripts/lib/vitest-postgres-setup.mjs).
  {
    name: 'server-postgres',
    needsKafka: true,
    needsPostgres: true,
    run: (env) => npm(['run', 'test', '-w', 'server', '--', ...SQLITE_ONLY.flatMap((f) => ['--exclude', f])])({ ...env, TEST_DB: 'postgres' }),
  },
  { name: 'web', run: workspaceTest('web') },
  { name: 'desktop-notifier', needsKafka: true, run: workspaceTest('desktop-notifier') },
  { name: 'bench', needsKafka: true, run: workspaceTest('bench') },
  { name: 'e2e', needsKafka: true, run: workspaceTest('e2e') },
  {
    name: 'compose',
    run: async (env) => {
      // docker-compose.yml is for people with Docker; here only its syntax can be checked.
      const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
      if (probe.error || probe.status !== 0) {
        if (env.CI) return 'failed (docker CLI with the compose plugin is not installed)';
        return 'skipped (no docker CLI with compose: install it to check docker-compose.yml)';
      }
      // Both the default stack and the `cluster` profile (which adds services) must parse.
      const plain = await sh('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], env);
      if (plain !== 'passed') return plain;
      return sh('docker', ['compose', '-f', 'docker-compose.yml', '--profile', 'cluster', 'config', '-q'], env);
    },
  },
];

await runMain(async () => {
  checkNode();
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'keep-going': { type: 'boolean', default: Boolean(process.env.CI) },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`Usage: npm test [-- --only <step,...>] [-- --keep-going]

Runs every check against one local Kafka broker it starts (or KAFKA_BROKERS when set); the
server suite runs on SQLite, then on a local Postgres it starts (or TEST_POSTGRES_URL when set).
Steps, in order: ${STEPS.map((s) => s.name).join(', ')}.
--keep-going runs all steps after a failure (the default when CI is set).`);
    return;
  }
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((name) => !STEPS.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0) {
    console.error(`error: unknown step ${unknown.join(', ')}; steps are ${STEPS.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  const steps = STEPS.filter((s) => !only || only.includes(s.name));

  const env = { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' };
  let kafka;
  if (steps.some((s) => s.needsKafka) && !env.KAFKA_BROKERS) {
    checkJava();
    const kafkaStarted = Date.now();
    kafka = await startKafka({ brokers: 1, port: 0, log: (line) => console.log(`[test] ${line}`) });
    env.KAFKA_BROKERS = kafka.bootstrap;
    console.log(`[test] Kafka ${kafka.version} ready at ${kafka.bootstrap} in ${((Date.now() - kafkaStarted) / 1000).toFixed(1)} s; shared by every suite.`);
  }
  let postgres;
  if (steps.some((s) => s.needsPostgres) && !env.TEST_POSTGRES_URL) {
    const postgresStarted = Date.now();
    postgres = await startPostgres({ maxConnections: 400, log: (line) => console.log(`[test] ${line}`) });
    env.TEST_POSTGRES_URL = postgres.url('postgres');
    console.log(`[test] Postgres ${postgres.version} ready at 127.0.0.1:${postgres.port} in ${((Date.now() - postgresStarted) / 1000).toFixed(1)} s.`);
  }
  const stopKafka = async () => {
    if (postgres) await postgres.stop();
    postgres = undefined;
    if (kafka) await kafka.stop();
    kafka = undefined;
  };
  process.on('SIGINT', () => void stopKafka().then(() => process.exit(130)));
  process.on('SIGTERM', () => void stopKafka().then(() => process.exit(143)));

  const results = [];
  for (const step of steps) {
    console.log(`\n[test] ── ${step.name} ${'─'.repeat(Math.max(0, 60 - step.name.length))}`);
    const stepStarted = Date.now();
    const status = await step.run(env);
    results.push({ name: step.name, status, seconds: (Date.now() - stepStarted) / 1000 });
    if (status.startsWith('failed') && !values['keep-going']) break;
  }
  await stopKafka();

  console.log('\n[test] Summary');
  for (const r of results) console.log(`[test]   ${r.name.padEnd(18)} ${r.status.padEnd(50)} ${r.seconds.toFixed(1)} s`);
  for (const s of steps.filter((s) => !results.some((r) => r.name === s.name))) console.log(`[test]   ${s.name.padEnd(18)} not run (an earlier step failed)`);
  const passed = results.filter((r) => r.status === 'passed').length;
  const failed = results.filter((r) => r.status.startsWith('failed')).length;
  const skipped = results.filter((r) => r.status.startsWith('skipped')).length;
  const notRun = steps.length - results.length;
  console.log(`[test] ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${notRun ? `, ${notRun} not run` : ''}`);
  process.exit(failed > 0 || notRun > 0 ? 1 : 0);
});
