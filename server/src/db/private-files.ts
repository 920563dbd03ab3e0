// Owner-only permissions for what the server keeps on disk: messages and password hashes must
// not be readable by other local users, whatever the umask the process was started with.
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

export interface Tightened {
  path: string;
  /** The permission bits it had, e.g. 0o755. */
  was: number;
}

/** chmods `target` to `mode` if group or others have any access; returns what it changed. */
function tighten(target: string, mode: number): Tightened | undefined {
  let was: number;
  try {
    was = statSync(target).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if ((was & 0o077) === 0) return undefined;
  try {
    chmodSync(target, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EACCES') throw error;
    // Starting anyway would serve messages from a file others can read: refuse, and say how.
    throw new Error(
      `${target} is open to other local users (mode ${was.toString(8)}) and this process may not chmod it; run: chmod ${mode.toString(8)} ${target}`,
    );
  }
  return { path: target, was };
}

/** Creates `dir` (and missing parents) as 0700, and tightens it if it already existed open. */
export function ensurePrivateDir(dir: string): Tightened[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const changed = tighten(dir, 0o700);
  return changed ? [changed] : [];
}

/**
 * Makes the SQLite file and its companions 0600. The main file is created here, before SQLite
 * opens it, because SQLite gives the -wal, -shm and -journal files the main file's mode.
 */
export function ensurePrivateDatabaseFiles(file: string): Tightened[] {
  closeSync(openSync(file, 'a', 0o600));
  return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]
    .map((f) => tighten(f, 0o600))
    .filter((t): t is Tightened => t !== undefined);
}
