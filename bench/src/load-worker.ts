// A load generator process: holds sockets (one per user, or several), acknowledges like a real
// client, and POSTs /send (or a group's messages) at a fixed open-loop rate. Runs under
// child_process.fork.
//
// Types, paths and limits are the contract's, but not the shared client's subscribe() and send():
// at thousands of messages a second the generator must stay far below the server in CPU, so it
// skips per-event validation, batches acks every 100 ms, and POSTs over undici pools.
import type { ChatSocket } from '@messenger/client';
import {
  ApiPaths,
  GroupApiPaths,
  MAX_ACK_IDS,
  SOCKET_ID_HEADER,
  SOCKET_PATH,
  type Ack,
  type ChatMessage,
  type GroupSendBody,
  type SendBody,
} from '@messenger/protocol';
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { Pool } from 'undici';
import { CopyTally } from './group-tally.js';
import type { FromWorker, ToWorker, WorkerResult, WorkerUser } from './protocol.js';
import { nowMs } from './stats.js';

let workerId = 0;
let urls: string[] = [];
let users: WorkerUser[] = [];
let recipients: string[] = [];
let socketsPerUser = 1;
const sockets: ChatSocket[] = [];
/** Each user's first socket: the screen its sends come from, named in X-Socket-Id like the web app does. */
const screenOf = new Map<string, ChatSocket>();
const pendingAcks = new Map<ChatSocket, string[]>();

// per-run state
let tag = '';
let runStart = 0;
let warmupEnd = 0;
let received = new Map<string, number>();
let stray = 0;
let latencies: number[] = [];
let answerLatencies: number[] = [];
let deliveredPerSecond: number[] = [];
let acknowledged = 0;
let ackErrors = 0;
let disconnects = 0;
/** Frames the sockets received in this run, by event: what a message costs on the wire. */
let frames: Record<string, number> = {};
/** group mode: every member's copy counted apart (all copies of a message share its text) */
let tally: CopyTally | undefined;

function send(m: FromWorker) {
  process.send?.(m);
}

function onMessage(socket: ChatSocket, username: string, message: ChatMessage) {
  if (message.to !== username) return; // our own send echoed to our other screens
  const at = nowMs();
  const ids = pendingAcks.get(socket);
  if (ids) ids.push(message.id);
  else pendingAcks.set(socket, [message.id]);
  const text = message.text;
  const prefix = `b|${tag}|`;
  if (!text.startsWith(prefix)) {
    stray++;
    return;
  }
  const parts = text.split('|', 5);
  const key = `${parts[2]}.${parts[3]}`;
  const sentAt = Number(parts[4]);
  if (tally) {
    // A run is one kind or the other: a 1:1 message in a group run is not ours to count.
    if (!message.group) {
      stray++;
      return;
    }
    if (!tally.add(key, username, sentAt, at)) return;
  } else {
    const n = received.get(key) ?? 0;
    received.set(key, n + 1);
    if (n > 0) return;
    if (sentAt >= warmupEnd) latencies.push(at - sentAt);
  }
  const sec = Math.floor((at - runStart) / 1000);
  if (sec >= 0 && sec < 3600) deliveredPerSecond[sec] = (deliveredPerSecond[sec] ?? 0) + 1;
}

// Acknowledge like a real client: what arrived in the last 100 ms, in one event per socket.
const ackTimer = setInterval(() => {
  for (const [socket, ids] of pendingAcks) {
    for (let i = 0; i < ids.length; i += MAX_ACK_IDS) {
      socket.emit('message:ack', { ids: ids.slice(i, i + MAX_ACK_IDS) }, (r: Ack<{ acknowledged: number }>) => {
        if (r.ok) acknowledged += r.data.acknowledged;
        else ackErrors++;
      });
    }
  }
  pendingAcks.clear();
}, 100);
ackTimer.unref();

