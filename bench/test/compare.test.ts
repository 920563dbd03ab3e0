// --compare: the ratio arithmetic, the node_modules mirror, and one tiny real comparison of HEAD
// against HEAD (a real build of HEAD in a temporary directory, two real servers on the real
// broker). Counts and structure only, never a speed: the machine is shared.
import { describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compare, ratioSummary, summarizeCompare, type CompareRound } from '../src/compare.js';
import { compareMarkdown } from '../src/compare-report.js';
import { REPO_ROOT, SERVER_ENTRY, siblingEntry } from '../src/env.js';
import { mirrorNodeModules, prepareRevision } from '../src/revision.js';
import { breakdown, stagesSvg } from '../src/stages.js';
import { settingsFor } from '../src/scenarios.js';

declare module 'vitest' {
  interface ProvidedContext {
    kafkaBrokers: string;
  }
}

function run(build: 'A' | 'B', roundNo: number, cpu: number, p99: number, lost = 0): CompareRound {
  return {
    round: roundNo,
    build,
    cpuMsPerMessage: cpu,
    cpuPercent: 0,
    framesPerMessage: 0,
    frames: '',
    writesPerMessage: 0,
    p50: p99 / 2,
    p99,
    answerP99: 0,
    answerMeanMs: 0,
    endToEndMeanMs: 0,
    achievedRate: 0,
    accepted: 0,
    delivered: 0,
    lost,
    duplicates: 0,
    machineBusyPercent: 0,
    generatorSaturated: false,
    backpressured: false,
    undelivered: 0,
    stages: { sendMs: null, produceMs: null, consumeToEmitMs: null },
  };
}

describe('compare ratios', () => {
  it('pairs A and B by round and takes the median of the per-round ratios', () => {
    const runs = [run('A', 1, 0.2, 10), run('B', 1, 0.1, 30), run('A', 2, 0.4, 10), run('B', 2, 0.2, 10), run('A', 3, 0.1, 10), run('B', 3, 0.4, 20, 3)];
    const cpu = ratioSummary(runs, (r) => r.cpuMsPerMessage);
    expect(cpu.perRound).toEqual([0.5, 0.5, 4]);
    expect(cpu.median).toBe(0.5);
    expect([cpu.min, cpu.max]).toEqual([0.5, 4]);
    const all = summarizeCompare(runs);
    expect(all.ratios.p99.perRound).toEqual([3, 1, 2]);
    expect(all.ratios.p99.median).toBe(2);
    expect(all.lost).toBe(3);
  });

  it('skips a round B did not finish and never divides by a zero of A', () => {
    const r = ratioSummary([run('A', 1, 0, 1), run('B', 1, 0.3, 1), run('A', 2, 0.2, 1), run('B', 2, 0.3, 1), run('A', 3, 0.2, 1)], (x) => x.cpuMsPerMessage);
    expect(r.perRound).toHaveLength(2);
    expect(r.perRound[0]).toBeNaN();
    expect(r.median).toBe(1.5);
  });
});

describe('stage breakdown', () => {
  it('splits the 202 into outside the server, HTTP stack and produce wait, and leaves unknowns unknown', () => {
    const row = { answerMeanMs: 10, endToEndMeanMs: 30, stages: { sendMs: 6, produceMs: 4.5, consumeToEmitMs: 12 } };
    expect(breakdown(row)).toEqual({ outsideMs: 4, httpMs: 1.5, produceMs: 4.5, consumeStorePushMs: 12, endToEndMs: 30 });
    const unknown = breakdown({ answerMeanMs: 10, endToEndMeanMs: 30, stages: { sendMs: null, produceMs: 4.5, consumeToEmitMs: null } });
    expect([unknown.outsideMs, unknown.httpMs, unknown.consumeStorePushMs]).toEqual([null, null, null]);
    const svg = stagesSvg('t', [{ name: 'A', rows: [row] }, { name: 'B', rows: [] }]);
    expect(svg).toContain('A 1.50 ms');
    expect(svg).toContain('B n/a ms');
  });
});

