// Results: target verdicts, the markdown summary and a self-contained HTML report (inline SVG).
import type { CompareResult, CompareRound } from './compare.js';
import { compareMarkdown, compareStagesSvg } from './compare-report.js';
import { framesPerMessage } from './load.js';
import { stagesSvg } from './stages.js';
import type { FloorClientName } from './floor-clients.js';
import type { GroupsResult } from './groups.js';
import type { Histogram } from './stats.js';
import type { ScaleResult } from './scale.js';
import { referenceFloor, type CatchUpResult, type ConnectionsResult, type FanInResult, type RampResult, type Settings, type SteadyResult } from './scenarios.js';

export interface Results {
  startedAt: string;
  finishedAt: string;
  mode: 'quick' | 'full';
  machine: { cpus: number; cpuModel: string; memGB: number; node: string; loadAvgStart: number[]; loadAvgEnd?: number[] };
  notes: string[];
  settings: Settings;
  registration: { users: number; ms: number };
  steady?: SteadyResult;
  ramp?: RampResult;
  connections?: ConnectionsResult;
  fanIn?: FanInResult;
  catchUp?: CatchUpResult;
  groups?: GroupsResult;
  scale?: ScaleResult;
  compare?: CompareResult;
  errors: Record<string, string>;
  targets: Target[];
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
  note?: string;
}

const FLOOR_NAMES: Record<FloorClientName, string> = { kafkajs: 'kafkajs → kafkajs', platformatic: '@platformatic/kafka → @platformatic/kafka' };

const fmt = (v: number | null | undefined, d = 1) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));