async function connectAll(concurrency: number, timeoutMs: number) {
  const started = Date.now();
  // Socket number `slot` over all workers goes to instance slot % N: the generators stand in
  // for a load balancer, and a user's sockets land on different instances.
  const targets: { u: WorkerUser; url: string }[] = [];
  for (const u of users) {
    for (let k = 0; k < socketsPerUser; k++) targets.push({ u, url: urls[(u.index * socketsPerUser + k) % urls.length] ?? '' });
  }
  let next = 0;
  let connected = 0;
  let failed = 0;
  let firstError: string | undefined;
  const deadline = started + timeoutMs;
  async function one({ u, url }: { u: WorkerUser; url: string }) {
    const token = u.token;
    const socket: ChatSocket = io(url, {
      path: SOCKET_PATH,
      transports: ['websocket'],
      auth: { token, client: 'bot' },
      forceNew: true,
      reconnection: false,
      timeout: 30_000,
    });
    socket.on('message:new', (p) => onMessage(socket, u.username, p.message));
    socket.on('message:batch', (p) => {
      for (const m of p.messages) onMessage(socket, u.username, m);
    });
    socket.on('disconnect', () => disconnects++);
    socket.onAny((event: string) => {
      frames[event] = (frames[event] ?? 0) + 1;
    });
    await new Promise<void>((resolve) => {
      socket.once('connect', () => {
        connected++;
        sockets.push(socket);
        if (!screenOf.has(u.username)) screenOf.set(u.username, socket);
        resolve();
      });
      socket.once('connect_error', (e: Error) => {
        failed++;
        firstError ??= e.message;
        socket.close();
        resolve();
      });
    });
  }
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, targets.length)) }, async () => {
      while (next < targets.length && Date.now() < deadline) {
        const t = targets[next++];
        if (t) await one(t);
      }
    }),
  );
  send({ type: 'connected', ms: Date.now() - started, connected, failed, ...(firstError ? { firstError } : {}) });
}

async function run(c: Extract<ToWorker, { cmd: 'run' }>) {
  tag = c.tag;
  runStart = c.startAt;
  warmupEnd = c.startAt + c.warmupMs;
  received = new Map();
  stray = 0;
  latencies = [];
  answerLatencies = [];
  deliveredPerSecond = [];
  acknowledged = 0;
  ackErrors = 0;
  disconnects = 0;
  frames = {};
  tally = c.groups ? new CopyTally() : undefined;
  const accepted: string[] = [];
  const expected: [string, number][] = [];
  const sendErrors: Record<string, number> = {};
  const sentPerSecond: number[] = [];
  const senders = users.filter((u) => u.index < c.activeCount);
  const targets = recipients.slice(0, c.activeCount);
  // Group mode: the groups this worker has members of, each with those members as its senders.
  const byIndex = new Map(users.map((u) => [u.index, u]));
  const groups = (c.groups ?? [])
    .map((g) => ({ path: GroupApiPaths.messages(g.id), size: g.members.length, senders: g.members.flatMap((i) => byIndex.get(i) ?? []) }))
    .filter((g) => g.senders.length > 0);
  if (c.groups && groups.length === 0) throw new Error(`worker ${workerId} holds no member of any group`);
  // POSTs go to the instances round-robin, over the same number of connections in total.
  const perInstance = Math.max(1, Math.ceil(c.connections / urls.length));
  const pools = urls.map((u) => new Pool(u, { connections: perInstance, pipelining: 1, keepAliveTimeout: 60_000 }));
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const wall0 = Date.now();
  let issued = 0;
  let outstanding = 0;
  let capped = 0;
  let maxSlipMs = 0;
  const pad = 'x'.repeat(Math.max(0, c.textBytes));
  const total = Math.floor((c.rate * c.durationMs) / 1000);

  /** Who sends, where, and the body around `text`; undefined when there is nobody to send to. */
  function pick(): { sender: WorkerUser; path: string; body: (text: string) => SendBody | GroupSendBody; copies: number } | undefined {
    if (c.groups) {
      const g = groups[Math.floor(Math.random() * groups.length)];
      const sender = g?.senders[Math.floor(Math.random() * g.senders.length)];
      return g && sender ? { sender, path: g.path, body: (text) => ({ text }), copies: g.size } : undefined;
    }
    const sender = senders[Math.floor(Math.random() * senders.length)];
    if (!sender || targets.length < 2) return undefined;
    let to = targets[Math.floor(Math.random() * targets.length)];
    while (to === sender.username) to = targets[Math.floor(Math.random() * targets.length)];
    return { sender, path: ApiPaths.send, body: (text) => ({ to, text }), copies: 1 };
  }

  function fire() {
    const target = pick();
    if (!target) return;
    const { sender } = target;
    const seq = issued++;
    const t0 = nowMs();
    const head = `b|${tag}|${workerId}|${seq}|${t0.toFixed(3)}|`;
    const text = head + pad.slice(0, Math.max(1, c.textBytes - head.length));
    const sec = Math.floor((t0 - runStart) / 1000);
    if (sec >= 0 && sec < 3600) sentPerSecond[sec] = (sentPerSecond[sec] ?? 0) + 1;
    const pool = pools[seq % pools.length];
    if (!pool) return;
    const screen = screenOf.get(sender.username);
    const headers: Record<string, string> = { authorization: `Bearer ${sender.token}`, 'content-type': 'application/json' };
    // Not for group sends: the groups scenario counts a copy per member, the sender's own copy
    // included (pushed to the sender's screen like any other), so its "last member" and its CPU
    // per delivered copy keep meaning what they did; the skipped echo is the 1:1 runs' business.
    if (!c.groups && screen?.connected && screen.id) headers[SOCKET_ID_HEADER] = screen.id;
    outstanding++;
    pool
      .request({
        method: 'POST',
        path: target.path,
        headers,
        body: JSON.stringify(target.body(text)),
      })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode === 202) {
          accepted.push(`${workerId}.${seq}`);
          if (c.groups) expected.push([`${workerId}.${seq}`, target.copies]);
          if (t0 >= warmupEnd) answerLatencies.push(nowMs() - t0);
        }
        else sendErrors[String(res.statusCode)] = (sendErrors[String(res.statusCode)] ?? 0) + 1;
      })
      .catch((e: Error) => {
        sendErrors[e.name] = (sendErrors[e.name] ?? 0) + 1;
      })
      .finally(() => outstanding--);
  }

  const wait = c.startAt - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = nowMs() - c.startAt;
      const due = Math.min(total, Math.floor((elapsed * c.rate) / 1000));
      while (issued < due) {
        if (outstanding >= c.maxOutstanding) {
          capped++;
          break;
        }
        fire();
      }
      if (issued < due) maxSlipMs = Math.max(maxSlipMs, elapsed - (issued * 1000) / c.rate);
      if (issued >= total || elapsed > c.durationMs + 30_000) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  // Every request answered (bounded).
  const drainUntil = Date.now() + 30_000;
  while (outstanding > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  send({ type: 'sent', issued, accepted: accepted.length, expected: c.groups ? expected.reduce((a, [, n]) => a + n, 0) : accepted.length });
  await Promise.all(pools.map((p) => p.close()));
  collectBase = {
    accepted,
    groupExpected: c.groups ? expected : undefined,
    sendErrors,
    sentPerSecond: Array.from(sentPerSecond, (v) => v ?? 0),
    capped,
    maxSlipMs,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    eventLoopUtilization: elu.utilization,
    wallMs: Date.now() - wall0,
  };
}

