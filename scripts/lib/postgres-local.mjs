// A real PostgreSQL for development and tests, without Docker: Debian's `postgresql` package
// (.ci/run installs it) run from this process as a child, on 127.0.0.1 only, with a random
// superuser password (scram-sha-256). No Unix socket: nothing but this machine's TCP loopback.
//
// Postgres refuses to run as root. When we are root, the cluster belongs to a dedicated
// unprivileged system user, `messenger-pg` (created once with useradd, no login shell, no home),
// and the server process is started with that uid/gid. Its data directory is then somewhere that
// user can reach: a temp dir for tests, /var/lib/messenger-postgres/<id> for `npm start`, because
// the project's data/ is owner-only (0700, root's) and must stay so. Not root: it runs as us.
//
// Every postmaster started here is recorded in a pid file; a later start kills those whose owner
// died without stopping them (a SIGKILLed test runner), so no Postgres is left behind.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, portInUse } from './kafka-local.mjs';
import { isAlive, isProcessOf, reapOrphanRecords } from './orphans.mjs';
import { PrereqError } from './prereqs.mjs';

export const SERVICE_USER = 'messenger-pg';
const SUPERUSER = 'messenger';
const INSTALL =
  'install PostgreSQL 13 or newer (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql), ' +
  'or set POSTGRES_BIN to the folder holding initdb and postgres';

/** The folder with initdb and postgres: POSTGRES_BIN, Debian's newest version, or the PATH. */
export function postgresBinDir() {
  if (process.env.POSTGRES_BIN) return process.env.POSTGRES_BIN;
  const debian = '/usr/lib/postgresql';
  const versions = fs.existsSync(debian)
    ? fs.readdirSync(debian).filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(debian, v, 'bin', 'initdb')))
    : [];
  if (versions.length > 0) return path.join(debian, String(Math.max(...versions.map(Number))), 'bin');
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return path.dirname(which.stdout.trim());
  throw new PrereqError(`PostgreSQL was not found: ${INSTALL}.`);
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** uid/gid of the service user, creating it first when needed (root only). */
function serviceUser() {
  const lookup = () => {
    const uid = spawnSync('id', ['-u', SERVICE_USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', SERVICE_USER], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined;
  };
  const found = lookup();
  if (found) return found;
  const add = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', SERVICE_USER], {
    encoding: 'utf8',
  });
  // Exit 9: a parallel start created it first.
  const created = lookup();
  if (!created) throw new PrereqError(`could not create the system user ${SERVICE_USER} to run Postgres as (useradd: ${add.stderr.trim() || add.status})`);
  return created;
}

function makeOwnedDir(dir, owner) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  if (owner) fs.chownSync(dir, owner.uid, owner.gid);
}

// ---------------------------------------------------------------------------------------------
// Leftover postmasters from owners that died

const runDir = () => path.join(os.tmpdir(), 'messenger-postgres-run');

