// npm run rebalance -w bench -- [--client all|kafkajs|platformatic] [--protocol classic|consumer]
//   [--static] [--members 3] [--session-timeout 10000] [--heartbeat 1000] [--rate 200]
//   [--partitions 6] [--event join,leave,kill,restart] [--out DIR]
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
import { EVENTS, runVariant, type EventName, type Variant, type VariantResult } from './rebalance-run.js';

/** The standard comparison (--client all): the server's settings first, then the alternatives. */
const MATRIX: Variant[] = [
  { label: 'kafkajs classic (eager), session 10 s', client: 'kafkajs', protocol: 'classic', static: false, sessionTimeoutMs: 10_000, heartbeatMs: 1_000 },
  { label: 'kafkajs classic (eager), session 6 s', client: 'kafkajs', protocol: 'classic', static: false, sessionTimeoutMs: 6_000, heartbeatMs: 1_000 },
  { label: 'platformatic classic, session 10 s', client: 'platformatic', protocol: 'classic', static: false, sessionTimeoutMs: 10_000, heartbeatMs: 1_000 },
  { label: 'platformatic classic + static, session 10 s', client: 'platformatic', protocol: 'classic', static: true, sessionTimeoutMs: 10_000, heartbeatMs: 1_000 },
  { label: 'platformatic KIP-848 consumer', client: 'platformatic', protocol: 'consumer', static: false, sessionTimeoutMs: 0, heartbeatMs: 0 },
  { label: 'platformatic KIP-848 consumer + static', client: 'platformatic', protocol: 'consumer', static: true, sessionTimeoutMs: 0, heartbeatMs: 0 },
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
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log((await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 6).join('\n'));
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
  try {
    const consumerSessionTimeoutMs = await brokerConfig(kafka.bootstrap, 'group.consumer.session.timeout.ms', 45_000);
    const consumerHeartbeatMs = await brokerConfig(kafka.bootstrap, 'group.consumer.heartbeat.interval.ms', 5_000);
    log(`broker: group.consumer.session.timeout.ms=${consumerSessionTimeoutMs}, group.consumer.heartbeat.interval.ms=${consumerHeartbeatMs}`);
    for (const variant of variants) {
      log(`— ${variant.label}`);
      results.push(
        await runVariant(variant, {
          brokers: kafka.bootstrap,
          members,
          partitions: bounded(values.partitions, 'partitions', 1, 64),
          rate: bounded(values.rate, 'rate', 1, 5_000),
          events,
          consumerSessionTimeoutMs,
          log,
        }),
      );
    }
  } finally {
    await kafka.stop();
  }

  const md = markdown(results, members);
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
  const admin = new Kafka({ clientId: 'bench-rebalance-config', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: BROKER_RESOURCE, name: String(brokers[0]?.nodeId ?? 1), configNames: [name] }],
    });
    const value = Number(res.resources[0]?.configEntries.find((e) => e.configName === name)?.configValue);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const s = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);

function markdown(results: VariantResult[], members: number): string {
  const lines = [
    `Group of ${members} member processes, 6 partitions, 200 records/s. Pause = longest time a partition had nothing consumed; "stayed" = partitions whose member held them before and after the event, "moved" = the others; all-stop = longest time nothing at all was consumed.`,
    '',
    '| client / mode | event | stayed pause | moved pause | all-stop | max latency | repeats | lost (of accepted) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    for (const e of r.events) {
      const st = e.stats;
      lines.push(
        `| ${r.variant.label} | ${e.event}${e.timedOut && e.event !== 'baseline' ? ' (not steady by the deadline)' : ''} | ${s(st.stayedPauseMs)} | ${s(st.movedPauseMs)} (${st.moved.length}) | ${s(st.allStopMs)} | ${s(st.maxLatencyMs)} | ${st.repeats} | |`,
      );
    }
    lines.push(`| ${r.variant.label} | whole run | | | | | ${r.loss.duplicates} | ${r.loss.lost} of ${r.loss.acked} |`);
  }
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(`rebalance: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
