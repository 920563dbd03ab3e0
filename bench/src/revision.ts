// Another revision of the server, built beside this checkout for `--compare`: exported from git
// into a temporary directory outside the repository, given this checkout's node_modules, built,
// and removed afterwards.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Revision {
  /** what the user named (`HEAD~3`, a branch, a sha) */
  rev: string;
  /** the commit it resolved to */
  sha: string;
  subject: string;
  /** the temporary tree, outside the repository */
  dir: string;
  /** its built server.js */
  entry: string;
  buildMs: number;
  /** package-lock.json differs from this checkout's: it runs with dependencies it did not pin */
  lockDiffers: boolean;
  remove(): Promise<void>;
}

async function git(repo: string, args: string[], maxBuffer = 16 * 2 ** 20): Promise<string> {
  const { stdout } = await run('git', ['-C', repo, ...args], { maxBuffer, timeout: 120_000 });
  return stdout;
}

/** This checkout, as the other side of the comparison sees it: commit, and whether it has edits. */
export async function describeCheckout(repo: string): Promise<{ sha: string; subject: string; dirty: boolean }> {
  const [sha, subject, status] = await Promise.all([
    git(repo, ['rev-parse', 'HEAD']),
    git(repo, ['log', '-1', '--format=%s']),
    // Untracked files count too: a new source file changes the build.
    git(repo, ['status', '--porcelain', '--', '.']),
  ]);
  return { sha: sha.trim(), subject: subject.trim(), dirty: status.trim() !== '' };
}

/**
 * Mirrors `from` (a node_modules directory) into `to` with one symlink per package, so the other
 * revision resolves exactly this checkout's installed packages without a network install or a
 * 300 MB copy. Links that are themselves relative symlinks (npm workspaces: `@messenger/protocol →
 * ../../protocol`) are recreated as they are, so they point into the other revision's own
 * workspaces: linking the directory whole would make node's realpath resolution load this
 * checkout's protocol/ into the other revision's server.
 */
export function mirrorNodeModules(from: string, to: string): number {
  if (!existsSync(from)) return 0;
  mkdirSync(to, { recursive: true });
  let links = 0;
  for (const name of readdirSync(from)) {
    // Vite's caches are per checkout and written to at run time.
    if (name.startsWith('.vite')) continue;
    const source = path.join(from, name);
    const target = path.join(to, name);
    const stat = lstatSync(source);
    if (stat.isSymbolicLink() && !path.isAbsolute(readlinkSync(source))) {
      symlinkSync(readlinkSync(source), target);
      links++;
    } else if (name.startsWith('@') && stat.isDirectory()) {
      links += mirrorNodeModules(source, target);
    } else {
      symlinkSync(source, target);
      links++;
    }
  }
  return links;
}

/**
 * Exports `rev` of `repo` (git archive: the committed tree, nothing of the shared .git changes,
 * so a killed run leaves no worktree registration behind), links this checkout's node_modules
 * (root and per workspace) and builds the server with this checkout's TypeScript. Bounded: every
 * git and tsc call has a timeout.
 */
export async function prepareRevision(
  repo: string,
  rev: string,
  log: (line: string) => void,
  /** told how to remove the tree as soon as it exists, so a signal during the build can */
  onCreated?: (remove: () => Promise<void>) => void,
): Promise<Revision> {
  const sha = (await git(repo, ['rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`])).trim();
  const subject = (await git(repo, ['log', '-1', '--format=%s', sha])).trim();
  const dir = mkdtempSync(path.join(os.tmpdir(), `messenger-compare-${sha.slice(0, 10)}-`));
  // Removing the tree while tar or tsc still writes into it would let them recreate part of it
  // (seen: a SIGINT during the build left server/dist behind), so the writer is killed and
  // awaited first.
  const abort = new AbortController();
  let writing: Promise<unknown> = Promise.resolve();
  const step = <T>(p: Promise<T>): Promise<T> => ((writing = p), p);
  const remove = async () => {
    abort.abort();
    await writing.catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  onCreated?.(remove);
  const options = { signal: abort.signal, killSignal: 'SIGKILL' as const };
  try {
    log(`compare: exporting ${rev} (${sha.slice(0, 10)} ${subject}) to ${dir}`);
    // Two steps, not a shell pipe: killing a shell would leave its tar writing on.
    const tarball = path.join(dir, '.revision.tar');
    await step(run('git', ['-C', repo, 'archive', '--format=tar', '-o', tarball, sha], { timeout: 120_000, ...options }));
    await step(run('tar', ['-x', '-f', tarball, '-C', dir], { timeout: 120_000, ...options }));
    rmSync(tarball);
    let links = mirrorNodeModules(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
    for (const workspace of ['protocol', 'server']) {
      if (existsSync(path.join(dir, workspace))) {
        links += mirrorNodeModules(path.join(repo, workspace, 'node_modules'), path.join(dir, workspace, 'node_modules'));
      }
    }
    const lockDiffers = (await git(repo, ['diff', '--name-only', sha, '--', 'package-lock.json'])).trim() !== '';
    if (lockDiffers) log(`compare: package-lock.json differs between ${rev} and this checkout; ${rev} runs with this checkout's packages`);
    log(`compare: building ${rev}'s server (${links} packages linked from this checkout)…`);
    const started = Date.now();
    const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
    await step(run(process.execPath, [tsc, '-b', 'server'], { cwd: dir, timeout: 600_000, maxBuffer: 16 * 2 ** 20, ...options })).catch((e: unknown) => {
      const out = e as { stdout?: string; stderr?: string };
      throw new Error(`building ${rev} failed:\n${`${out.stdout ?? ''}${out.stderr ?? ''}`.slice(-4000) || String(e)}`);
    });
    const entry = path.join(dir, 'server/dist/server.js');
    if (!existsSync(entry)) throw new Error(`building ${rev} produced no server/dist/server.js`);
    return { rev, sha, subject, dir, entry, buildMs: Date.now() - started, lockDiffers, remove };
  } catch (e) {
    await remove();
    throw e;
  }
}