export function evaluateTargets(r: Results): Target[] {
  const t: Target[] = [];
  const s = r.steady;
  if (s) {
    const floor = referenceFloor(s.floors);
    const scale = `${s.users} users, ${s.rate}/s, ${s.durationS} s`;
    t.push({ name: 'steady p50', target: '≤ 5 ms', measured: `${fmt(s.ours.latency.p50, 2)} ms (${scale})`, met: s.ours.latency.p50 <= 5 });
    t.push({ name: 'steady p99', target: '≤ 25 ms', measured: `${fmt(s.ours.latency.p99, 2)} ms`, met: s.ours.latency.p99 <= 25 });
    t.push({ name: 'steady loss', target: '0', measured: String(s.ours.lost), met: s.ours.lost === 0 });
    t.push({ name: 'steady duplicates', target: '0', measured: String(s.ours.duplicates), met: s.ours.duplicates === 0 });
    t.push({
      name: 'ours/floor at p50',
      target: '≤ 2',
      measured: `${fmt(s.ratios.oursOverFloorP50, 2)} (floor p50 ${floor && 'latency' in floor ? `${fmt(floor.latency.p50, 2)} ms on ${floor.client}` : 'n/a'})`,
      met: Number.isFinite(s.ratios.oursOverFloorP50) ? s.ratios.oursOverFloorP50 <= 2 : null,
    });
  }
  if (r.ramp) {
    t.push({
      name: 'ramp',
      target: '≥ 5,000 msg/s at p99 ≤ 50 ms, zero loss',
      measured: `${r.ramp.bestRate} msg/s`,
      met: r.ramp.bestRate >= 5000,
      ...(r.ramp.steps.some((x) => x.generatorSaturated) ? { note: 'the load generator was saturated at some step' } : {}),
    });
  }
  if (r.connections) {
    const c = r.connections;
    const projected = c.rssBeforeMB + (c.rssPerConnectionKB * 10_000) / 1024;
    const full = c.connected >= 10_000;
    t.push({
      name: '10,000 idle sockets',
      target: '< 1 GB server RSS',
      measured: full
        ? `${fmt(c.rssAfterMB)} MB with ${c.connected} sockets (${fmt(c.rssPerConnectionKB)} KB each)`
        : `${fmt(projected)} MB projected from ${c.connected} sockets (${fmt(c.rssPerConnectionKB)} KB each)`,
      met: full ? c.rssAfterMB < 1024 : Number.isFinite(projected) ? projected < 1024 : null,
      ...(full ? {} : { note: 'projection (quick run)' }),
    });
  }
  if (r.fanIn) {
    const pts = r.fanIn.points.map((p) => `${p.online}: ${fmt(p.cpuMsPerMessage, 3)}`).join(', ');
    t.push({
      name: 'fan-in CPU/message flat',
      target: 'max/min ≤ 1.5 across online counts',
      measured: `${fmt(r.fanIn.cpuPerMessageSpread, 2)}× (ms/msg by online users: ${pts})`,
      met: Number.isFinite(r.fanIn.cpuPerMessageSpread) ? r.fanIn.cpuPerMessageSpread <= 1.5 : null,
    });
  }
  if (r.catchUp) {
    const c = r.catchUp;
    const full = c.accepted >= 10_000;
    const projected = (c.catchUpMs * 10_000) / Math.max(1, c.accepted);
    t.push({
      name: 'catch-up of 10,000',
      target: '≤ 3 s, in order, no loss',
      measured: full
        ? `${fmt(c.catchUpMs / 1000, 2)} s, in order: ${c.inOrder}, lost ${c.lost}, dup ${c.duplicates}`
        : `${fmt(c.catchUpMs / 1000, 2)} s for ${c.accepted} (≈ ${fmt(projected / 1000, 2)} s per 10,000), in order: ${c.inOrder}, lost ${c.lost}`,
      met: (full ? c.catchUpMs <= 3000 : projected <= 3000) && c.inOrder && c.lost === 0 && c.duplicates === 0,
      ...(full ? {} : { note: 'linear projection (quick run)' }),
    });
  }
  if (r.groups) {
    const g = r.groups.goal;
    const b = r.groups.baselineCpuMsPerCopy;
    t.push({
      name: 'groups: CPU per delivered copy vs a 1:1 message',
      target: `≤ ${g.maxRatio}× at every size, zero loss, no duplicates`,
      measured: `worst ${fmt(g.worstRatio, 2)}× (${g.worstMembers} members; ${r.groups.phases.map((p) => `${p.members}: ${fmt(p.cpuMsPerCopy, 3)}`).join(', ')} ms vs 1:1 ${fmt(b, 3)} ms), lost ${g.lost}, dup ${g.duplicates}`,
      met: g.met,
    });
  }
  if (r.scale) {
    const g = r.scale.goal;
    const base = r.scale.points[0]?.instances ?? 1;
    t.push({
      name: `scale: CPU/message at ${g.instances} vs ${base} instance(s)`,
      target: `≤ ${g.maxRatio}×, zero loss`,
      measured: `${fmt(g.ratio, 2)}× (${r.scale.points.map((p) => `${p.instances}: ${fmt(p.cpuMsPerMessage, 3)} ms`).join(', ')}), lost ${g.lost}`,
      met: g.met,
    });
  }
  return t;
}

const verdict = (m: boolean | null) => (m === null ? '–' : m ? 'met' : 'NOT met');

