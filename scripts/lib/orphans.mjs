// Services that a script starts (Kafka brokers, Postgres) outlive it if it is SIGKILLed. Each
// start leaves a record `{ owner: <our pid>, ... }` in a run directory; the next start reaps the
// services of records whose owner is gone. Shared by kafka-local.mjs and postgres-local.mjs.
import fs from 'node:fs';
import path from 'node:path';

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  // A zombie (dead, not yet reaped by its parent) still answers signal 0: an owner SIGKILLed a
  // moment ago is one until its shell waits for it, and its services must be reaped all the same.
  try {
    return !/^\d+ \(.*\) Z/s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (error) {
    return error.code !== 'ENOENT'; // no /proc (macOS): trust the signal
  }
}

/** Whether `pid` is alive and its command line names `marker` (pids are reused). */
export function isProcessOf(pid, marker) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    // No /proc (macOS): trust the record only if the process is alive.
    return process.platform !== 'linux' && isAlive(pid);
  }
}

/**
 * Calls `reap(record)` for every record in `runDir` whose owner has died, then removes the
 * record (unreadable ones too). Returns how many processes `reap` said it stopped.
 */
export function reapOrphanRecords(runDir, reap) {
  let entries = [];
  try {
    entries = fs.readdirSync(runDir);
  } catch {
    return 0;
  }
  let reaped = 0;
  for (const entry of entries) {
    const file = path.join(runDir, entry);
    let record;
    try {
      record = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (isAlive(record.owner)) continue;
    reaped += reap(record);
    fs.rmSync(file, { force: true });
  }
  return reaped;
}
