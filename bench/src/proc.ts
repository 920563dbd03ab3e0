// CPU and memory of a process from /proc (Linux), for the server child and Kafka.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface ProcSample {
  /** user + system CPU seconds since the process started */
  cpuSeconds: number;
  rssBytes: number;
  at: number;
}

export function sampleProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return { cpuSeconds: (utime + stime) / TICKS_PER_SECOND, rssBytes: Number(rss?.[1] ?? 0) * 1024, at: Date.now() };
  } catch {
    return undefined;
  }
}

/**
 * Read and write system calls a process made so far, from /proc (Linux). On loopback each Kafka
 * request is a socket write and each answer at least one read: counted, they show how many
 * round trips a message costs without a packet capture.
 */
export function ioSyscalls(pid: number | 'self' = 'self'): { reads: number; writes: number } | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const reads = /syscr:\s+(\d+)/.exec(io);
    const writes = /syscw:\s+(\d+)/.exec(io);
    return reads && writes ? { reads: Number(reads[1]), writes: Number(writes[1]) } : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process once a second; stop() returns the samples. Bounded to `maxSamples`. */
export function watchProc(pid: number, maxSamples = 3600) {
  const samples: ProcSample[] = [];
  const take = () => {
    const s = sampleProc(pid);
    if (s && samples.length < maxSamples) samples.push(s);
  };
  take();
  const timer = setInterval(take, 1000);
  timer.unref();
  return {
    samples,
    stop(): ProcSample[] {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** Whole-machine CPU counters (all cores) from /proc/stat: busy and total jiffies. */
export function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}
