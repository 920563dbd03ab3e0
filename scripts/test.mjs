#!/usr/bin/env node
// `npm test`: every check, in order, against one real Kafka broker shared by all test suites.
//   build → typecheck → lint → one broker → unit + integration per workspace → e2e → compose file
// Options: --only <step,...> runs some steps (names below); --keep-going runs all even after a
// failure (the default in CI, so one report shows everything). The exit code tells.
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startKafka } from './lib/kafka-local.mjs';
import { checkJava, checkNode, runMain } from './lib/prereqs.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** @typedef {{ name: string, needsKafka?: boolean, run: (env: NodeJS.ProcessEnv) => Promise<'passed' | 'failed' | string> }} Step */

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

/** @type {Step[]} */
const STEPS = [
  { name: 'build', run: npm(['run', 'build']) },
  { name: 'typecheck', run: npm(['run', 'typecheck']) },
  { name: 'lint', run: npm(['run', 'lint']) },
  { name: 'protocol', run: workspaceTest('protocol') },
  { name: 'server', needsKafka: true, run: workspaceTest('server') },
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
      return sh('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], env);
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

Runs every check against one local Kafka broker it starts (or KAFKA_BROKERS when set).
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
  const stopKafka = async () => {
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
