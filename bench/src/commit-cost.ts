// What one delivery-record commit costs: the plain OffsetCommit (generation -1, no member) the
// server sends per recipient group per INBOX_COMMIT_INTERVAL_MS, through the server's own code
// (server/dist/kafka/internals.js, so build the server first), to many groups, 16 at a time like
// the server. Reports client CPU (this process) and, given the broker's pid, the broker's.
//   npm run commit-cost -w bench -- [--commits 4000] [--groups 200] [--broker-pid PID]
// Needs KAFKA_BROKERS (loopback). Bounded: at most --commits requests (≤ 100,000), one topic
// created and deleted.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { REPO_ROOT } from './env.js';

interface GroupInternals {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  commitOffsets(groupId: string, topic: string, offsets: ReadonlyMap<number, number>): Promise<void>;
}

const CONCURRENCY = 16;
const PARTITIONS = 12;

function brokerTicks(pid: number): number {
  // utime + stime, fields 14 and 15 of /proc/<pid>/stat (after the command name's closing paren).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { commits: { type: 'string', default: '4000' }, groups: { type: 'string', default: '200' }, 'broker-pid': { type: 'string' } },
  });
  const commits = Number(values.commits);
  const groups = Number(values.groups);
  const brokerPid = values['broker-pid'] ? Number(values['broker-pid']) : undefined;
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers || !/^(127\.0\.0\.1|localhost):\d+(,(127\.0\.0\.1|localhost):\d+)*$/.test(brokers)) {
    console.error('commit-cost: set KAFKA_BROKERS to a loopback broker, e.g. KAFKA_BROKERS=127.0.0.1:9092');
    process.exit(2);
  }
  if (!(commits > 0 && commits <= 100_000 && groups > 0 && groups <= 10_000)) {
    console.error('commit-cost: needs 0 < --commits ≤ 100000 and 0 < --groups ≤ 10000');
    process.exit(2);
  }
  const kafka = new Kafka({ clientId: 'bench-commit-cost', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-commit-cost-${Date.now().toString(36)}`;
  const group = (i: number) => `${topic}.inbox.u${i % groups}`;
  const { createGroupInternals } = (await import(pathToFileURL(path.join(REPO_ROOT, 'server/dist/kafka/internals.js')).href)) as {
    createGroupInternals: (kafka: Kafka) => GroupInternals;
  };
  const internals = createGroupInternals(kafka);
  await internals.connect();
  const commit = (i: number) => internals.commitOffsets(group(i), topic, new Map([[i % PARTITIONS, 1 + i]]));
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] });
    // Warm-up: every group's coordinator looked up once, as a running server has.
    for (let i = 0; i < groups; i += CONCURRENCY) await Promise.all(Array.from({ length: Math.min(CONCURRENCY, groups - i) }, (_, j) => commit(i + j)));
    const cpu0 = process.cpuUsage();
    const broker0 = brokerPid ? brokerTicks(brokerPid) : 0;
    const t0 = performance.now();
    for (let i = 0; i < commits; i += CONCURRENCY) await Promise.all(Array.from({ length: Math.min(CONCURRENCY, commits - i) }, (_, j) => commit(i + j)));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const clientUs = (cpu.user + cpu.system) / commits;
    // Clock ticks are 10 ms on Linux (CLK_TCK 100).
    const brokerUs = brokerPid ? ((brokerTicks(brokerPid) - broker0) * 10_000) / commits : undefined;
    console.log(
      `${commits} OffsetCommits to ${groups} groups in ${Math.round(ms)} ms: client ${clientUs.toFixed(1)} µs CPU each` +
        (brokerUs !== undefined ? `, broker ${brokerUs.toFixed(1)} µs CPU each` : ' (pass --broker-pid for the broker side)'),
    );
  } finally {
    await admin.deleteGroups(Array.from({ length: groups }, (_, i) => group(i))).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await internals.disconnect();
    await admin.disconnect();
  }
}

await main();
