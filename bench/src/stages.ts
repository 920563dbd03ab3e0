// Where a message's time goes, per stage, from what is measurable: the server's own histograms
// (POST /send, Kafka's acks=all wait, 202 decided → pushed) and the generator's clock (202 seen,
// recipient has it). One row per run; a bar chart per stage for the HTML report.
import type { StageMeans } from './scenarios.js';

export interface StageRow {
  /** POST /send start → 202 seen by the generator, mean ms */
  answerMeanMs: number;
  /** POST /send start → the recipient's socket has it, mean ms */
  endToEndMeanMs: number;
  stages: StageMeans;
}

export interface StageBreakdown {
  /** 202 seen at the generator minus the server's own request time: connection queue, event-loop backlog before the request is timed, response on the wire */
  outsideMs: number | null;
  /** the server's request time minus its wait for Kafka: routing, hooks (auth, rate limit, helmet), validation, serialisation */
  httpMs: number | null;
  /** producer send → acks=all */
  produceMs: number | null;
  /** 202 decided → emitted to the recipient's room: consume, store, push (one histogram in the server) */
  consumeStorePushMs: number | null;
  /** the generator's end to end, for scale */
  endToEndMs: number;
}

const minus = (a: number | null, b: number | null) => (a !== null && b !== null && Number.isFinite(a) && Number.isFinite(b) ? a - b : null);

export function breakdown(r: StageRow): StageBreakdown {
  return {
    outsideMs: minus(r.answerMeanMs, r.stages.sendMs),
    httpMs: minus(r.stages.sendMs, r.stages.produceMs),
    produceMs: r.stages.produceMs,
    consumeStorePushMs: r.stages.consumeToEmitMs,
    endToEndMs: r.endToEndMeanMs,
  };
}

export const STAGE_NAMES: [keyof StageBreakdown, string][] = [
  ['outsideMs', 'before/after the server timer'],
  ['httpMs', 'HTTP stack'],
  ['produceMs', 'produce wait (acks=all)'],
  ['consumeStorePushMs', 'consume + store + push'],
  ['endToEndMs', 'end to end'],
];

export const STAGES_MISSING =
  'The server has one histogram from the 202 decision to the room emit, so consume, store and push are not told apart; acknowledgements (message:ack → UPDATE, receipt, inbox commit) have no timing at all. "Before/after the server timer" is the generator\'s mean 202 time minus the server\'s mean request time: queueing in the connection and the event loop before Fastify starts timing, and the response on its way back.';

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759'];

/** Horizontal bars, one group per stage, one bar per series (mean ms); inline SVG, no script. */
export function stagesSvg(title: string, series: { name: string; rows: StageRow[] }[]): string {
  const mean = (rows: StageRow[], key: keyof StageBreakdown) => {
    const v = rows.map((r) => breakdown(r)[key]).filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length ? v.reduce((x, y) => x + y, 0) / v.length : NaN;
  };
  const groups = STAGE_NAMES.map(([key, name]) => ({ name, values: series.map((s) => mean(s.rows, key)) }));
  const max = Math.max(0.001, ...groups.flatMap((g) => g.values.filter(Number.isFinite).map((v) => Math.abs(v))));
  const W = 760;
  const left = 190;
  const bar = 14;
  const groupH = series.length * (bar + 2) + 12;
  const H = 20 + groups.length * groupH;
  const width = (v: number) => (Number.isFinite(v) ? ((W - left - 120) * Math.max(0, v)) / max : 0);
  const esc = (s: string) => s.replace(/[<>&"]/g, '');
  const body = groups
    .map((g, i) => {
      const y0 = 16 + i * groupH;
      const bars = g.values
        .map((v, j) => {
          const y = y0 + j * (bar + 2);
          return `<rect x="${left}" y="${y}" width="${width(v).toFixed(1)}" height="${bar}" fill="${COLORS[j % COLORS.length]}"/><text x="${(left + width(v) + 4).toFixed(1)}" y="${y + 11}" font-size="11">${esc(series[j]?.name ?? '')} ${Number.isFinite(v) ? v.toFixed(2) : 'n/a'} ms</text>`;
        })
        .join('');
      return `<text x="4" y="${y0 + 11}" font-size="12">${esc(g.name)}</text>${bars}`;
    })
    .join('\n');
  return `<h2>${esc(title)}</h2>
<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img">${body}</svg>
<p style="font-size:12px">Means per message, ms. ${esc(STAGES_MISSING)}</p>`;
}
