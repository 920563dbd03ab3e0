// npm run bench [-- --quick] [--scenario steady|ramp|connections|fanin|catchup|groups|scale] [--server URL]
//   [--floor-client kafkajs|platformatic|both] [--profile] [--out DIR]. Starts Kafka and the server (or uses KAFKA_BROKERS / --server),
// runs the scenarios, writes bench/results/<stamp>.{json,md,html} and prints the summary.
// `scale` runs only when named: it starts its own Postgres and 1, 2, 3 server instances.
// `--compare <rev>` runs steady on this checkout and on another revision, alternating (compare.ts).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, SERVER_ENTRY, externalServer, startKafka, startServer, type KafkaHandle, type ServerHandle } from './env.js';
import { evaluateTargets, html, markdown, type Results } from './report.js';
import { checkGroupsSettings, groups } from './groups.js';
import { checkScaleSettings, scale, stopScaleProcesses } from './scale.js';
import { compare, MAX_COMPARE_ROUNDS } from './compare.js';
import { FLOOR_CLIENTS } from './floor-clients.js';
import { catchUp, connections, fanIn, ramp, settingsFor, steady, type Context } from './scenarios.js';

const SCENARIOS = ['steady', 'ramp', 'connections', 'fanin', 'catchup', 'groups', 'scale'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** What runs without --scenario: everything but `scale`, which needs Postgres and owns its servers. */
const DEFAULT_SCENARIOS: Scenario[] = ['steady', 'ramp', 'connections', 'fanin', 'catchup', 'groups'];

function usage(): never {
  console.log(`usage: npm run bench -- [--quick] [--scenario ${SCENARIOS.join('|')}]... [--server http://127.0.0.1:PORT] [--profile] [--out DIR]
  --quick        scaled down to about 2 minutes
  --scenario     run only these (repeatable, or comma-separated)
  --server URL   use a running server (loopback only); needs KAFKA_BROKERS for the floor
  --metrics-token T  that server's METRICS_TOKEN, for the figures read from its /metrics
  --profile      run the server under node --cpu-prof (profile written to the results dir; not for scale)
  --scale-instances 1,2,3   instance counts of the scale scenario (default 1,2,3)
  --scale-rate N            its offered msg/s, the same at every count (default 1000; quick 500)
  --scale-duration S        its seconds per count, warm-up included (default 33; quick 10)
  --scale-users N           its users online and sending (default 300; quick 100)
  --groups-users N          users of the groups scenario, one socket each (default 1000; quick 300)
  --groups-sizes 10,100,1000  members per group, one phase each (default 10,100,1000; quick 10,100,300)
  --groups-rate N           copies/s offered at every size, R = N ÷ members; also the 1:1 baseline's msg/s (default 1000; quick 500)
  --groups-duration S       seconds per phase, warm-up included (default 30; quick 10)
  --steady-rate N           steady's offered msg/s (default 2000)
  --steady-duration S       steady's seconds, warm-up included (default 60; quick 10)
  --steady-users N          steady's users online and sending (default 1000; quick 200)
  --floor-client C          Kafka client(s) of steady's floor: kafkajs, platformatic (@platformatic/kafka)
                            or both, one after the other (default both)
  --compare REV  steady on this working tree (A) and on git revision REV (B, built in a temporary
                 directory with this checkout's node_modules), alternating A, B, A, B; ratios B/A.
                 Quick settings unless --full; only the steady scenario
  --rounds N     rounds of the comparison (default 2, at most ${MAX_COMPARE_ROUNDS})
  --full         with --compare: the full steady settings (1,000 users, 2,000/s, 60 s)
  KAFKA_BROKERS  use a running Kafka instead of starting one`);
  process.exit(0);
}

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true },
      server: { type: 'string' },
      'metrics-token': { type: 'string' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
      'scale-instances': { type: 'string' },
      'scale-rate': { type: 'string' },
      'scale-duration': { type: 'string' },
      'scale-users': { type: 'string' },
      'groups-users': { type: 'string' },
      'groups-sizes': { type: 'string' },
      'groups-rate': { type: 'string' },
      'groups-duration': { type: 'string' },
      'steady-rate': { type: 'string' },
      'steady-duration': { type: 'string' },
      'steady-users': { type: 'string' },
      'floor-client': { type: 'string' },
      compare: { type: 'string' },
      rounds: { type: 'string' },
      full: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) usage();
  if (!values.server && !existsSync(SERVER_ENTRY)) {
    console.error(`bench: ${path.relative(process.cwd(), SERVER_ENTRY)} is missing: run npm run build first`);
    process.exit(1);
  }
  const chosen = (values.scenario ?? []).flatMap((s) => s.split(',')).map((s) => s.trim().toLowerCase().replace('-', ''));
  for (const s of chosen) {
    if (!SCENARIOS.includes(s as Scenario)) {
      console.error(`bench: unknown scenario "${s}" (one of ${SCENARIOS.join(', ')})`);
      process.exit(1);
    }
  }
  const comparing = values.compare !== undefined;
  const rounds = Number(values.rounds ?? 2);
  if (comparing) {
    const problems: string[] = [];
    if (chosen.some((x) => x !== 'steady')) problems.push('--compare runs the steady scenario only');
    if (values.server) problems.push('--compare starts both servers itself; it cannot use --server');
    if (values.profile) problems.push('--compare does not profile (profile one build with --profile instead)');
    if (!values.compare?.trim() || values.compare.startsWith('-')) problems.push('--compare needs a git revision');
    if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= MAX_COMPARE_ROUNDS)) problems.push(`--rounds must be 1 to ${MAX_COMPARE_ROUNDS}`);
    if (values.quick && values.full) problems.push('--quick and --full exclude each other');
    if (problems.length) {
      console.error(`bench: ${problems.join('; ')}`);
      process.exit(1);
    }
  } else if (values.rounds !== undefined || values.full) {
    console.error('bench: --rounds and --full go with --compare');
    process.exit(1);
  }
  const run = new Set<Scenario>(comparing ? [] : chosen.length ? (chosen as Scenario[]) : DEFAULT_SCENARIOS);
  // A comparison is quick unless asked otherwise: it runs the scenario 2 × rounds times.
  const quick = comparing ? !values.full : values.quick;
  const settings = settingsFor(quick);
  if (values['steady-rate'] !== undefined) settings.steady.rate = Number(values['steady-rate']);
  if (values['steady-duration'] !== undefined) settings.steady.durationS = Number(values['steady-duration']);
  if (values['steady-users'] !== undefined) settings.steady.users = Number(values['steady-users']);
  if (values['floor-client'] !== undefined) {
    const named = values['floor-client'].trim().toLowerCase();
    const clients = named === 'both' ? [...FLOOR_CLIENTS] : FLOOR_CLIENTS.filter((c) => c === named);
    if (clients.length === 0) {
      console.error(`bench: --floor-client is one of ${FLOOR_CLIENTS.join(', ')}, both`);
      process.exit(1);
    }
    if (comparing) {
      console.error('bench: --compare runs no floor; --floor-client goes with the steady scenario');
      process.exit(1);
    }
    settings.floorClients = clients;
  }
  const st = settings.steady;
  if (!(st.rate > 0 && st.rate <= 20_000 && st.durationS > st.warmupS && st.durationS <= 600 && Number.isInteger(st.users) && st.users >= 2 && st.users <= 10_000)) {
    console.error('bench: steady needs 0 < --steady-rate ≤ 20000, warm-up < --steady-duration ≤ 600, 2 ≤ --steady-users ≤ 10000');
    process.exit(1);
  }
  if (values['scale-instances'] !== undefined) settings.scale.instances = values['scale-instances'].split(',').map((x) => Number(x.trim()));
  if (values['scale-rate'] !== undefined) settings.scale.rate = Number(values['scale-rate']);
  if (values['scale-duration'] !== undefined) settings.scale.durationS = Number(values['scale-duration']);
  if (values['scale-users'] !== undefined) settings.scale.users = Number(values['scale-users']);
  if (values['groups-users'] !== undefined) settings.groups.users = Number(values['groups-users']);
  if (values['groups-sizes'] !== undefined) settings.groups.sizes = values['groups-sizes'].split(',').map((x) => Number(x.trim()));
  // Sizes past the users (a smaller --groups-users) shrink to one group of everyone.
  else settings.groups.sizes = [...new Set(settings.groups.sizes.map((n) => Math.min(n, settings.groups.users)))];
  if (values['groups-rate'] !== undefined) settings.groups.copiesPerSecond = Number(values['groups-rate']);
  if (values['groups-duration'] !== undefined) settings.groups.durationS = Number(values['groups-duration']);
  if (run.has('groups')) {
    const problems = checkGroupsSettings(settings.groups);
    if (problems.length) {
      console.error(`bench: groups: ${problems.join('; ')}`);
      process.exit(1);
    }
  }
  if (run.has('scale')) {
    const problems = checkScaleSettings(settings.scale);
    if (values.server) problems.push('scale starts its own instances; it cannot use --server');
    if (problems.length) {
      console.error(`bench: ${problems.join('; ')}`);
      process.exit(1);
    }
  }
  // The single server is for the other scenarios; an idle one would only add noise to scale's.
  const needsServer = [...run].some((s) => s !== 'scale');
  const outDir = path.resolve(values.out ?? path.join(REPO_ROOT, 'bench/results'));
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const started = Date.now();
  const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);

  // Hard cap on the whole run: every scenario loop is bounded, this bounds their sum.
  // A comparison: the other build (≤ 10 min) plus, per round and build, the run and its setup.
  const capMs = comparing ? (10 + Math.ceil((rounds * 2 * (settings.steady.durationS + 90)) / 60)) * 60_000 : (quick ? 10 : 60) * 60_000;
  const cap = setTimeout(() => {
    console.error(`bench: still running after ${capMs / 60_000} min; giving up`);
    void cleanup().finally(() => process.exit(2));
  }, capMs);
  cap.unref();

  let kafka: KafkaHandle | undefined;
  let server: ServerHandle | undefined;
  let stopCompare: (() => Promise<void>) | undefined;
  async function cleanup() {
    await stopCompare?.().catch(() => undefined);
    await stopScaleProcesses();
    await server?.stop().catch(() => undefined);
    // An owned server's temporary data dir (SQLite file, key); never an external server's.
    if (server?.child && server.env.DATA_DIR) rmSync(server.env.DATA_DIR, { recursive: true, force: true });
    await kafka?.stop().catch(() => undefined);
  }
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));

  const results: Results = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    mode: quick ? 'quick' : 'full',
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memGB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAvgStart: os.loadavg(),
    },
    notes: [
      'Loopback only. Kafka, the server, the load generators, the floor and the relay all share this machine, and other people run tests on it concurrently: numbers are noisy; compare ratios from the same run.',
      "Users are registered through the API with argon2id at the server's lowest accepted cost (ARGON2_MEMORY_KIB=19456, ARGON2_TIME_COST=2, the OWASP minimum the server enforces); the bench cannot lower it further.",
      'Rate limits are raised for the bench (SEND/API_RATE_PER_MINUTE=1000000, REGISTER/LOGIN=100000, SOCKET_EVENTS_PER_SECOND=200, SOCKET_HANDSHAKES_PER_MINUTE=1000000).',
      'Latency is POST /send start → recipient socket receives message:new (epoch clock shared by the generator processes). Open-loop load: sends follow the schedule, not the answers.',
    ],
    settings,
    registration: { users: 0, ms: 0 },
    errors: {},
    targets: [],
  };

  if (comparing) {
    results.notes.push(
      'Compare: a round flagged backpressure (or machine busy near 100 %) was saturated: its latency is mostly queueing and its CPU per message falls as the server batches more. To judge latency, compare at a rate both builds sustain (--steady-rate).',
    );
  }
  try {
    kafka = await startKafka(log);
    log(`Kafka at ${kafka.bootstrap}`);
    if (comparing) {
      log(`— compare: working tree vs ${values.compare} —`);
      try {
        results.compare = await compare({
          kafka: kafka.bootstrap,
          rev: values.compare ?? '',
          rounds,
          settings,
          log,
          track: (stop) => (stopCompare = stop),
        });
      } catch (e) {
        results.errors.compare = e instanceof Error ? (e.stack ?? e.message) : String(e);
        log(`compare failed: ${results.errors.compare.split('\n')[0]}`);
      }
    } else if (!needsServer) {
      log('scale only: no shared server');
    } else if (values.server) {
      server = externalServer(values.server, values['metrics-token']);
      log(`using the running server at ${server.url}`);
    } else {
      const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${outDir}`, `--cpu-prof-name=server-${stamp}.cpuprofile`] : [];
      server = await startServer({ kafka: kafka.bootstrap, env: { TOPIC_PARTITIONS: String(settings.partitions) }, nodeArgs, log });
      log(`server at ${server.url} (pid ${server.pid})`);
    }
    const kafkaBootstrap = kafka.bootstrap;
    const ctx: Context | undefined = server && {
      server,
      serverNodeArgs: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${outDir}`] : [],
      kafka: kafka.bootstrap,
      settings,
      log,
      users: [],
      registration: results.registration,
    };
    // Connections first: its RSS baseline is then not disturbed by garbage from message load.
    const on = (f: (c: Context) => Promise<void>) => () => (ctx ? f(ctx) : Promise.reject(new Error('no server was started')));
    const steps: [Scenario, () => Promise<void>][] = [
      ['connections', on(async (c) => void (results.connections = await connections(c)))],
      ['steady', on(async (c) => void (results.steady = await steady(c)))],
      ['ramp', on(async (c) => void (results.ramp = await ramp(c)))],
      ['fanin', on(async (c) => void (results.fanIn = await fanIn(c)))],
      ['catchup', on(async (c) => void (results.catchUp = await catchUp(c)))],
      ['groups', on(async (c) => void (results.groups = await groups(c)))],
      // Last: it starts and stops servers of its own, while the shared one (if any) sits idle.
      [
        'scale',
        async () => {
          // An idle shared server would only add noise on a 2-core machine: the scale points
          // bring their own instances.
          if (ctx?.server.child) await ctx.server.stop();
          results.scale = await scale({
            kafka: kafkaBootstrap,
            settings: settings.scale,
            partitions: settings.partitions,
            textBytes: settings.textBytes,
            workers: settings.workers,
            log,
          });
        },
      ],
    ];
    for (const [name, fn] of steps) {
      if (!run.has(name)) continue;
      // A short pause so one scenario's backlog and garbage do not land in the next one.
      await new Promise((r) => setTimeout(r, 3000));
      log(`— ${name} —`);
      try {
        await fn();
        server = ctx?.server;
      } catch (e) {
        server = ctx?.server;
        results.errors[name] = e instanceof Error ? (e.stack ?? e.message) : String(e);
        log(`${name} failed: ${results.errors[name]?.split('\n')[0]}`);
      }
    }
  } catch (e) {
    results.errors.setup = e instanceof Error ? (e.stack ?? e.message) : String(e);
    log(`setup failed: ${results.errors.setup}`);
  } finally {
    await cleanup();
  }
  results.finishedAt = new Date().toISOString();
  results.machine.loadAvgEnd = os.loadavg();
  if (results.registration.users) {
    results.notes.push(`Registered ${results.registration.users} users in ${(results.registration.ms / 1000).toFixed(1)} s.`);
  }
  results.targets = evaluateTargets(results);
  const md = markdown(results);
  const base = path.join(outDir, `${stamp}-${results.mode}${comparing ? '-compare' : ''}`);
  writeFileSync(`${base}.json`, JSON.stringify(results, null, 1));
  writeFileSync(`${base}.md`, md);
  writeFileSync(`${base}.html`, html(results));
  writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(results, null, 1));
  writeFileSync(path.join(outDir, 'latest.md'), md);
  writeFileSync(path.join(outDir, 'latest.html'), html(results));
  console.log(`\n${md}`);
  console.log(`results: ${base}.{json,md,html}`);
  process.exit(Object.keys(results.errors).length ? 1 : 0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
