// One member of the measured consumer group, in its own process so that SIGKILL is a real death.
// It reports every record it consumes to the parent (rebalance.ts) over IPC *before* committing
// it, so a member killed between the two can only cause a repeat, never a record the parent
// thinks was lost. Parent → member: { type: 'leave' } (leave the group cleanly and exit).
import type { MemberConfig, MemberMessage, Row } from './rebalance-types.js';

const config = JSON.parse(process.argv[2] ?? '{}') as MemberConfig;
// Stops a member the parent forgot (or that lost its parent) within a bounded time.
const LIFETIME_CAP_MS = 15 * 60_000;

function send(message: MemberMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, () => resolve());
  });
}

function parse(value: Buffer | string | null | undefined): { seq: number; sentAt: number } | undefined {
  const text = typeof value === 'string' ? value : (value?.toString('utf8') ?? '');
  const [seq, sentAt] = text.split('|', 2).map(Number);
  return Number.isFinite(seq) && Number.isFinite(sentAt) ? { seq: seq!, sentAt: sentAt! } : undefined;
}

async function runKafkajs(): Promise<() => Promise<void>> {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({
    clientId: config.name,
    brokers: config.brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  // The server's history consumer settings (server/src/kafka/history-consumer.ts).
  const consumer = kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: config.heartbeatMs,
    rebalanceTimeout: config.rebalanceTimeoutMs,
    maxWaitTimeInMs: config.maxWaitMs,
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const partitions = Object.values(payload.memberAssignment).flat();
    void send({
      type: 'assigned',
      at: Date.now(),
      memberId: payload.memberId,
      partitions,
    });
  });
  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: config.partitions,
    eachBatch: async ({ batch }) => {
      const at = Date.now();
      const rows: Row[] = [];
      for (const m of batch.messages) {
        const r = parse(m.value);
        if (r) rows.push([batch.partition, r.seq, r.sentAt, at]);
      }
      if (rows.length) await send({ type: 'records', rows });
      // eachBatch resolving is what lets kafkajs commit these offsets: after the parent has them.
    },
  });
  return () => consumer.disconnect();
}

async function runPlatformatic(): Promise<() => Promise<void>> {
  const { Consumer, stringDeserializers } = await import('@platformatic/kafka');
  const group =
    config.protocol === 'consumer'
      ? {
          groupProtocol: 'consumer' as const,
          ...(config.groupInstanceId ? { groupInstanceId: config.groupInstanceId } : {}),
        }
      : {
          groupProtocol: 'classic' as const,
          sessionTimeout: config.sessionTimeoutMs,
          heartbeatInterval: config.heartbeatMs,
          rebalanceTimeout: config.rebalanceTimeoutMs,
          ...(config.groupInstanceId ? { groupInstanceId: config.groupInstanceId } : {}),
        };
  const consumer = new Consumer({
    clientId: config.name,
    bootstrapBrokers: config.brokers.split(','),
    groupId: config.groupId,
    deserializers: stringDeserializers,
    maxWaitTime: config.maxWaitMs,
    ...group,
  });
  consumer.on('consumer:group:join', (payload: { memberId: string; assignments?: { partitions: number[] }[] }) => {
    const partitions = (payload.assignments ?? []).flatMap((a) => a.partitions);
    void send({
      type: 'assigned',
      at: Date.now(),
      memberId: payload.memberId,
      partitions,
    });
  });
  // autocommit: false on purpose. Its autocommit marks a batch's offsets when the batch is
  // fetched, before the application has seen a record of it: a crash in between loses records.
  const stream = await consumer.consume({
    topics: [config.topic],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: false,
  });
  // Report, then commit the newest offset per partition; coalesced per tick like kafkajs' batches.
  let pending: { rows: Row[]; commits: Map<number, () => unknown> } | undefined;
  stream.on('data', (message: { partition: number; value: string; commit: (cb?: (e?: unknown) => void) => unknown }) => {
    const r = parse(message.value);
    if (!pending) {
      const batch = {
        rows: [] as Row[],
        commits: new Map<number, () => unknown>(),
      };
      pending = batch;
      setImmediate(() => {
        pending = undefined;
        void send({ type: 'records', rows: batch.rows }).then(() => {
          for (const commit of batch.commits.values()) commit();
        });
      });
    }
    if (r) pending.rows.push([message.partition, r.seq, r.sentAt, Date.now()]);
    // A commit that fails (a rebalance took the partition) only means the new owner repeats it.
    pending.commits.set(message.partition, () => message.commit(() => undefined));
  });
  stream.on('error', (error: Error) => void send({ type: 'error', message: describe(error) }));
  return async () => {
    await stream.close();
    await consumer.close();
  };
}

async function main() {
  const cap = setTimeout(() => process.exit(3), LIFETIME_CAP_MS);
  cap.unref();
  const stop = config.client === 'kafkajs' ? await runKafkajs() : await runPlatformatic();
  let leaving = false;
  const leave = async () => {
    if (leaving) return;
    leaving = true;
    await stop().catch(() => undefined);
    await send({ type: 'left', at: Date.now() });
    process.exit(0);
  };
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'leave') void leave();
  });
  // The parent died: do not linger in the group.
  process.on('disconnect', () => void leave());
  await send({ type: 'started', at: Date.now() });
}

/** The message with the Kafka error codes @platformatic/kafka nests inside it. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const nested = (error as { errors?: unknown[] }).errors ?? [];
  let codes: string[] = [];
  try {
    codes =
      JSON.stringify((error as { response?: unknown }).response ?? '', (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).match(
        /"errorCode":\s*[1-9]\d*/g,
      ) ?? [];
  } catch {
    // a response that does not serialize: the message alone
  }
  return [error.message, ...nested.map(describe), ...codes].join('; ');
}

main().catch(async (error: unknown) => {
  await send({ type: 'error', message: describe(error) });
  process.exit(1);
});
