// Model-based test of the delivery record against the real app, broker and SQLite file: random
// interleavings of sends, partial, duplicate and out-of-order acknowledgements from several
// screens of one user, disconnects and reconnects. A pure model tracks what each screen holds
// and what was acknowledged; after every (re)connect the catch-up must offer exactly the
// unacknowledged messages, and the inbox group must never be committed past one of them.
import type { Ack } from '@messenger/protocol';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { waitUntil } from './reliability/fault-helpers.js';
import { collectMessages, connect, randomName, register, removeDir, send, startApp, waitFor, type ClientSocket, type TestApp } from './helpers/app.js';

const SCREENS = 3;
const NUM_RUNS = 20;
const MAX_COMMANDS = 20;
// How often the runs reached the cases that matter: a reconnect that must offer some but not all
// messages, an ack that skips an older unacknowledged message, a restart.
const coverage = { partialCatchUps: 0, acksOutOfOrder: 0, restarts: 0 };

let t: TestApp;
let admin: ReturnType<Kafka['admin']>;
beforeAll(async () => {
  t = await startApp();
  admin = new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});
afterAll(async () => {
  await admin?.disconnect();
  await t?.close();
  if (t) removeDir(t.dataDir);
});

interface Sent {
  id: string;
  offset: number;
}

/** What the recipient's clients should have: the pure side of the model. */
interface Model {
  sent: Sent[];
  acked: Set<string>;
  /** per screen: the ids it holds, or undefined while it is offline */
  holds: (Set<string> | undefined)[];
}

/** The real side: the users, their tokens and the recipient's open sockets. */
interface Real {
  alice: { username: string; token: string };
  bob: { username: string; token: string };
  /** another recipient on Bob's partition: records that are not Bob's, between his */
  carol: string;
  partition: number;
  screens: (ClientSocket | undefined)[];
  inboxes: (ReturnType<typeof collectMessages> | undefined)[];
  /** the highest offset seen committed so far: it must never go down */
  lastCommitted: number;
}

const unacked = (m: Model) => m.sent.filter((s) => !m.acked.has(s.id));

async function committedOffset(r: Real): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId: `${t.prefix}.inbox.${r.bob.username}`, topics: [`${t.prefix}.messages`] });
  return Number(offsets[0]?.partitions.find((p) => p.partition === r.partition)?.offset ?? -1);
}

/** Flushes pending commits and checks the group: never past an unacked message, never backwards. */
async function checkCommitted(m: Model, r: Real, justAcked: boolean): Promise<void> {
  await t.app.bus.flushInboxCommits();
  const committed = await committedOffset(r);
  const lowest = unacked(m)[0];
  if (lowest) expect(committed, 'committed past an unacknowledged message').toBeLessThanOrEqual(lowest.offset);
  // Right after an ack that changed something the group is exactly as far as it may be.
  if (justAcked && lowest) expect(committed).toBe(lowest.offset);
  if (justAcked && !lowest) expect(committed).toBeGreaterThan(m.sent.at(-1)?.offset ?? -1);
  expect(committed, 'the committed offset went backwards').toBeGreaterThanOrEqual(r.lastCommitted);
  r.lastCommitted = committed;
}

class SendCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly alsoToCarol: boolean) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    if (this.alsoToCarol) expect((await send(t, r.alice.token, r.carol, 'not bob’s')).statusCode).toBe(202);
    const before = r.inboxes.map((inbox) => inbox?.ids.length ?? 0);
    const res = await send(t, r.alice.token, r.bob.username, `to bob ${m.sent.length}`);
    expect(res.statusCode).toBe(202);
    const { id, offset, partition } = res.json<{ id: string; offset: string; partition: number }>();
    expect(partition).toBe(r.partition);
    m.sent.push({ id, offset: Number(offset) });
    // Stored before any screen reconnects: a catch-up only offers what the history store holds
    // (a message still on its way to the store reaches a reconnecting screen live instead).
    const stored = async () => (await t.app.repos.messages.undelivered(r.bob.username, 1000)).some((u) => u.message.id === id);
    await waitUntil(stored, 10_000, `message ${id} stored`, 5);
    // Every online screen gets it live (none is catching up: connects wait for sync:done).
    for (const [i, inbox] of r.inboxes.entries()) {
      if (!inbox) continue;
      await inbox.until((before[i] ?? 0) + 1, 10_000);
      expect(inbox.ids.at(-1)).toBe(id);
      m.holds[i]?.add(id);
    }
  }
  toString = () => `send${this.alsoToCarol ? '+carol' : ''}`;
}

/** One screen's part of an ack command: indexes into what it holds (repeats = duplicate acks). */
interface ScreenAcks {
  screen: number;
  picks: number[];
}