let collectBase: Pick<
  WorkerResult,
  'accepted' | 'sendErrors' | 'sentPerSecond' | 'capped' | 'maxSlipMs' | 'cpuUserMs' | 'cpuSystemMs' | 'eventLoopUtilization' | 'wallMs'
> & { groupExpected?: [string, number][] } = { accepted: [], sendErrors: {}, sentPerSecond: [], capped: 0, maxSlipMs: 0, cpuUserMs: 0, cpuSystemMs: 0, eventLoopUtilization: 0, wallMs: 0 };

function result(): WorkerResult {
  const { groupExpected, ...base } = collectBase;
  return {
    workerId,
    ...base,
    ...(groupExpected && tally ? { group: { expected: groupExpected, arrivals: tally.arrivals(), duplicates: tally.duplicates } } : {}),
    received: [...received],
    stray,
    frames,
    latencies: Float64Array.from(latencies),
    answerLatencies: Float64Array.from(answerLatencies),
    deliveredPerSecond: Array.from(deliveredPerSecond, (v) => v ?? 0),
    acknowledged,
    ackErrors,
    disconnects,
  };
}

process.on('message', (m: ToWorker) => {
  const handle = async () => {
    switch (m.cmd) {
      case 'init':
        workerId = m.workerId;
        urls = m.urls;
        users = m.users;
        recipients = m.recipients;
        socketsPerUser = m.socketsPerUser;
        send({ type: 'ready' });
        break;
      case 'connect':
        await connectAll(m.concurrency, m.timeoutMs);
        break;
      case 'run':
        await run(m);
        break;
      case 'count':
        send({ type: 'count', received: tally ? tally.copies : received.size });
        break;
      case 'collect':
        send({ type: 'result', result: result() });
        break;
      case 'close':
        for (const s of sockets) s.close();
        setTimeout(() => process.exit(0), 200);
        break;
    }
  };
  handle().catch((e: unknown) => send({ type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) }));
});
process.on('disconnect', () => process.exit(0));
