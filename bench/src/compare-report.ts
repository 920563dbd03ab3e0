// The --compare section of the report: builds, rounds, ratios B/A, and where a message's time
// went inside each server (the stages its /metrics histograms can tell apart).
import type { CompareResult, RatioSummary } from './compare.js';
import { breakdown, stagesSvg, STAGES_MISSING } from './stages.js';

const fmt = (v: number | null | undefined, d = 1) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));
const ratio = (r: RatioSummary) => `**${fmt(r.median, 2)}×** (rounds ${r.perRound.map((x) => fmt(x, 2)).join(', ')})`;

export function compareMarkdown(c: CompareResult): string[] {
  const L = ['', `## Compare: A = working tree, B = ${c.b.rev} (steady, ${c.users} users, ${c.rate} msg/s, ${c.durationS} s, ${c.rounds} rounds A, B, A, B…)`, ''];
  L.push(`- A: ${c.a.sha.slice(0, 10)} ${c.a.subject}${c.a.dirty ? ' **plus uncommitted changes**' : ''}`);
  L.push(`- B: ${c.b.sha.slice(0, 10)} ${c.b.subject} (built in ${fmt((c.b.buildMs ?? NaN) / 1000)} s with A's node_modules${c.b.lockDiffers ? '; **its package-lock.json differs from A\'s**, so it ran on packages it did not pin' : ', same package-lock.json'})`);
  L.push('', 'Both servers ran for the whole comparison on the same broker, each with its own topic prefix and SQLite file; the idle one is the other\'s neighbour in every round, on both sides.', '');
  L.push('| B/A (median over rounds) | CPU ms/message | p50 | p99 |', '|---|---|---|---|');
  L.push(`| | ${ratio(c.ratios.cpuMsPerMessage)} | ${ratio(c.ratios.p50)} | ${ratio(c.ratios.p99)} |`);
  L.push('', `Lost ${c.lost}, duplicates ${c.duplicates} over all rounds. Below 1 means B costs less (or is faster) than A.`, '');
  L.push('| round | build | CPU ms/message | server CPU % | frames/message | server socket writes/message | p50 ms | p99 ms | 202 p99 ms | achieved/s | accepted | delivered | lost | dup | undelivered after | machine busy % |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of c.runs) {
    const flags = `${r.generatorSaturated ? ' (generator saturated)' : ''}${r.backpressured ? ' (backpressure)' : ''}`;
    L.push(`| ${r.round} | ${r.build} | ${fmt(r.cpuMsPerMessage, 4)} | ${fmt(r.cpuPercent)} | ${fmt(r.framesPerMessage, 2)} | ${fmt(r.writesPerMessage, 2)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.answerP99, 2)} | ${fmt(r.achievedRate)}${flags} | ${r.accepted} | ${r.delivered} | ${r.lost} | ${r.duplicates} | ${r.undelivered ?? 'n/a'} | ${fmt(r.machineBusyPercent)} |`);
  }
  L.push('', '### WebSocket frames the generators received, per accepted message', '');
  for (const r of c.runs) L.push(`- round ${r.round} ${r.build}: ${r.frames}`);
  L.push('', '### Where the time went, per round (mean ms per message)', '');
  L.push('| round | build | end to end (generator) | 202 seen (generator) | POST /send (server) | before/after the server timer | HTTP stack | produce wait (acks=all) | consume + store + push |', '|---|---|---|---|---|---|---|---|---|');
  for (const r of c.runs) {
    const x = breakdown(r);
    L.push(`| ${r.round} | ${r.build} | ${fmt(r.endToEndMeanMs, 2)} | ${fmt(r.answerMeanMs, 2)} | ${fmt(r.stages.sendMs, 2)} | ${fmt(x.outsideMs, 2)} | ${fmt(x.httpMs, 2)} | ${fmt(x.produceMs, 2)} | ${fmt(x.consumeStorePushMs, 2)} |`);
  }
  L.push('', STAGES_MISSING);
  return L;
}

/** The stage means of A beside B, over all rounds. */
export function compareStagesSvg(c: CompareResult): string {
  return stagesSvg(`Compare: where a message's time goes (A = working tree, B = ${c.b.rev})`, [
    { name: 'A', rows: c.runs.filter((r) => r.build === 'A') },
    { name: 'B', rows: c.runs.filter((r) => r.build === 'B') },
  ]);
}
