// Data at rest (issue 12, item 5): what the server and the local Kafka launcher write is
// owner-only (directories 0700, files 0600), whatever the umask, and an existing data directory
// that is too open is tightened at startup, with a log line.
import { Kafka, logLevel } from 'kafkajs';
import { chmodSync, existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startKafka, type KafkaCluster } from '../../scripts/lib/kafka-local.mjs';
import { register, removeDir, send, startApp, type TestApp } from './helpers/app.js';
import { onPostgres } from './helpers/database.js';

const mode = (p: string) => statSync(p).mode & 0o777;

/** Every path under `root` (itself included) that group or others can access, with its mode. */
function openToOthers(root: string): string[] {
  const found: string[] = [];
  const visit = (p: string) => {
    if ((mode(p) & 0o077) !== 0) found.push(`${path.relative(root, p) || '.'} ${mode(p).toString(8)}`);
    if (statSync(p).isDirectory()) for (const entry of readdirSync(p)) visit(path.join(p, entry));
  };
  visit(root);
  return found;
}

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe('the server', () => {
  // On Postgres the messages live in the database server's own directory, which Postgres itself
  // keeps 0700 (and scripts/lib/postgres-local.mjs creates owner-only): no SQLite file to check.
  it.skipIf(onPostgres)('keeps DATA_DIR 0700 and the SQLite files (-wal, -shm) 0600, tightening them at startup', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'messenger-at-rest-'));
    chmodSync(dataDir, 0o755);
    cleanup.push(async () => removeDir(dataDir));
    let t: TestApp = await startApp({ DATA_DIR: dataDir });
    cleanup.push(() => t.close());
    const alice = await register(t);
    const bob = await register(t);
    expect((await send(t, alice.token, bob.username, 'secret')).statusCode).toBe(202);

    const db = path.join(dataDir, 'messenger.sqlite');
    const files = [db, `${db}-wal`, `${db}-shm`];
    for (const f of files) expect(existsSync(f), f).toBe(true);
    expect(openToOthers(dataDir)).toEqual([]);
    expect(t.logs.join('')).toMatch(/"path":"[^"]*messenger-at-rest-[^"]*","was":"755".*owner-only/);

    // A data dir left open by an older version (or a copy) is tightened on the next start.
    await t.close();
    chmodSync(dataDir, 0o755);
    for (const f of files) if (existsSync(f)) chmodSync(f, 0o644);
    t = await startApp(t.env);
    expect(openToOthers(dataDir)).toEqual([]);
    const logs = t.logs.join('');
    expect(logs).toContain(`"path":"${db}","was":"644"`);
    expect(logs).toContain(`"path":"${dataDir}","was":"755"`);
  });
});

describe('the local Kafka launcher', () => {
  it('writes the data and log dirs 0700 and every segment file 0600', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kafka-at-rest-'));
    chmodSync(dataDir, 0o755);
    cleanup.push(async () => removeDir(dataDir));
    const said: string[] = [];
    const cluster: KafkaCluster = await startKafka({ brokers: 1, port: 0, dataDir, heap: '256m', log: (l) => said.push(l) });
    cleanup.push(() => cluster.stop());

    // One record, so the topic has segment, index and checkpoint files.
    const kafka = new Kafka({ clientId: 'at-rest', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'at-rest', numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    await producer.send({ topic: 'at-rest', acks: -1, messages: [{ value: 'secret' }] });
    await producer.disconnect();
    await admin.disconnect();

    const segments = path.join(dataDir, 'node-1', 'log', 'at-rest-0');
    expect(readdirSync(segments).some((f) => f.endsWith('.log'))).toBe(true);
    expect(openToOthers(dataDir)).toEqual([]);
    expect(said.join('\n')).toContain(`${dataDir} was readable by other local users (mode 755)`);
  }, 120_000);
});