export function markdown(r: Results): string {
  const L: string[] = [];
  L.push(`# Benchmark results (${r.mode})`, '');
  L.push(`${r.startedAt} → ${r.finishedAt}; ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGB} GB, Node ${r.machine.node}; load average (1/5/15 min) at start ${r.machine.loadAvgStart.map((x) => x.toFixed(2)).join(' ')}, at end ${(r.machine.loadAvgEnd ?? []).map((x) => x.toFixed(2)).join(' ')}.`, '');
  for (const n of r.notes) L.push(`- ${n}`);
  // A comparison has no targets of its own: its verdict is the ratio.
  if (r.targets.length) L.push('', '## Targets', '', '| target | goal | measured | verdict |', '|---|---|---|---|');
  for (const t of r.targets) L.push(`| ${t.name} | ${t.target} | ${t.measured}${t.note ? ` (${t.note})` : ''} | ${verdict(t.met)} |`);
  const s = r.steady;
  if (s) {
    L.push('', `## Steady: ${s.users} users, ${s.rate} msg/s, ${s.durationS} s`, '');
    L.push('| path | p50 ms | p90 | p99 | p99.9 | max | achieved/s | accepted | delivered | lost | dup | CPU % |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
    const o = s.ours;
    L.push(`| ours (HTTP → Kafka → socket) | ${fmt(o.latency.p50, 2)} | ${fmt(o.latency.p90, 2)} | ${fmt(o.latency.p99, 2)} | ${fmt(o.latency.p999, 2)} | ${fmt(o.latency.max, 2)} | ${fmt(o.achievedRate)} | ${o.accepted} | ${o.delivered} | ${o.lost} | ${o.duplicates} | server ${fmt(s.server.cpuPercent)} |`);
    for (const f of s.floors) {
      if ('latency' in f) {
        L.push(`| Kafka floor (${FLOOR_NAMES[f.client]}) | ${fmt(f.latency.p50, 2)} | ${fmt(f.latency.p90, 2)} | ${fmt(f.latency.p99, 2)} | ${fmt(f.latency.p999, 2)} | ${fmt(f.latency.max, 2)} | ${fmt(f.achievedRate)} | ${f.accepted} | ${f.delivered} | ${f.lost} | ${f.duplicates} | floor process ${fmt(f.cpuPercent)} (${fmt(f.cpuMsPerMessage, 3)} ms/msg; ${fmt(f.writesPerMessage, 2)} socket writes, ${fmt(f.readsPerMessage, 2)} reads per msg) |`);
      } else L.push(`| Kafka floor (${FLOOR_NAMES[f.client]}) | error: ${f.error.slice(0, 200)} |`);
    }
    if ('latency' in s.direct) {
      const d = s.direct;
      L.push(`| direct relay (HTTP → socket) | ${fmt(d.latency.p50, 2)} | ${fmt(d.latency.p90, 2)} | ${fmt(d.latency.p99, 2)} | ${fmt(d.latency.p999, 2)} | ${fmt(d.latency.max, 2)} | ${fmt(d.achievedRate)} | ${d.accepted} | ${d.delivered} | ${d.lost} | ${d.duplicates} | relay ${fmt(d.relay.cpuPercent)} |`);
    } else L.push(`| direct relay | error: ${s.direct.error.slice(0, 200)} |`);
    L.push('');
    L.push(`Ratios: ours/floor p50 ${fmt(s.ratios.oursOverFloorP50, 2)}, p99 ${fmt(s.ratios.oursOverFloorP99, 2)}; ours/direct p50 ${fmt(s.ratios.oursOverDirectP50, 2)}, p99 ${fmt(s.ratios.oursOverDirectP99, 2)}.`);
    const measured = s.floors.filter((f) => 'latency' in f);
    if (measured.length > 1) {
      L.push(`Floor CPU per message (producer + consumer group in one process, pacing included): ${measured.map((f) => `${f.client} ${fmt(f.cpuMsPerMessage, 3)} ms`).join(', ')}; the server: ${fmt(s.server.cpuMsPerMessage, 3)} ms.`);
    }
    L.push(`Machine CPU busy during our run: ${fmt(s.server.machineBusyPercent)} % of all cores (everything on the box, including other people's tests).`);
    L.push(`Server: ${fmt(s.server.cpuPercent)} % CPU, ${fmt(s.server.cpuMsPerMessage, 3)} ms CPU per message, ${fmt(s.server.writesPerMessage, 2)} socket writes and ${fmt(s.server.readsPerMessage, 2)} reads per message, RSS max ${fmt(s.server.rssMaxMB)} MB. Acknowledged ${o.acknowledged} (ack errors ${o.ackErrors}); send errors ${JSON.stringify(o.sendErrors)}; stray ${o.stray}; drain ${o.drainMs} ms.`);
    L.push(`WebSocket frames received per accepted message: ${framesPerMessage(o.frames, o.accepted)}.`);
    L.push(`Kafka after the run: history group lag ${s.lag.historyGroupLag ?? 'n/a'}, undelivered (inbox backlog) ${s.lag.undeliveredMessages ?? 'n/a'}.`);
    const st = s.stages;
    L.push(`POST /send answered (202 seen by the generator): p50 ${fmt(o.answerLatency.p50, 2)} ms, p99 ${fmt(o.answerLatency.p99, 2)} ms.`);
    L.push(`Inside the server (means from its histograms): POST /send ${fmt(st.sendMs ?? NaN)} ms, of which waiting for Kafka's acknowledgement ${fmt(st.produceMs ?? NaN)} ms; accepted → pushed to the recipient's room ${fmt(st.consumeToEmitMs ?? NaN)} ms.`);
    L.push(`Load generator: ${o.generator.map((g) => `worker ${g.workerId} ${g.cpuPercent} % CPU, loop ${Math.round(g.eventLoopUtilization * 100)} %, capped ${g.capped}, max slip ${g.maxSlipMs} ms`).join('; ')}${o.generatorSaturated ? ' — SATURATED: latency includes the generator' : ''}${o.backpressured ? ' — BACKPRESSURE: the server answered too slowly, 5,000 requests were outstanding and sends fell behind schedule' : ''}.`);
  }
  if (r.ramp) {
    L.push('', `## Ramp: ${r.ramp.users} users, ${r.ramp.stepS} s per step, pass = p99 ≤ ${r.ramp.maxP99Ms} ms and zero loss`, '');
    L.push('| target/s | try | achieved/s | p50 ms | p99 ms | lost | dup | send errors | server CPU % | machine busy % | generator saturated | pass |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const x of r.ramp.steps) L.push(`| ${x.rate} | ${x.attempt} | ${fmt(x.achievedRate)} | ${fmt(x.p50, 2)} | ${fmt(x.p99, 2)} | ${x.lost} | ${x.duplicates} | ${x.sendErrors} | ${fmt(x.serverCpuPercent)} | ${fmt(x.machineBusyPercent)} | ${x.generatorSaturated} | ${x.passed ? 'yes' : 'no'} |`);
    L.push('', `Highest passing rate: **${r.ramp.bestRate} msg/s**.`);
  }
  if (r.connections) {
    const c = r.connections;
    L.push('', '## Connections (idle, authenticated)', '');
    L.push(`${c.connected} of ${c.sockets} sockets connected (${c.failed} failed${c.firstError ? `: ${c.firstError}` : ''}) in ${c.connectMs} ms, ${c.users} users × ${c.socketsPerUser}. Server RSS ${fmt(c.rssBeforeMB)} → ${fmt(c.rssAfterMB)} MB: ${fmt(c.rssPerConnectionKB)} KB per connection. ulimit -n (clients) ${c.clientUlimitN}, server max open files ${c.serverMaxOpenFiles}.${c.freshServer ? ' Measured on a freshly restarted server (same data), before any message load.' : ''}`);
  }
  if (r.fanIn) {
    L.push('', '## Fan-in: same rate, more users online', '');
    L.push('| online users | rate/s | achieved/s | p50 ms | p99 ms | lost | dup | server CPU % | CPU ms/message | machine busy % | connect ms |', '|---|---|---|---|---|---|---|---|---|---|---|');
    for (const p of r.fanIn.points) L.push(`| ${p.online} | ${p.rate} | ${fmt(p.achievedRate)} | ${fmt(p.p50, 2)} | ${fmt(p.p99, 2)} | ${p.lost} | ${p.duplicates} | ${fmt(p.serverCpuPercent)} | ${fmt(p.cpuMsPerMessage, 3)} | ${fmt(p.machineBusyPercent)} | ${p.connectMs} |`);
    L.push('', `CPU per message max/min: ${fmt(r.fanIn.cpuPerMessageSpread, 2)}×.`);
  }
  if (r.catchUp) {
    const c = r.catchUp;
    L.push('', '## Catch-up', '');
    L.push(`${c.accepted} of ${c.messages} messages accepted for an offline user in ${c.sendMs} ms (stored ${c.storeWaitMs} ms later). On connect: all ${c.received} received in **${fmt(c.catchUpMs)} ms** (sync:done at ${fmt(c.syncDoneMs)} ms), in order: ${c.inOrder}, lost ${c.lost}, duplicates ${c.duplicates}.`);
  }
  if (r.groups) L.push(...groupsMarkdown(r.groups));
  if (r.scale) L.push(...scaleMarkdown(r.scale));
  if (r.compare) L.push(...compareMarkdown(r.compare));
  if (Object.keys(r.errors).length) {
    L.push('', '## Errors', '');
    for (const [k, v] of Object.entries(r.errors)) L.push(`- ${k}: ${v.split('\n')[0]}`);
  }
  return L.join('\n') + '\n';
}

function groupsMarkdown(g: GroupsResult): string[] {
  const s = g.settings;
  const [before, after] = g.baselines;
  const L = ['', `## Groups: ${g.users} users in groups of ${s.sizes.join(', ')}, ${s.copiesPerSecond} copies/s, ${s.durationS} s per phase (warm-up ${s.warmupS} s)`, ''];
  L.push(`Each size is its own phase on the same server and the same ${g.users} sockets (one per user, acking every 100 ms like a client): R = ${s.copiesPerSecond} ÷ members group messages/s, each from a random member of a random group, through POST /api/groups/:id/messages. A copy is one member's message (the sender's own copy included: the server writes, stores and pushes it like the others). Latency runs from POST start to the LAST member's socket having its copy. The 1:1 rows are POST /send at ${s.copiesPerSecond} msg/s on the same sockets, just before and just after the group phases; ×(1:1) divides by their mean (${fmt(g.baselineCpuMsPerCopy, 4)} ms), and their difference (${fmt(before?.cpuMsPerCopy, 4)} vs ${fmt(after?.cpuMsPerCopy, 4)} ms) is how much the shared machine drifted meanwhile. CPU is the server process's user + system time from the first send to the end of the drain, over copies delivered. Groups were created through POST /api/groups in ${(g.createGroupsMs / 1000).toFixed(1)} s; sockets connected in ${(g.connectMs / 1000).toFixed(1)} s.`, '');
  L.push('| members | groups | R msg/s | achieved msg/s | copies/s delivered | accepted | copies owed | delivered | lost | dup | p50 ms (last member) | p99 ms | max ms | 202 p50/p99 ms | server CPU % | CPU ms/copy | ×(1:1) | undelivered after | server log lines | machine busy % |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const p of [...g.baselines.slice(0, 1), ...g.phases, ...g.baselines.slice(1)]) {
    const flags = `${p.generatorSaturated ? ' (generator saturated)' : ''}${p.backpressured ? ' (backpressure)' : ''}${Object.keys(p.sendErrors).length ? ` send errors ${JSON.stringify(p.sendErrors)}` : ''}${p.extra ? ` (${p.extra} copies outside the group)` : ''}`;
    L.push(`| ${p.kind === 'direct' ? '1:1' : p.members} | ${p.kind === 'direct' ? '–' : p.groups} | ${fmt(p.rate, 2)} | ${fmt(p.achievedRate, 2)}${flags} | ${fmt(p.copiesPerSecond)} | ${p.accepted} | ${p.expectedCopies} | ${p.delivered} | ${p.lost} | ${p.duplicates} | ${fmt(p.p50, 2)} | ${fmt(p.p99, 2)} | ${fmt(p.max, 2)} | ${fmt(p.answerP50, 1)} / ${fmt(p.answerP99, 1)} | ${fmt(p.server.cpuPercent)} | ${fmt(p.cpuMsPerCopy, 4)} | ${fmt(p.cpuRatio, 2)} | ${p.lag.undeliveredMessages ?? 'n/a'} | ${p.serverLogLines} | ${fmt(p.server.machineBusyPercent)} |`);
  }
  const goal = g.goal;
  L.push('', `Goal: server CPU per delivered copy at most that of a 1:1 message (≤ ${goal.maxRatio}×) at every size, zero loss: **worst ${fmt(goal.worstRatio, 2)}× (groups of ${goal.worstMembers}), lost ${goal.lost}, duplicates ${goal.duplicates} (${verdict(goal.met)})**. With few messages (large groups at a fixed copies/s), p99 is close to the maximum: see the latency samples in the JSON. "undelivered after" is the server's messages_undelivered gauge (inbox backlog) once the phase drained; server log lines are the warnings and errors it printed during the phase.`);
  return L;
}

function scaleMarkdown(sc: ScaleResult): string[] {
  const s = sc.settings;
  const L = ['', `## Scale-out: ${s.rate} msg/s offered to ${s.instances.join(', ')} instance(s), ${s.users} users, ${s.durationS} s (warm-up ${s.warmupS} s)`, ''];
  L.push(`Instances share one topic prefix (${sc.partitions} partitions), one Postgres ${sc.postgres} database and one record-signing key; sockets and POSTs go to them round-robin. CPU is summed over every instance process (/proc), from just before the first send to the end of the drain, divided by messages delivered.`, '');
  L.push('| instances | achieved/s | p50 ms | p99 ms | 202 p50/p99 ms | accepted | delivered | lost | dup | server CPU s (all) | CPU ms/msg | ×(first) | consumed/msg | machine busy % | per instance: CPU s / 202s / sockets / log lines |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const p of sc.points) {
    const per = p.perInstance.map((x) => `${x.instanceId} ${fmt(x.cpuSeconds, 2)} / ${x.sendsAccepted} / ${x.socketsOnline} / ${x.logLines}`).join('; ');
    const flags = `${p.generatorSaturated ? ' (generator saturated)' : ''}${p.backpressured ? ' (backpressure)' : ''}${Object.keys(p.sendErrors).length ? ` send errors ${JSON.stringify(p.sendErrors)}` : ''}`;
    L.push(`| ${p.instances} | ${fmt(p.achievedRate)}${flags} | ${fmt(p.p50, 2)} | ${fmt(p.p99, 2)} | ${fmt(p.answerP50, 1)} / ${fmt(p.answerP99, 1)} | ${p.accepted} | ${p.delivered} | ${p.lost} | ${p.duplicates} | ${fmt(p.serverCpuSeconds, 2)} | ${fmt(p.cpuMsPerMessage, 3)} | ${fmt(p.cpuRatio, 2)} | ${fmt(p.consumedPerMessage, 2)} | ${fmt(p.machineBusyPercent)} | ${per} |`);
  }
  const g = sc.goal;
  L.push('', `Goal: CPU per message at ${g.instances} instances ≤ ${g.maxRatio}× that at ${sc.points[0]?.instances ?? 1}, with zero loss: **${fmt(g.ratio, 2)}×, lost ${g.lost} (${verdict(g.met)})**. consumed/msg is how many times the instances' history consumers took in (stored and routed) each message: once per instance while each has its own history group, once in all when they share one; above that, records were consumed again (a batch retried, or a group rejoin replaying from its last commit). Log lines are the warnings and errors each instance printed during the run (first lines in the bench log).`);
  return L;
}

// --- HTML with inline SVG -----------------------------------------------------------------

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
const COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c'];

function histogramChart(title: string, series: { name: string; h: Histogram }[]): string {
  const W = 720;
  const H = 240;
  const pad = 40;
  const first = series[0]?.h;
  if (!first) return '';
  // Show buckets from the first to the last non-empty one across series.
  let lo = first.counts.length;
  let hi = 0;
  for (const s of series) s.h.counts.forEach((c, i) => c > 0 && ((lo = Math.min(lo, i)), (hi = Math.max(hi, i))));
  if (lo > hi) return `<h3>${esc(title)}</h3><p>no samples</p>`;
  const n = hi - lo + 1;
  const fractions = series.map((s) => {
    const total = s.h.counts.reduce((a, b) => a + b, 0) || 1;
    return s.h.counts.slice(lo, hi + 1).map((c) => c / total);
  });
  const maxF = Math.max(...fractions.flat(), 0.001);
  const bw = (W - 2 * pad) / n;
  let bars = '';
  fractions.forEach((fs, si) =>
    fs.forEach((f, i) => {
      const h = (f / maxF) * (H - 2 * pad);
      const x = pad + i * bw + (si * bw) / series.length;
      bars += `<rect x="${x.toFixed(1)}" y="${(H - pad - h).toFixed(1)}" width="${(bw / series.length).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(series[si]?.name ?? '')} ≤ ${first.bounds[lo + i] ?? '∞'} ms: ${(f * 100).toFixed(2)} %</title></rect>`;
    }),
  );
  let labels = '';
  for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 10))) {
    labels += `<text x="${(pad + i * bw).toFixed(1)}" y="${H - pad + 14}" font-size="10">${first.bounds[lo + i] ?? '∞'}</text>`;
  }
  return `<h3>${esc(title)}</h3><svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg"><line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#888"/>${bars}${labels}<text x="${W / 2}" y="${H - 5}" font-size="11">latency bucket upper bound (ms, log scale)</text>${legend(series.map((s) => s.name), W)}</svg>`;
}

