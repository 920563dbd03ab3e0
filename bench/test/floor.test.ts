// The Kafka floor with each client, at a tiny bounded size against the real broker: every record
// produced (acks=all) is consumed exactly once by the group. Only counts are asserted, never
// times: the machine is shared and wall-clock limits would make this test flaky.
import { existsSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { siblingEntry } from '../src/env.js';
import { runFloor } from '../src/floor.js';
import { FLOOR_CLIENTS } from '../src/floor-clients.js';

declare module 'vitest' {
  interface ProvidedContext {
    kafkaBrokers: string;
  }
}

describe('Kafka floor', () => {
  it.each(FLOOR_CLIENTS)('%s: every produced record is consumed once (R=50/s, T=3 s, 3 partitions)', async (client) => {
    if (!existsSync(siblingEntry('floor-worker.js'))) throw new Error('run npm run build first (the floor runs the compiled worker)');
    const r = await runFloor({ client, brokers: inject('kafkaBrokers'), rate: 50, durationS: 3, warmupS: 0, textBytes: 100, partitions: 3 });
    expect(r.client).toBe(client);
    expect(r.issued).toBe(150);
    expect(r.produceErrors).toBe(0);
    expect(r.accepted).toBe(150);
    expect(r.delivered).toBe(150);
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.latency.count).toBe(150);
    // Measured, not bounded: a floor that used no CPU would mean nothing was measured.
    expect(r.cpuMsPerMessage).toBeGreaterThan(0);
    if (process.platform === 'linux') expect(r.writesPerMessage).toBeGreaterThan(0);
  });

  it('names both clients', () => {
    expect(FLOOR_CLIENTS).toEqual(['kafkajs', 'platformatic']);
  });
});
