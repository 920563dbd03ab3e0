// The Kafka floor: a bare producer → consumer group on the same broker, same message size and
// rate, configured like the server (idempotent, acks=all, one produce request in flight with the
// rest batched behind it; consumer maxWait 250 ms, offsets committed once a second), on kafkajs
// or @platformatic/kafka (floor-clients.ts). Latency = produce call → the consumer hands the record over.
// Runs as a forked process so it has its own CPU and event loop; reports over IPC.
import { openFloorClient, type FloorClientName, type FloorRecord } from './floor-clients.js';
import { ioSyscalls } from './proc.js';
import { histogram, nowMs, round, summarize } from './stats.js';

export interface FloorRequest {
  client: FloorClientName;
  brokers: string;
  rate: number;
  durationS: number;
  warmupS: number;
  textBytes: number;
  partitions: number;
}

async function runFloor(req: FloorRequest) {
  const topic = `bench-floor-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const received = new Map<number, number>();
  const latencies: number[] = [];
  const deliveredPerSecond: number[] = [];
  let startAt = 0;
  let warmupEnd = Number.MAX_SAFE_INTEGER;
  const onValue = (text: string, at: number) => {
    const parts = text.split('|', 3);
    const seq = Number(parts[0]);
    const sentAt = Number(parts[1]);
    const n = received.get(seq) ?? 0;
    received.set(seq, n + 1);
    if (n > 0) return;
    if (sentAt >= warmupEnd) latencies.push(at - sentAt);
    const sec = Math.floor((at - startAt) / 1000);
    if (sec >= 0 && sec < 3600) deliveredPerSecond[sec] = (deliveredPerSecond[sec] ?? 0) + 1;
  };
  const client = await openFloorClient(req.client, { brokers: req.brokers.split(','), topic, partitions: req.partitions, onValue }, nowMs);

  // The server's micro-batcher, reduced to its essence.
  const queue: FloorRecord[] = [];
  let inFlight = false;
  let acked = 0;
  let errors = 0;
  const flush = async () => {
    if (inFlight || queue.length === 0) return;
    inFlight = true;
    const batch = queue.splice(0, 1000);
    try {
      await client.send(batch);
      acked += batch.length;
    } catch {
      errors += batch.length;
    } finally {
      inFlight = false;
      if (queue.length > 0) setImmediate(() => void flush());
    }
  };

  const total = Math.floor(req.rate * req.durationS);
  const pad = 'x'.repeat(req.textBytes);
  const sentPerSecond: number[] = [];
  const cpu0 = process.cpuUsage();
  const io0 = ioSyscalls();
  startAt = nowMs() + 100;
  warmupEnd = startAt + req.warmupS * 1000;
  let issued = 0;
  let maxSlipMs = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = nowMs() - startAt;
      const due = Math.min(total, Math.floor((elapsed * req.rate) / 1000));
      while (issued < due) {
        const t0 = nowMs();
        const head = `${issued}|${t0.toFixed(3)}|`;
        // The same shape as a server record: JSON of similar size, keyed by a recipient.
        const value = head + pad.slice(0, Math.max(1, req.textBytes + 150 - head.length));
        // The server picks partitions itself from the key; here the key's number does, so both
        // clients spread records over the partitions alike.
        const user = issued % 1000;
        queue.push({ key: `user${user}`, value, partition: user % req.partitions });
        const sec = Math.floor((t0 - startAt) / 1000);
        if (sec >= 0) sentPerSecond[sec] = (sentPerSecond[sec] ?? 0) + 1;
        issued++;
      }
      if (issued < due) maxSlipMs = Math.max(maxSlipMs, elapsed - (issued * 1000) / req.rate);
      setImmediate(() => void flush());
      if (issued >= total || elapsed > req.durationS * 1000 + 30_000) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const drainStart = Date.now();
  while ((received.size < issued || inFlight || queue.length > 0) && Date.now() - drainStart < 15_000) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpu = process.cpuUsage(cpu0);
  const io1 = ioSyscalls();
  const wallMs = nowMs() - startAt;
  let duplicates = 0;
  for (const c of received.values()) duplicates += c - 1;
  let lost = 0;
  for (let i = 0; i < issued; i++) if (!received.has(i)) lost++;
  await client.close();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const perMessage = (total: number, digits: number) => (received.size > 0 ? round(total / received.size, digits) : NaN);
  return {
    client: req.client,
    targetRate: req.rate,
    durationS: req.durationS,
    issued,
    accepted: acked,
    produceErrors: errors,
    delivered: received.size,
    lost,
    duplicates,
    achievedRate: round(acked / req.durationS, 1),
    latency: summarize(latencies),
    histogram: histogram(latencies),
    sentPerSecond: Array.from(sentPerSecond, (v) => v ?? 0),
    deliveredPerSecond: Array.from(deliveredPerSecond, (v) => v ?? 0),
    cpuPercent: round((cpuMs / wallMs) * 100, 1),
    /** producer + consumer (and the pacing loop), over records delivered */
    cpuMsPerMessage: perMessage(cpuMs, 4),
    /** socket writes (≈ Kafka requests) and reads per record delivered; NaN off Linux */
    writesPerMessage: io0 && io1 ? perMessage(io1.writes - io0.writes, 3) : NaN,
    readsPerMessage: io0 && io1 ? perMessage(io1.reads - io0.reads, 3) : NaN,
    maxSlipMs: round(maxSlipMs, 1),
  };
}

export type FloorResult = Awaited<ReturnType<typeof runFloor>>;

process.on('message', (req: FloorRequest) => {
  runFloor(req).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (error: unknown) => process.send?.({ ok: false, error: String(error instanceof Error ? error.stack : error) }, () => process.exit(1)),
  );
});