function legend(names: string[], W: number): string {
  return names.map((n, i) => `<rect x="${W - 230}" y="${8 + i * 16}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${W - 215}" y="${17 + i * 16}" font-size="11">${esc(n)}</text>`).join('');
}

function lineChart(title: string, xLabel: string, series: { name: string; points: [number, number][] }[], yLabel: string): string {
  const W = 720;
  const H = 240;
  const pad = 45;
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return '';
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs, x0 + 1);
  const y1 = Math.max(...ys, 1) * 1.1;
  const X = (x: number) => pad + ((x - x0) / (x1 - x0)) * (W - 2 * pad);
  const Y = (y: number) => H - pad - (y / y1) * (H - 2 * pad);
  const lines = series
    .map((s, i) => {
      const d = s.points.filter((p) => Number.isFinite(p[1])).map((p, j) => `${j ? 'L' : 'M'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ');
      const dots = s.points.filter((p) => Number.isFinite(p[1])).map((p) => `<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="2.5" fill="${COLORS[i % COLORS.length]}"><title>${p[0]}: ${p[1]}</title></circle>`).join('');
      return `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"/>${dots}`;
    })
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="2" y="${Y(f * y1) + 4}" font-size="10">${(f * y1).toPrecision(3)}</text><line x1="${pad}" x2="${W - pad}" y1="${Y(f * y1)}" y2="${Y(f * y1)}" stroke="#eee"/>`).join('');
  const xt = [0, 0.5, 1].map((f) => `<text x="${X(x0 + f * (x1 - x0)) - 10}" y="${H - pad + 14}" font-size="10">${(x0 + f * (x1 - x0)).toPrecision(4)}</text>`).join('');
  return `<h3>${esc(title)}</h3><svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${ticks}${xt}${lines}<text x="${W / 2 - 40}" y="${H - 5}" font-size="11">${esc(xLabel)}</text><text x="2" y="12" font-size="11">${esc(yLabel)}</text>${legend(series.map((s) => s.name), W)}</svg>`;
}

const perSecond = (xs: number[]): [number, number][] => xs.map((v, i) => [i, v]);

export function html(r: Results): string {
  const parts: string[] = [];
  const s = r.steady;
  if (s) {
    const hs = [{ name: 'ours', h: s.ours.histogram }];
    for (const f of s.floors) if ('histogram' in f) hs.push({ name: `Kafka floor (${f.client})`, h: f.histogram });
    if ('histogram' in s.direct) hs.push({ name: 'direct relay', h: s.direct.histogram });
    parts.push(histogramChart('Steady: end-to-end latency distribution (share of messages per bucket)', hs));
    const tput = [
      { name: 'ours sent/s', points: perSecond(s.ours.sentPerSecond) },
      { name: 'ours delivered/s', points: perSecond(s.ours.deliveredPerSecond) },
    ];
    for (const f of s.floors) if ('deliveredPerSecond' in f) tput.push({ name: `floor (${f.client}) delivered/s`, points: perSecond(f.deliveredPerSecond) });
    if ('deliveredPerSecond' in s.direct) tput.push({ name: 'direct delivered/s', points: perSecond(s.direct.deliveredPerSecond) });
    parts.push(lineChart('Steady: throughput over time', 'seconds since start', tput, 'messages/s'));
    parts.push(
      lineChart('Steady: server CPU and RSS over time', 'seconds', [
        { name: 'server CPU %', points: s.server.timeline.map((p) => [p.t, p.cpuPercent]) },
        { name: 'server RSS MB', points: s.server.timeline.map((p) => [p.t, p.rssMB]) },
      ], '% / MB'),
    );
    parts.push(stagesSvg('Steady: where a message\'s time goes', [{ name: 'ours', rows: [{ answerMeanMs: s.ours.answerLatency.mean, endToEndMeanMs: s.ours.latency.mean, stages: s.stages }] }]));
  }
  if (r.ramp) {
    parts.push(
      lineChart('Ramp: latency vs offered rate', 'target msg/s', [
        { name: 'p50 ms', points: r.ramp.steps.map((x) => [x.rate, x.p50]) },
        { name: 'p99 ms', points: r.ramp.steps.map((x) => [x.rate, x.p99]) },
      ], 'ms'),
    );
    parts.push(lineChart('Ramp: achieved vs offered', 'target msg/s', [{ name: 'achieved msg/s', points: r.ramp.steps.map((x) => [x.rate, x.achievedRate]) }], 'msg/s'));
  }
  if (r.fanIn) {
    parts.push(lineChart('Fan-in: server CPU per message vs users online', 'users online', [{ name: 'CPU ms/message', points: r.fanIn.points.map((p) => [p.online, p.cpuMsPerMessage]) }], 'ms'));
  }
  if (r.groups) {
    const g = r.groups;
    parts.push(
      lineChart('Groups: server CPU per delivered copy vs members (1:1 baseline flat)', 'members per group', [
        { name: 'CPU ms/copy', points: g.phases.map((p) => [p.members, p.cpuMsPerCopy]) },
        { name: '1:1 CPU ms/message (mean of before and after)', points: g.phases.map((p) => [p.members, g.baselineCpuMsPerCopy]) },
      ], 'ms'),
    );
  }
  if (r.scale) {
    parts.push(lineChart('Scale-out: server CPU per message (all instances) vs instances', 'instances', [{ name: 'CPU ms/message', points: r.scale.points.map((p) => [p.instances, p.cpuMsPerMessage]) }], 'ms'));
  }
  if (r.compare) {
    const per = (label: 'A' | 'B', pick: (x: CompareRound) => number) => r.compare?.runs.filter((x) => x.build === label).map((x): [number, number] => [x.round, pick(x)]) ?? [];
    parts.push(lineChart('Compare: server CPU per message, per round', 'round', [{ name: 'A CPU ms/message', points: per('A', (x) => x.cpuMsPerMessage) }, { name: 'B CPU ms/message', points: per('B', (x) => x.cpuMsPerMessage) }], 'ms'));
    parts.push(lineChart('Compare: p99 per round', 'round', [{ name: 'A p99 ms', points: per('A', (x) => x.p99) }, { name: 'B p99 ms', points: per('B', (x) => x.p99) }], 'ms'));
    parts.push(compareStagesSvg(r.compare));
  }
  const md = markdown(r);
  return `<!doctype html><html><head><meta charset="utf-8"><title>messenger bench ${esc(r.startedAt)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}svg{background:#fff;border:1px solid #ddd}</style></head>
<body><h1>Messenger benchmark (${r.mode})</h1>${parts.join('\n')}<h2>Summary</h2><pre>${esc(md)}</pre>
<details><summary>Raw JSON</summary><pre>${esc(JSON.stringify(r, (k, v: unknown) => (k === 'histogram' ? undefined : v), 1).slice(0, 200_000))}</pre></details></body></html>`;
}

