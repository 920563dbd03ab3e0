// One measured group: a paced producer, N member processes of one consumer group, and a fixed
// sequence of events, each started only once the group is steady again: a member joins; it leaves
// cleanly; m1 is SIGKILLed; m2 is SIGKILLed and restarted at once under the same identity (a
// rolling restart; the same group.instance.id when static); m3 is SIGKILLed and its replacement
// first evicts the dead member id with LeaveGroup (what server/src/kafka/history-consumer.ts does
// for kafkajs, which has no static membership; classic protocol only).
import { fork, type ChildProcess } from 'node:child_process';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { siblingEntry } from './env.js';
import { evictMember } from './rebalance-admin.js';
import { analyzeWindow, countLoss, type Consumed, type WindowStats } from './rebalance-stats.js';
import type { ClientName, GroupProtocol, MemberConfig, MemberMessage } from './rebalance-types.js';

export const EVENTS = ['join', 'leave', 'kill', 'restart', 'evict'] as const;
export type EventName = (typeof EVENTS)[number];

export interface Variant {
  label: string;
  client: ClientName;
  protocol: GroupProtocol;
  static: boolean;
  sessionTimeoutMs: number;
  heartbeatMs: number;
}

export interface RunOptions {
  brokers: string;
  members: number;
  partitions: number;
  rate: number;
  events: readonly EventName[];
  /** How long a KIP-848 member may stay silent before the broker drops it (broker-side). */
  consumerSessionTimeoutMs: number;
  log(line: string): void;
}

export interface EventResult {
  event: EventName | 'baseline';
  member: string;
  stats: WindowStats;
  /** From the event until the group was steady again (or the deadline). */
  windowMs: number;
  timedOut: boolean;
}

export interface VariantResult {
  variant: Variant;
  events: EventResult[];
  loss: { acked: number; lost: number; duplicates: number };
}