/** Stops postmasters whose owning process is gone, and removes their temporary clusters. */
export function reapOrphans() {
  return reapOrphanRecords(runDir(), (record) => {
    let stopped = 0;
    // SIGQUIT: the postmaster takes its backends down with it at once. Its files are removed
    // only once it is gone, so it cannot write into a directory being deleted.
    if (isAlive(record.pid) && isProcessOf(record.pid, 'postgres')) {
      process.kill(record.pid, 'SIGQUIT');
      stopped = 1;
      const deadline = Date.now() + 10_000;
      while (isAlive(record.pid) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      if (isAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
    }
    if (record.temporary) fs.rmSync(record.temporary, { recursive: true, force: true });
    return stopped;
  });
}

// ---------------------------------------------------------------------------------------------
// The server

/** Runs a Postgres binary as `owner` (or as us), with umask 077 so everything it creates is private. */
function spawnAs(owner, binary, args, options) {
  return spawn('/bin/sh', ['-c', 'umask 077 && exec "$0" "$@"', binary, ...args], {
    ...options,
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    // LANG etc. are irrelevant (initdb is told its locale); HOME of root is not the user's.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(owner ? { HOME: '/nonexistent' } : { HOME: os.homedir() }) },
  });
}

function runAs(owner, binary, args) {
  return new Promise((resolve, reject) => {
    const child = spawnAs(owner, binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${path.basename(binary)} failed (exit ${code}): ${output.trim().slice(-2000)}`))));
  });
}

/**
 * Starts a local Postgres and resolves once it accepts connections.
 *
 * @param {object} options
 * @param {string} [options.stateDir] kept across runs when given (`npm start`: data/postgres):
 *   holds the superuser password, and the cluster itself unless we are root. A fresh temporary
 *   cluster, removed by stop(), otherwise.
 * @param {number} [options.port] 0 picks a free port
 * @param {boolean} [options.durable] fsync and full page writes; off for throwaway test clusters
 * @param {number} [options.maxConnections]
 * @param {(line: string) => void} [options.log]
 */
export async function startPostgres({ stateDir, port = 0, durable = Boolean(stateDir), maxConnections = 100, log = () => {} } = {}) {
  const bin = postgresBinDir();
  reapOrphans();
  const owner = isRoot() ? serviceUser() : undefined;
  const temporary = stateDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'messenger-pg-'));
  const state = stateDir ?? temporary;
  makeOwnedDir(state);
  let cluster;
  if (!owner) cluster = path.join(state, 'cluster');
  else if (temporary) cluster = path.join(temporary, 'cluster');
  else {
    // data/ is root's and 0700: the service user cannot enter it, so the cluster lives in a
    // directory of its own, named after the state dir so two checkouts never share one.
    const id = createHash('sha256').update(path.resolve(state)).digest('hex').slice(0, 12);
    const base = '/var/lib/messenger-postgres';
    makeOwnedDir(base, owner);
    cluster = path.join(base, id);
  }
  if (owner && temporary) fs.chmodSync(temporary, 0o711); // the service user must pass through to cluster/

  const passwordFile = path.join(state, 'superuser-password');
  const fresh = !fs.existsSync(path.join(cluster, 'PG_VERSION'));
  if (fresh) {
    fs.rmSync(cluster, { recursive: true, force: true });
    makeOwnedDir(cluster, owner);
    const password = randomBytes(24).toString('base64url');
    fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    // initdb reads the password from a file the service user can read; it is removed at once.
    const pwfile = path.join(cluster, '..', `.pw-${randomBytes(6).toString('hex')}`);
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (owner) fs.chownSync(pwfile, owner.uid, owner.gid);
    log(`Creating a Postgres cluster in ${cluster}${owner ? ` (owned by the system user ${SERVICE_USER}: Postgres refuses root)` : ''}...`);
    try {
      await runAs(owner, path.join(bin, 'initdb'), [
        '-D', cluster, '-U', SUPERUSER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions',
        ...(durable ? [] : ['--no-sync']),
      ]);
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }
  if (!fs.existsSync(passwordFile)) {
    throw new PrereqError(
      `the Postgres cluster in ${cluster} exists but its password file ${passwordFile} is gone: restore it, or remove ${cluster} to start afresh (its data is lost)`,
    );
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();

  const chosenPort = port === 0 ? await freePort() : port;
  if (port !== 0 && (await portInUse(chosenPort))) {
    throw new PrereqError(`port ${chosenPort} is already in use (another Postgres?): stop it, set POSTGRES_PORT, or set DATABASE_URL`);
  }
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(chosenPort),
    unix_socket_directories: '',
    max_connections: String(maxConnections),
    // Throwaway clusters trade crash safety for speed: the test run deletes them anyway.
    ...(durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
  };
  const child = spawnAs(owner, path.join(bin, 'postgres'), ['-D', cluster, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])], {
    // Own process group: a terminal's Ctrl-C reaches us, and we stop Postgres in order.
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Postgres did not start within 60 s:\n${stderr.slice(-2000)}`)), 60_000);
    child.stderr.on('data', (chunk) => {
      if (stderr.length < 65_536) stderr += chunk;
      if (stderr.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Postgres exited (${code ?? signal}) while starting:\n${stderr.slice(-2000)}`));
    });
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));

  const pidFile = path.join(runDir(), `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  fs.mkdirSync(runDir(), { recursive: true, mode: 0o700 });
  fs.writeFileSync(pidFile, JSON.stringify({ owner: process.pid, pid: child.pid, temporary }));
  const killSync = () => {
    try {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGQUIT');
    } catch {
      // already gone
    }
    // A temporary cluster cannot be removed while Postgres may still be writing it: its pid file
    // stays, and the next start's reapOrphans() deletes it.
    if (!temporary) fs.rmSync(pidFile, { force: true });
  };
  // If the owner exits without stop() (an uncaught error), Postgres goes with it.
  process.on('exit', killSync);

  const stop = async (graceMs = 15_000) => {
    process.off('exit', killSync);
    if (child.exitCode === null && child.signalCode === null) {
      // SIGINT: "fast" shutdown (disconnect clients, checkpoint, exit); SIGQUIT if it hangs.
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGQUIT'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(pidFile, { force: true });
    if (temporary) fs.rmSync(temporary, { recursive: true, force: true });
  };

  try {
    await ready;
  } catch (error) {
    await stop(2_000);
    throw error;
  }
  const url = (database) =>
    `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${chosenPort}/${encodeURIComponent(database)}`;
  return {
    port: chosenPort,
    cluster,
    version: path.basename(path.dirname(bin)),
    /** The superuser's URL for `database` (it contains the password: never log it). */
    url,
    /** `url` with the password hidden, for log lines. */
    safeUrl: (database) => `postgres://${SUPERUSER}:***@127.0.0.1:${chosenPort}/${database}`,
    stop,
  };
}

/** Creates `name` unless it exists; `adminUrl` is any database of the same cluster. */
export async function ensureDatabase(adminUrl, name) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}
