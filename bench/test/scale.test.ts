// The scale scenario, tiny and bounded (1 and 2 instances, 10 users, 50 msg/s for 3 s), against
// a real Kafka, a real Postgres (started by the scenario) and the real server. Asserts what the
// report rests on: every accepted message delivered once, every instance really took a share of
// the sockets and the POSTs, and the CPU of every instance counted. Never a speed.
import { describe, expect, inject, it } from 'vitest';
import { existsSync } from 'node:fs';
import { SERVER_ENTRY, siblingEntry } from '../src/env.js';
import { scale } from '../src/scale.js';

declare module 'vitest' {
  interface ProvidedContext {
    kafkaBrokers: string;
  }
}

describe('scale scenario', () => {
  it('spreads sockets and POSTs over 1 and 2 instances sharing Kafka and Postgres, and loses nothing', async () => {
    if (!existsSync(SERVER_ENTRY) || !existsSync(siblingEntry('load-worker.js'))) {
      throw new Error('run npm run build first (the bench forks compiled workers and the compiled server)');
    }
    const r = await scale({
      kafka: inject('kafkaBrokers'),
      settings: { instances: [1, 2], rate: 50, durationS: 3, warmupS: 0, users: 10, drainTimeoutS: 60 },
      partitions: 3,
      textBytes: 100,
      workers: 2,
      log: () => undefined,
    });
    expect(r.points.map((p) => p.instances)).toEqual([1, 2]);
    for (const p of r.points) {
      expect(p.sendErrors).toEqual({});
      expect(p.issued).toBe(150);
      expect(p.accepted).toBe(150);
      expect(p.delivered).toBe(150);
      expect(p.lost).toBe(0);
      expect(p.duplicates).toBe(0);
      expect(p.disconnects).toBe(0);
      expect(p.perInstance).toHaveLength(p.instances);
      // The generators act as the load balancer: 10 users round-robin → 10/N sockets each, and
      // every instance answered its share of the POSTs (round-robin per generator, so ±1 each).
      for (const x of p.perInstance) {
        expect(x.socketsOnline).toBe(10 / p.instances);
        expect(x.sendsAccepted).toBeGreaterThanOrEqual(150 / p.instances - 2);
        expect(x.cpuSeconds).toBeGreaterThan(0);
      }
      expect(p.perInstance.reduce((a, x) => a + x.sendsAccepted, 0)).toBe(150);
      expect(p.serverCpuSeconds).toBeCloseTo(p.perInstance.reduce((a, x) => a + x.cpuSeconds, 0), 1);
      expect(p.cpuMsPerMessage).toBeGreaterThan(0);
      // Each instance's history consumer saw at least every message once.
      expect(p.consumedPerMessage).toBeGreaterThanOrEqual(1);
    }
    expect(r.points[0]?.cpuRatio).toBe(1);
    expect(Number.isFinite(r.points[1]?.cpuRatio)).toBe(true);
    expect(r.goal.instances).toBe(2);
    expect(r.goal.lost).toBe(0);
    expect(typeof r.goal.met).toBe('boolean');
  });
});
