// Runs the Kafka floor in its own process (floor-worker.ts) and waits, bounded, for its result.
import { fork } from 'node:child_process';
import { siblingEntry } from './env.js';
import type { FloorRequest, FloorResult } from './floor-worker.js';

const ENTRY = siblingEntry('floor-worker.js');

export type { FloorResult };

export function runFloor(req: FloorRequest): Promise<FloorResult> {
  return new Promise((resolve, reject) => {
    const child = fork(ENTRY, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('Kafka floor did not finish in time'));
    }, req.durationS * 1000 + 120_000);
    child.once('message', (m: { ok: boolean; result?: FloorResult; error?: string }) => {
      clearTimeout(timer);
      if (m.ok && m.result) resolve(m.result);
      else reject(new Error(`Kafka floor failed: ${m.error}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Kafka floor exited (${code})`));
    });
    child.send(req);
  });
}
