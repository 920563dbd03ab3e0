// npm run rebalance -w bench -- [--client all|kafkajs|platformatic] [--protocol classic|consumer]
//   [--static] [--members 3] [--session-timeout 10000] [--heartbeat 1000] [--rate 200]
//   [--partitions 6] [--event join,leave,kill,restart,evict] [--rounds 1] [--out DIR]
// How long a consumer group stops when a member joins, leaves or dies: kafkajs (classic, eager)
// against @platformatic/kafka (classic with or without static membership, and KIP-848).
// Uses KAFKA_BROKERS or starts a local Kafka; writes bench/results/<stamp>-rebalance.{json,md}.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

// kafkajs' ConfigResourceTypes.BROKER (not a named export of its CommonJS build).
const BROKER_RESOURCE = 4;
import { REPO_ROOT, startKafka } from './env.js';
import { checkSimpleCommit } from './rebalance-admin.js';
import { EVENTS, runVariant, type EventName, type Variant, type VariantResult } from './rebalance-run.js';

/** The standard comparison (--client all): the server's settings first, then the alternatives. */
const MATRIX: Variant[] = [
  {
    label: 'kafkajs classic (eager), session 10 s',
    client: 'kafkajs',
    protocol: 'classic',
    static: false,
    sessionTimeoutMs: 10_000,
    heartbeatMs: 1_000,
  },
  {
    label: 'kafkajs classic (eager), session 6 s',
    client: 'kafkajs',
    protocol: 'classic',
    static: false,
    sessionTimeoutMs: 6_000,
    heartbeatMs: 1_000,
  },
  {
    label: 'platformatic classic, session 10 s',
    client: 'platformatic',
    protocol: 'classic',
    static: false,
    sessionTimeoutMs: 10_000,
    heartbeatMs: 1_000,
  },
  {
    label: 'platformatic classic + static, session 10 s',
    client: 'platformatic',
    protocol: 'classic',
    static: true,
    sessionTimeoutMs: 10_000,
    heartbeatMs: 1_000,
  },
  {
    label: 'platformatic KIP-848 consumer',
    client: 'platformatic',
    protocol: 'consumer',
    static: false,
    sessionTimeoutMs: 0,
    heartbeatMs: 0,
  },
  {
    label: 'platformatic KIP-848 consumer + static',
    client: 'platformatic',
    protocol: 'consumer',
    static: true,
    sessionTimeoutMs: 0,
    heartbeatMs: 0,
  },
];

const RUN_CAP_MS = 40 * 60_000;

