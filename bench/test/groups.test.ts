// The groups scenario, tiny and bounded (12 users, groups of 3 and 12, 60 copies/s for 3 s per
// phase), against a real Kafka and the real server: groups made through the REST API, every
// member's copy of every accepted message counted once, the 1:1 baseline beside it, and the CPU
// per copy measured. Only counts are asserted, never a speed.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import { SERVER_ENTRY, siblingEntry, startServer, type ServerHandle } from '../src/env.js';
import { groups } from '../src/groups.js';
import { settingsFor, type Context } from '../src/scenarios.js';

declare module 'vitest' {
  interface ProvidedContext {
    kafkaBrokers: string;
  }
}

describe('groups scenario', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    if (!existsSync(SERVER_ENTRY) || !existsSync(siblingEntry('load-worker.js'))) {
      throw new Error('run npm run build first (the bench forks compiled workers and the compiled server)');
    }
    server = await startServer({ kafka: inject('kafkaBrokers'), env: { TOPIC_PARTITIONS: '3' }, log: () => undefined });
  });

  afterAll(async () => {
    await server?.stop();
    if (server?.env.DATA_DIR) rmSync(server.env.DATA_DIR, { recursive: true, force: true });
  });

  it('gives every member of groups of 3 and 12 each accepted message once, beside a 1:1 baseline', async () => {
    const settings = settingsFor(true);
    settings.groups = { users: 12, sizes: [3, 12], copiesPerSecond: 60, durationS: 3, warmupS: 0, drainTimeoutS: 60 };
    const ctx: Context = { server, kafka: inject('kafkaBrokers'), settings, log: () => undefined, users: [], registration: { users: 0, ms: 0 } };
    const r = await groups(ctx);

    expect(r.users).toBe(12);
    // The 1:1 baseline runs before and after the group phases, bracketing the machine's drift.
    expect(r.baselines).toHaveLength(2);
    for (const b of r.baselines) {
      expect(b).toMatchObject({ kind: 'direct', members: 1, lost: 0, duplicates: 0, sendErrors: {} });
      expect(b.accepted).toBe(180);
      expect(b.delivered).toBe(180);
      expect(b.cpuMsPerCopy).toBeGreaterThan(0);
    }
    const [before, after] = r.baselines.map((b) => b.cpuMsPerCopy);
    expect(r.baselineCpuMsPerCopy).toBeCloseTo(((before ?? NaN) + (after ?? NaN)) / 2, 3);
    expect(r.phases.map((p) => [p.members, p.groups, p.rate])).toEqual([
      [3, 4, 20],
      [12, 1, 5],
    ]);
    for (const p of r.phases) {
      expect(p.kind).toBe('group');
      expect(p.sendErrors).toEqual({});
      expect(p.issued).toBeGreaterThan(0);
      expect(p.accepted).toBe(p.issued);
      // Each member, the sender included, got its own copy of each message, once.
      expect(p.expectedCopies).toBe(p.accepted * p.members);
      expect(p.delivered).toBe(p.expectedCopies);
      expect(p.complete).toBe(p.accepted);
      expect(p.lost).toBe(0);
      expect(p.duplicates).toBe(0);
      expect(p.extra).toBe(0);
      expect(p.deliveredNotAccepted).toBe(0);
      expect(p.disconnects).toBe(0);
      // One latency per message: send → its last member.
      expect(p.latencySamples).toBe(p.accepted);
      expect(p.p99).toBeGreaterThanOrEqual(p.p50);
      expect(p.cpuMsPerCopy).toBeGreaterThan(0);
      expect(Number.isFinite(p.cpuRatio)).toBe(true);
    }
    for (const p of r.phases) expect(p.cpuRatio).toBeCloseTo(p.cpuMsPerCopy / r.baselineCpuMsPerCopy, 1);
    expect(r.goal.lost).toBe(0);
    expect(r.goal.duplicates).toBe(0);
    expect(typeof r.goal.met).toBe('boolean');
  });
});
