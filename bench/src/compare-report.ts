// The --compare section of the report: builds, rounds, ratios B/A, and where a message's time
// went inside each server (the stages its /metrics histograms can tell apart).
import type { CompareResult, CompareRound, RatioSummary } from './compare.js';

const fmt = (v: number | null | undefined, d = 1) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));
const ratio = (r: RatioSummary) => `**${fmt(r.median, 2)}×** (rounds ${r.perRound.map((x) => fmt(x, 2)).join(', ')})`;

/** HTTP stack alone: the /send request's time minus its wait for Kafka's acknowledgement. */
function httpOwnMs(r: CompareRound): number | null {
  const { sendMs, produceMs } = r.stages;
  return sendMs !== null && produceMs !== null ? sendMs - produceMs : null;
}

export function compareMarkdown(c: CompareResult): string[] {
  const L = ['', `## Compare: A = working tree, B = ${c.b.rev} (steady, ${c.users} users, ${c.rate} msg/s, ${c.durationS} s, ${c.rounds} rounds A, B, A, B…)`, ''];
  L.push(`- A: ${c.a.sha.slice(0, 10)} ${c.a.subject}${c.a.dirty ? ' **plus uncommitted changes**' : ''}`);
  L.push(`- B: ${c.b.sha.slice(0, 10)} ${c.b.subject} (built in ${fmt((c.b.buildMs ?? NaN) / 1000)} s with A's node_modules${c.b.lockDiffers ? '; **its package-lock.json differs from A\'s**, so it ran on packages it did not pin' : ', same package-lock.json'})`);
  L.push('', 'Both servers ran for the whole comparison on the same broker, each with its own topic prefix and SQLite file; the idle one is the other\'s neighbour in every round, on both sides.', '');
  L.push('| B/A (median over rounds) | CPU ms/message | p50 | p99 |', '|---|---|---|---|');
  L.push(`| | ${ratio(c.ratios.cpuMsPerMessage)} | ${ratio(c.ratios.p50)} | ${ratio(c.ratios.p99)} |`);
  L.push('', `Lost ${c.lost}, duplicates ${c.duplicates} over all rounds. Below 1 means B costs less (or is faster) than A.`, '');
  L.push('| round | build | CPU ms/message | server CPU % | p50 ms | p99 ms | 202 p99 ms | achieved/s | accepted | delivered | lost | dup | undelivered after | machine busy % |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of c.runs) {
    const flags = `${r.generatorSaturated ? ' (generator saturated)' : ''}${r.backpressured ? ' (backpressure)' : ''}`;
    L.push(`| ${r.round} | ${r.build} | ${fmt(r.cpuMsPerMessage, 4)} | ${fmt(r.cpuPercent)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.answerP99, 2)} | ${fmt(r.achievedRate)}${flags} | ${r.accepted} | ${r.delivered} | ${r.lost} | ${r.duplicates} | ${r.undelivered ?? 'n/a'} | ${fmt(r.machineBusyPercent)} |`);
  }
  L.push('', '### Where the time went, per round (means from the server\'s histograms, ms)', '');
  L.push('| round | build | POST /send (HTTP) | of which HTTP stack | of which produce wait (acks=all) | accepted → pushed (consume + store + push) |', '|---|---|---|---|---|---|');
  for (const r of c.runs) {
    L.push(`| ${r.round} | ${r.build} | ${fmt(r.stages.sendMs, 2)} | ${fmt(httpOwnMs(r), 2)} | ${fmt(r.stages.produceMs, 2)} | ${fmt(r.stages.consumeToEmitMs, 2)} |`);
  }
  L.push('', 'The server exposes no separate histogram for consume, store and push (one figure from the 202 decision to the room emit), nor for acks: those stages cannot be told apart from outside.');
  return L;
}

/** A small bar chart per stage, A beside B, round means: inline SVG, no script. */
export function compareStagesSvg(c: CompareResult): string {
  const stages: [string, (r: CompareRound) => number | null][] = [
    ['HTTP stack', httpOwnMs],
    ['produce wait', (r) => r.stages.produceMs],
    ['consume+store+push', (r) => r.stages.consumeToEmitMs],
  ];
  const mean = (label: 'A' | 'B', pick: (r: CompareRound) => number | null) => {
    const v = c.runs.filter((r) => r.build === label).map(pick).filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length ? v.reduce((x, y) => x + y, 0) / v.length : 0;
  };
  const rows = stages.map(([name, pick]) => ({ name, a: mean('A', pick), b: mean('B', pick) }));
  const max = Math.max(0.001, ...rows.flatMap((r) => [r.a, r.b]));
  const W = 640;
  const left = 160;
  const scale = (v: number) => ((W - left - 90) * v) / max;
  const bars = rows
    .map((r, i) => {
      const y = 30 + i * 50;
      return `<text x="4" y="${y + 16}" font-size="12">${r.name}</text>
<rect x="${left}" y="${y}" width="${scale(r.a).toFixed(1)}" height="16" fill="#4e79a7"/><text x="${(left + scale(r.a) + 4).toFixed(1)}" y="${y + 12}" font-size="11">A ${r.a.toFixed(2)} ms</text>
<rect x="${left}" y="${y + 18}" width="${scale(r.b).toFixed(1)}" height="16" fill="#f28e2b"/><text x="${(left + scale(r.b) + 4).toFixed(1)}" y="${y + 30}" font-size="11">B ${r.b.toFixed(2)} ms</text>`;
    })
    .join('\n');
  return `<h2>Compare: per-stage means (A = working tree, B = ${c.b.rev.replace(/[<>&"]/g, '')})</h2>
<svg width="${W}" height="${30 + rows.length * 50}" viewBox="0 0 ${W} ${30 + rows.length * 50}" role="img">${bars}</svg>`;
}