describe('node_modules mirror', () => {
  it('links packages to this checkout, but workspace links into the other tree', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'compare-mirror-'));
    try {
      const from = path.join(root, 'a/node_modules');
      mkdirSync(path.join(from, 'kafkajs'), { recursive: true });
      writeFileSync(path.join(from, 'kafkajs/index.js'), '');
      mkdirSync(path.join(from, '@messenger'), { recursive: true });
      mkdirSync(path.join(root, 'a/protocol'));
      mkdirSync(path.join(root, 'b/protocol'), { recursive: true });
      symlinkSync('../../protocol', path.join(from, '@messenger/protocol'));
      mkdirSync(path.join(from, '.vite'));
      const to = path.join(root, 'b/node_modules');
      expect(mirrorNodeModules(from, to)).toBe(2);
      expect(realpathSync(path.join(to, 'kafkajs'))).toBe(realpathSync(path.join(from, 'kafkajs')));
      expect(readlinkSync(path.join(to, '@messenger/protocol'))).toBe('../../protocol');
      expect(realpathSync(path.join(to, '@messenger/protocol'))).toBe(realpathSync(path.join(root, 'b/protocol')));
      expect(existsSync(path.join(to, '.vite'))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the other revision', () => {
  it('is built outside the repository, loads its own protocol and this checkout\'s packages, and is removed', { timeout: 300_000 }, async () => {
    const r = await prepareRevision(REPO_ROOT, 'HEAD', () => undefined);
    try {
      expect(r.dir.startsWith(REPO_ROOT)).toBe(false);
      const probe = [
        "import { createRequire } from 'node:module';",
        "const require = createRequire(import.meta.url);",
        "console.log(JSON.stringify({ protocol: require.resolve('@messenger/protocol'), kafkajs: require.resolve('kafkajs') }));",
      ].join('\n');
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: path.join(r.dir, 'server'), encoding: 'utf8' });
      const resolved = JSON.parse(out) as { protocol: string; kafkajs: string };
      expect(realpathSync(resolved.protocol)).toBe(realpathSync(path.join(r.dir, 'protocol/dist/index.js')));
      expect(realpathSync(resolved.kafkajs).startsWith(realpathSync(path.join(REPO_ROOT, 'node_modules')))).toBe(true);
    } finally {
      await r.remove();
    }
    expect(existsSync(r.dir)).toBe(false);
  });
});

describe('compare HEAD with HEAD', () => {
  it('builds HEAD aside, runs A, B, A, B on two servers, loses nothing and cleans up', { timeout: 600_000 }, async () => {
    if (!existsSync(SERVER_ENTRY) || !existsSync(siblingEntry('load-worker.js'))) {
      throw new Error('run npm run build first (the bench forks compiled workers and the compiled server)');
    }
    const settings = settingsFor(true);
    settings.partitions = 3;
    settings.steady = { users: 10, rate: 50, durationS: 2, warmupS: 0 };
    const lines: string[] = [];
    const c = await compare({ kafka: inject('kafkaBrokers'), rev: 'HEAD', rounds: 2, settings, log: (l) => lines.push(l) });

    const head = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(c.b.sha).toBe(head);
    expect(c.a.sha).toBe(head);
    expect(c.b.lockDiffers).toBe(false);
    // B ran from its own build outside the repository, which is gone afterwards.
    expect(c.b.entry?.startsWith(os.tmpdir())).toBe(true);
    expect(c.b.entry?.startsWith(REPO_ROOT)).toBe(false);
    expect(existsSync(path.dirname(path.dirname(path.dirname(c.b.entry ?? '/'))))).toBe(false);
    expect(lines.some((l) => l.includes('compare: B at '))).toBe(true);

    expect(c.runs.map((r) => `${r.round}${r.build}`)).toEqual(['1A', '1B', '2A', '2B']);
    for (const r of c.runs) {
      expect(r.accepted).toBe(100);
      expect(r.delivered).toBe(100);
      expect(r.lost).toBe(0);
      expect(r.duplicates).toBe(0);
      expect(r.cpuMsPerMessage).toBeGreaterThan(0);
      expect(r.stages.sendMs).not.toBeNull();
    }
    expect(c.lost).toBe(0);
    expect(c.duplicates).toBe(0);
    for (const x of [c.ratios.cpuMsPerMessage, c.ratios.p50, c.ratios.p99]) {
      expect(x.perRound).toHaveLength(2);
      expect(Number.isFinite(x.median)).toBe(true);
    }
    // The report names both builds and has a row per round and build.
    const md = compareMarkdown(c).join('\n');
    expect(md).toContain(`B: ${head.slice(0, 10)}`);
    expect(md.split('\n').filter((l) => /^\| [12] \| [AB] \| /.test(l))).toHaveLength(8);
  });
});