async function main() {
  const { values } = parseArgs({
    options: {
      client: { type: 'string', default: 'all' },
      protocol: { type: 'string', default: 'classic' },
      static: { type: 'boolean', default: false },
      members: { type: 'string', default: '3' },
      partitions: { type: 'string', default: '6' },
      rate: { type: 'string', default: '200' },
      'session-timeout': { type: 'string', default: '10000' },
      heartbeat: { type: 'string', default: '1000' },
      event: { type: 'string', multiple: true },
      rounds: { type: 'string', default: '1' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      (await import('node:fs'))
        .readFileSync(new URL(import.meta.url), 'utf8')
        .split('\n')
        .slice(0, 6)
        .join('\n'),
    );
    return;
  }
  const events = (values.event ?? [EVENTS.join(',')]).flatMap((e) => e.split(',')).map((e) => e.trim()) as EventName[];
  for (const e of events) if (!EVENTS.includes(e)) throw new Error(`unknown event "${e}" (one of ${EVENTS.join(', ')})`);
  const client = values.client;
  if (!['all', 'kafkajs', 'platformatic'].includes(client)) throw new Error(`--client must be all, kafkajs or platformatic`);
  const protocol = values.protocol as Variant['protocol'];
  if (protocol !== 'classic' && protocol !== 'consumer') throw new Error('--protocol must be classic or consumer');
  if (client === 'kafkajs' && (protocol !== 'classic' || values.static)) throw new Error('kafkajs has only the classic protocol, without static membership');
  const members = bounded(values.members, 'members', 1, 10);
  const variants: Variant[] =
    client === 'all'
      ? MATRIX
      : [
          {
            label: `${client} ${protocol}${values.static ? ' + static' : ''}${protocol === 'classic' ? `, session ${Number(values['session-timeout']) / 1000} s` : ''}`,
            client: client as Variant['client'],
            protocol,
            static: values.static,
            sessionTimeoutMs: bounded(values['session-timeout'], 'session-timeout', 6_000, 60_000),
            heartbeatMs: bounded(values.heartbeat, 'heartbeat', 100, 10_000),
          },
        ];

  const started = Date.now();
  const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const cap = setTimeout(() => {
    console.error(`rebalance: over ${RUN_CAP_MS / 60_000} min, giving up`);
    process.exit(2);
  }, RUN_CAP_MS);
  cap.unref();

  const kafka = await startKafka(log);
  const results: VariantResult[] = [];
  const failures: string[] = [];
  let broker = '';
  try {
    const consumerSessionTimeoutMs = await brokerConfig(kafka.bootstrap, 'group.consumer.session.timeout.ms', 45_000);
    const consumerHeartbeatMs = await brokerConfig(kafka.bootstrap, 'group.consumer.heartbeat.interval.ms', 5_000);
    broker = `Broker: group.consumer.session.timeout.ms=${consumerSessionTimeoutMs}, group.consumer.heartbeat.interval.ms=${consumerHeartbeatMs}.`;
    log(broker);
    const simpleCommit = await checkSimpleCommit(kafka.bootstrap);
    broker += ` @platformatic/kafka Admin.alterConsumerGroupOffsets as a simple commit: ${simpleCommit}.`;
    log(`simple commit through @platformatic/kafka's public API: ${simpleCommit}`);
    const rounds = bounded(values.rounds, 'rounds', 1, 10);
    for (let round = 1; round <= rounds; round++) {
      for (const variant of variants) {
        log(`— ${variant.label} (round ${round} of ${rounds})`);
        const options = {
          brokers: kafka.bootstrap,
          members,
          partitions: bounded(values.partitions, 'partitions', 1, 64),
          rate: bounded(values.rate, 'rate', 1, 5_000),
          events,
          consumerSessionTimeoutMs,
          log,
        };
        // A broker hiccup on a loaded machine (metadata of a topic just created) costs one retry of
        // that variant, not the whole comparison; a second failure is reported in the table.
        for (let attempt = 1; attempt <= 2; attempt++) {
          try {
            results.push(await runVariant(variant, options));
            break;
          } catch (error) {
            log(`${variant.label}: attempt ${attempt} failed: ${(error as Error).message}`);
            if (attempt === 2) failures.push(`${variant.label} (round ${round}): ${(error as Error).message}`);
          }
        }
      }
    }
  } finally {
    await kafka.stop();
  }

  const md = `${markdown(results, members, bounded(values.partitions, 'partitions', 1, 64), bounded(values.rate, 'rate', 1, 5_000))}\n\n${broker}\n${failures.map((f) => `\nFailed: ${f}`).join('')}`;
  console.log(`\n${md}`);
  const outDir = path.resolve(values.out ?? path.join(REPO_ROOT, 'bench/results'));
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(path.join(outDir, `${stamp}-rebalance.json`), JSON.stringify(results, null, 2));
  writeFileSync(path.join(outDir, `${stamp}-rebalance.md`), md);
  log(`results: ${path.relative(process.cwd(), path.join(outDir, `${stamp}-rebalance.md`))}`);
}

function bounded(raw: string, name: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}]`);
  return n;
}

/** A broker setting as the broker reports it (the first node), or `fallback`. */
async function brokerConfig(bootstrap: string, name: string, fallback: number): Promise<number> {
  const admin = new Kafka({
    clientId: 'bench-rebalance-config',
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: BROKER_RESOURCE,
          name: String(brokers[0]?.nodeId ?? 1),
          configNames: [name],
        },
      ],
    });
    const value = Number(res.resources[0]?.configEntries.find((e) => e.configName === name)?.configValue);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const sec = (ms: number | undefined) => (ms === undefined ? '–' : (ms / 1000).toFixed(1));

/** "median (min–max)" in seconds over the rounds; one figure when there was one round. */
function spread(values: (number | undefined)[]): string {
  const v = values.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return '–';
  const median = v[Math.floor((v.length - 1) / 2)];
  return v.length === 1 ? sec(median) : `${sec(median)} (${sec(v[0])}–${sec(v.at(-1))})`;
}

function markdown(results: VariantResult[], members: number, partitions: number, rate: number): string {
  const rounds = results.filter((r) => r.variant.label === results[0]?.variant.label).length;
  const lines = [
    `${members} member processes in one group, ${partitions} partitions, ${rate} records/s; seconds, ${rounds > 1 ? `median (min–max) of ${rounds} rounds` : 'one round'}.`,
    'Pause: the longest time a partition had nothing consumed. Stayed: partitions the same member held before and after',
    'the event. Moved: the others. All-stop: the longest time nothing at all was consumed. Latency: produce → consume.',
    '',
    '| client / mode | event | stayed pause | moved pause | all-stop | max latency | repeats | lost |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const labels = [...new Set(results.map((r) => r.variant.label))];
  for (const label of labels) {
    const runs = results.filter((r) => r.variant.label === label);
    const events = [...new Set(runs.flatMap((r) => r.events.map((e) => e.event)))];
    for (const event of events) {
      const es = runs.flatMap((r) => r.events.filter((e) => e.event === event));
      const late = es.filter((e) => e.timedOut && e.event !== 'baseline').length;
      lines.push(
        `| ${label} | ${event}${late ? ` (${late} not steady by the deadline)` : ''} | ${spread(es.map((e) => e.stats.stayedPauseMs))} | ${spread(es.map((e) => e.stats.movedPauseMs))} | ${spread(es.map((e) => e.stats.allStopMs))} | ${spread(es.map((e) => e.stats.maxLatencyMs))} | ${es.reduce((n, e) => n + e.stats.repeats, 0)} | |`,
      );
    }
    const lost = runs.reduce((n, r) => n + r.loss.lost, 0);
    const acked = runs.reduce((n, r) => n + r.loss.acked, 0);
    lines.push(`| ${label} | whole run | | | | | ${runs.reduce((n, r) => n + r.loss.duplicates, 0)} | ${lost} of ${acked} |`);
  }
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(`rebalance: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