/** Several screens acknowledge at once; `split`: one emit per id, all in flight together. */
class AckCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly acks: ScreenAcks[],
    readonly split: boolean,
  ) {}
  check = (m: Readonly<Model>) => this.acks.some((a) => (m.holds[a.screen]?.size ?? 0) > 0);
  async run(m: Model, r: Real): Promise<void> {
    const emits: Promise<Ack<{ acknowledged: number }>>[] = [];
    const all: string[] = [];
    for (const { screen, picks } of this.acks) {
      const held = [...(m.holds[screen] ?? [])];
      const socket = r.screens[screen];
      if (!socket || held.length === 0) continue;
      const ids = picks.map((p) => held[p % held.length] ?? '');
      all.push(...ids);
      for (const batch of this.split ? ids.map((id) => [id]) : [ids]) emits.push(socket.timeout(10_000).emitWithAck('message:ack', { ids: batch }));
    }
    const fresh = new Set(all.filter((id) => !m.acked.has(id)));
    if (unacked(m).some((s) => fresh.has(s.id) && s !== unacked(m)[0])) coverage.acksOutOfOrder += 1;
    const replies = await Promise.all(emits);
    const acknowledged = replies.reduce((n, reply) => n + (reply.ok ? reply.data.acknowledged : Number.NaN), 0);
    // Each newly acknowledged message counts once, whichever screen and emit carried it.
    expect(acknowledged).toBe(fresh.size);
    for (const id of all) m.acked.add(id);
    await checkCommitted(m, r, fresh.size > 0);
  }
  toString = () => `ack(${this.acks.map((a) => `screen ${a.screen}: ${JSON.stringify(a.picks)}`).join('; ')}${this.split ? ', split' : ''})`;
}

class DisconnectCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly screen: number) {}
  check = (m: Readonly<Model>) => m.holds[this.screen] !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    r.screens[this.screen]?.close();
    r.screens[this.screen] = undefined;
    r.inboxes[this.screen] = undefined;
    m.holds[this.screen] = undefined;
  }
  toString = () => `disconnect(screen ${this.screen})`;
}

/** Restarts the server on the same topic and database: its in-memory state (consumer positions,
 * the inbox commits' backwards guard) starts empty, Kafka and the store carry on. */
class RestartCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    for (const s of r.screens) s?.close();
    r.screens = [];
    r.inboxes = [];
    m.holds = [];
    await t.close();
    t = await startApp(t.env);
    coverage.restarts += 1;
  }
  toString = () => 'restart';
}

/** Opens a socket for Bob and resolves with what catch-up offered, once it is over. */
async function openScreen(r: Real, onConnect?: () => void) {
  let done: Promise<{ delivered: number }> | undefined;
  let inbox: ReturnType<typeof collectMessages> | undefined;
  const socket = await connect(t, r.bob.token, {
    before: (s) => {
      done = waitFor(s, 'sync:done');
      inbox = collectMessages(s);
      if (onConnect) s.once('connect', onConnect);
    },
  });
  const { delivered } = await (done as Promise<{ delivered: number }>);
  if (!inbox) throw new Error('no inbox');
  return { socket, inbox, delivered, offered: inbox.ids };
}

/** (Re)connects a screen and checks its catch-up: exactly the unacknowledged messages, in order. */
class ConnectCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly screen: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    r.screens[this.screen]?.close();
    // Whatever the group says now is what catch-up will trust.
    await checkCommitted(m, r, false);
    const { socket, inbox, delivered, offered } = await openScreen(r);
    const expected = unacked(m).map((s) => s.id);
    if (expected.length > 0 && expected.length < m.sent.length) coverage.partialCatchUps += 1;
    expect(offered, 'catch-up must offer exactly the unacknowledged messages').toEqual(expected);
    expect(delivered).toBe(expected.length);
    r.screens[this.screen] = socket;
    r.inboxes[this.screen] = inbox;
    m.holds[this.screen] = new Set(expected);
  }
  toString = () => `connect(screen ${this.screen})`;
}

/**
 * A screen (re)connects while another one acknowledges: the catch-up races the ack round and
 * its commit. It may or may not offer what is being acknowledged, but never anything acked
 * before, never less than the rest, and always in order; later reconnects are exact again.
 */
class ConnectWhileAckingCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly screen: number,
    readonly acker: number,
    readonly picks: number[],
    /** ack once the new socket is connected (its catch-up under way) rather than just before */
    readonly late: boolean,
  ) {}
  check = (m: Readonly<Model>) => this.acker !== this.screen && (m.holds[this.acker]?.size ?? 0) > 0;
  async run(m: Model, r: Real): Promise<void> {
    r.screens[this.screen]?.close();
    const held = [...(m.holds[this.acker] ?? [])];
    const ids = this.picks.map((p) => held[p % held.length] ?? '');
    const acker = r.screens[this.acker];
    if (!acker) throw new Error('acking screen offline');
    let acking: Promise<Ack<{ acknowledged: number }>> | undefined;
    const ack = () => (acking = acker.timeout(10_000).emitWithAck('message:ack', { ids }));
    if (!this.late) ack();
    const { socket, inbox, offered } = await openScreen(r, this.late ? ack : undefined);
    expect((await acking)?.ok).toBe(true);
    const mayOffer = new Set(unacked(m).map((s) => s.id));
    const mustOffer = new Set([...mayOffer].filter((id) => !ids.includes(id)));
    const inOrder = m.sent.filter((s) => offered.includes(s.id)).map((s) => s.id);
    expect(offered, 'offered out of order or twice').toEqual(inOrder);
    expect(offered.filter((id) => !mayOffer.has(id)), 'offered an acknowledged message').toEqual([]);
    expect([...mustOffer].filter((id) => !offered.includes(id)), 'left out an unacknowledged message').toEqual([]);
    for (const id of ids) m.acked.add(id);
    r.screens[this.screen] = socket;
    r.inboxes[this.screen] = inbox;
    m.holds[this.screen] = new Set(offered);
    await checkCommitted(m, r, false);
  }
  toString = () => `connect(screen ${this.screen}) while screen ${this.acker} acks ${JSON.stringify(this.picks)}${this.late ? ' (late)' : ''}`;
}

const screen = fc.nat({ max: SCREENS - 1 });
const screenAcks = fc.record({ screen, picks: fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 5 }) });
const commands = [
  fc.boolean().map((carol) => new SendCommand(carol)),
  fc.boolean().map((carol) => new SendCommand(carol)),
  fc
    .tuple(fc.array(screenAcks, { minLength: 1, maxLength: SCREENS }), fc.boolean())
    .map(([acks, split]) => new AckCommand(acks, split)),
  fc
    .tuple(fc.array(screenAcks, { minLength: 1, maxLength: SCREENS }), fc.boolean())
    .map(([acks, split]) => new AckCommand(acks, split)),
  screen.map((s) => new DisconnectCommand(s)),
  screen.map((s) => new ConnectCommand(s)),
  fc.constant(new RestartCommand()),
  fc
    .tuple(screen, screen, fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 5 }), fc.boolean())
    .map(([s, acker, picks, late]) => new ConnectWhileAckingCommand(s, acker, picks, late)),
];

/**
 * Out of order (m3 acked while m1, m2 are not), a partial catch-up on another screen, a restart
 * with a backlog, then the rest acked from two screens and the group checked past Carol's record.
 */
const REACHES_EVERY_CASE: fc.AsyncCommand<Model, Real>[] = [
  new SendCommand(false),
  new SendCommand(true),
  new SendCommand(false),
  new AckCommand([{ screen: 0, picks: [2] }], false),
  new ConnectCommand(1),
  new RestartCommand(),
  new ConnectCommand(0),
  new ConnectCommand(2),
  new AckCommand([{ screen: 0, picks: [1] }, { screen: 2, picks: [0, 0] }], true),
];

/** A recipient name on `partition`: a bounded search (3 partitions, so a few tries at most). */
function nameOnPartition(partition: number): string {
  for (let i = 0; i < 200; i++) {
    const name = randomName('c');
    if (t.app.bus.partitionFor(name) === partition) return name;
  }
  throw new Error(`no name found on partition ${partition}`);
}

it('catch-up offers exactly the unacknowledged messages, whatever the order of acks and screens', async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS, size: 'max' }), async (cmds) => {
      const alice = await register(t);
      const bob = await register(t);
      const partition = t.app.bus.partitionFor(bob.username);
      const carol = nameOnPartition(partition);
      await register(t, carol);
      const real: Real = { alice, bob, carol, partition, screens: [], inboxes: [], lastCommitted: -1 };
      const model: Model = { sent: [], acked: new Set(), holds: [] };
      try {
        // Every run starts with screen 0 online and ends with a reconnect that checks the rest.
        await new ConnectCommand(0).run(model, real);
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await new ConnectCommand(SCREENS - 1).run(model, real);
      } finally {
        for (const s of real.screens) s?.close();
      }
    }),
    // Each run drives the real stack; a failure prints its commands and seed instead of shrinking
    // for minutes on a shared 2-core machine. The example runs first and reaches every case the
    // coverage below asks for, so a random draw that misses one (20 runs did, once) cannot fail
    // the test; the random runs explore beyond it.
    { numRuns: NUM_RUNS, endOnFailure: true, examples: [[REACHES_EVERY_CASE]] },
  );
  // The generator must reach the interesting cases, or the property proves little.
  expect(coverage.acksOutOfOrder).toBeGreaterThan(0);
  expect(coverage.partialCatchUps).toBeGreaterThan(0);
  expect(coverage.restarts).toBeGreaterThan(0);
}, 180_000);