interface Member {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

const MEMBER_ENTRY = siblingEntry('rebalance-member.js');
const POLL_MS = 100;
/** A partition is current when its newest consumed record was produced less than this ago. */
const CURRENT_MS = 1_000;

export async function runVariant(variant: Variant, o: RunOptions): Promise<VariantResult> {
  const id = `rebalance-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const kafka = new Kafka({
    clientId: 'bench-rebalance',
    brokers: o.brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  const members = new Map<string, Member>();
  const memberIds = new Map<string, string>();
  const consumed: Consumed[] = [];
  const last = new Map<number, Consumed>();
  let ownerChangedAt = Date.now();
  const acked = new Set<number>();
  let producing = true;

  const spawn = (name: string, instance = name): Member => {
    const config: MemberConfig = {
      name,
      client: variant.client,
      protocol: variant.protocol,
      ...(variant.static ? { groupInstanceId: `${id}-${instance}` } : {}),
      brokers: o.brokers,
      topic: id,
      groupId: `${id}.g`,
      partitions: o.partitions,
      sessionTimeoutMs: variant.sessionTimeoutMs,
      heartbeatMs: variant.heartbeatMs,
      rebalanceTimeoutMs: 10_000,
      maxWaitMs: 250,
    };
    const child = fork(MEMBER_ENTRY, [JSON.stringify(config)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (m: MemberMessage) => {
      if (m.type === 'error') o.log(`${name}: ${m.message}`);
      if (m.type === 'assigned') memberIds.set(name, m.memberId);
      if (m.type !== 'records') return;
      for (const [partition, seq, sentAt, at] of m.rows) {
        const c = { partition, seq, sentAt, at, member: name };
        consumed.push(c);
        const prev = last.get(partition);
        if (prev && prev.member !== name) ownerChangedAt = Date.now();
        if (!prev || prev.at <= at) last.set(partition, c);
      }
    });
    const member = {
      name,
      child,
      exited: new Promise<void>((resolve) => child.once('exit', () => resolve())),
    };
    members.set(name, member);
    return member;
  };

  const quietMs = variant.protocol === 'consumer' ? 6_000 : 3_000;
  const steady = (now: number, gone?: string) => {
    if (now - ownerChangedAt < quietMs) return false;
    for (let p = 0; p < o.partitions; p++) {
      const c = last.get(p);
      if (!c || c.member === gone || now - c.sentAt > CURRENT_MS) return false;
    }
    return true;
  };

  // The paced producer: `rate` records a second over all partitions, one request in flight.
  let seq = 0;
  const queue: Message[] = [];
  let inFlight = false;
  let startedAt = 0;
  const flush = async () => {
    if (inFlight || queue.length === 0) return;
    inFlight = true;
    const batch = queue.splice(0, 500);
    try {
      await producer.send({ topic: id, acks: -1, messages: batch });
      for (const m of batch) acked.add(Number(String(m.value).split('|', 1)[0]));
    } catch (error) {
      o.log(`produce failed (${batch.length} records, counted as not accepted): ${(error as Error).message}`);
    } finally {
      inFlight = false;
    }
  };
  let pace: NodeJS.Timeout | undefined;
  const startProducing = () => {
    startedAt = Date.now();
    pace = setInterval(tick, 20);
  };
  const tick = () => {
    if (!producing) return;
    const due = Math.floor(((Date.now() - startedAt) * o.rate) / 1000);
    for (let n = 0; seq < due && n < o.rate; n++, seq++) {
      queue.push({
        partition: seq % o.partitions,
        value: `${seq}|${Date.now()}`,
      });
    }
    void flush();
  };

  const events: EventResult[] = [];
  try {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: id, numPartitions: o.partitions }],
    });
    await producer.connect();
    startProducing();
    for (let i = 1; i <= o.members; i++) spawn(`m${i}`);
    const allConsuming = () => new Set(consumed.map((c) => c.member)).size === o.members;
    if (!(await waitFor(() => allConsuming() && steady(Date.now()), 90_000))) throw new Error(`${variant.label}: the group never became steady`);

    // `from` is the event itself: a window opened later would miss a pause that began and ended
    // before it (the evict event's rebalance can finish while the replacement is still starting).
    const window = async (event: EventResult['event'], member: string, deadlineMs: number, done: (now: number) => boolean, from = Date.now()) => {
      const met = await waitFor(() => done(Date.now()), deadlineMs);
      const to = Date.now();
      const stats = analyzeWindow(consumed, {
        from,
        to,
        partitions: o.partitions,
      });
      events.push({
        event,
        member,
        stats,
        windowMs: to - from,
        timedOut: !met,
      });
      o.log(`${variant.label} ${event} ${member}: ${JSON.stringify(stats)}${met ? '' : ' (deadline)'}`);
    };
    const deadTimeoutMs = variant.protocol === 'consumer' ? o.consumerSessionTimeoutMs : variant.sessionTimeoutMs;
    const deadline = deadTimeoutMs + 40_000;

    // Noise floor on this machine: the same window with no event.
    await window('baseline', '-', 3_000, () => false);
    for (const event of o.events) {
      const extra = `m${o.members + 1}`;
      if (event === 'join') {
        spawn(extra);
        await window('join', extra, deadline, (now) => consumed.some((c) => c.member === extra) && steady(now));
      } else if (event === 'leave') {
        const m = members.get(extra);
        if (!m) continue;
        m.child.send({ type: 'leave' });
        let gone = false;
        void m.exited.then(() => (gone = true));
        await window('leave', extra, deadline, (now) => gone && steady(now, extra));
      } else if (event === 'kill') {
        members.get('m1')?.child.kill('SIGKILL');
        await window('kill', 'm1', deadline, (now) => steady(now, 'm1'));
      } else if (event === 'restart') {
        // A rolling restart: the process dies and comes back under the same group.instance.id.
        members.get('m2')?.child.kill('SIGKILL');
        spawn('m2r', 'm2');
        await window('restart', 'm2', deadline, (now) => consumed.some((c) => c.member === 'm2r') && steady(now, 'm2'));
      } else if (variant.protocol === 'classic') {
        const m = members.get('m3');
        if (!m) continue;
        const killedAt = Date.now();
        m.child.kill('SIGKILL');
        const dead = memberIds.get('m3');
        await m.exited;
        if (dead) await evictMember(o.brokers, `${id}.g`, dead, o.log);
        spawn('m3r', 'm3');
        await window('evict', 'm3', deadline, (now) => consumed.some((c) => c.member === 'm3r') && steady(now, 'm3'), killedAt);
      }
    }

    producing = false;
    await waitFor(() => !inFlight && queue.length === 0, 30_000);
    await waitFor(() => countLoss(acked, consumed).lost === 0, 30_000);
    return { variant, events, loss: countLoss(acked, consumed) };
  } finally {
    if (pace) clearInterval(pace);
    await stopMembers([...members.values()]);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteGroups([`${id}.g`]).catch(() => undefined);
    await admin.deleteTopics({ topics: [id] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/** Asks every live member to leave; whatever has not exited after 10 s is killed. */
async function stopMembers(list: Member[]): Promise<void> {
  const alive = list.filter((m) => m.child.exitCode === null && m.child.signalCode === null);
  for (const m of alive) if (m.child.connected) m.child.send({ type: 'leave' });
  await Promise.race([Promise.all(alive.map((m) => m.exited)), new Promise((r) => setTimeout(r, 10_000))]);
  for (const m of alive) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL');
  await Promise.all(alive.map((m) => m.exited));
}

async function waitFor(condition: () => boolean, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return condition();
}
