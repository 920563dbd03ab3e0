// A private desktop for tests: Xvfb, a session D-Bus and dunst, plus the real server and agent as
// child processes. Everything started here is tracked and stopped by stopAll().
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_ENTRY, SERVER_NODE_ARGS, freePort, testServerEnv } from '../../../scripts/lib/server-process.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export { SERVER_ENTRY };
export const CLI_ENTRY = path.join(ROOT, 'desktop-notifier/dist/cli.js');
export const DUNSTRC = fileURLToPath(new URL('../fixtures/dunstrc', import.meta.url));
export const ARTIFACTS = path.join(ROOT, 'desktop-notifier/artifacts');

/** The private desktop's screen: screenshots of the whole display have this size. */
export const SCREEN = { width: 1280, height: 800 } as const;

export const randomName = (prefix = 'u') => `${prefix}${randomBytes(5).toString('hex')}`;

export function which(cmd: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Fails with one clear message naming everything that is missing. */
export function checkPrerequisites(): void {
  const problems: string[] = [];
  for (const [file, fix] of [
    [SERVER_ENTRY, 'npx tsc -b server'],
    [CLI_ENTRY, 'npx tsc -b desktop-notifier'],
  ] as const) {
    if (!fs.existsSync(file)) problems.push(`${path.relative(ROOT, file)} is missing: build it with "${fix}" (from the repo root)`);
  }
  const tools: Record<string, string> = {
    Xvfb: 'xvfb',
    'dbus-daemon': 'dbus',
    dunst: 'dunst',
    dunstctl: 'dunst',
    'notify-send': 'libnotify-bin',
    gdbus: 'libglib2.0-bin',
    xwd: 'x11-apps',
    convert: 'imagemagick',
  };
  const missing = Object.keys(tools).filter((t) => !which(t));
  if (missing.length > 0) {
    problems.push(
      `missing programs: ${missing.join(', ')}. Install: sudo apt install ${[...new Set(missing.map((m) => tools[m]))].join(' ')}`,
    );
  }
  if (problems.length > 0) throw new Error(`desktop-notifier integration test cannot run:\n- ${problems.join('\n- ')}`);
}

export interface Proc {
  name: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  text(): string;
  /** Resolves with the output once `pattern` appears after `from` characters of output. */
  waitFor(pattern: RegExp | string, timeoutMs?: number, from?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<Proc>();

export function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Proc {
  const child = spawn(cmd, args, { env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (stdin !== undefined) child.stdin?.end(stdin);
  const output: string[] = [];
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    output.push(d.toString());
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(proc);
      for (const l of listeners) l();
      resolve(code ?? (signal ? -1 : null));
    });
    child.once('error', (error) => {
      output.push(`spawn error: ${error.message}`);
      running.delete(proc);
      resolve(-1);
    });
  });
  const proc: Proc = {
    name,
    child,
    output,
    exited,
    text: () => output.join(''),
    waitFor(pattern, timeoutMs = 30_000, from = 0) {
      return new Promise((resolve, reject) => {
        const test = () => {
          const all = output.join('').slice(from);
          const hit = typeof pattern === 'string' ? all.includes(pattern) : pattern.test(all);
          if (hit) {
            cleanup();
            resolve(all);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before printing ${String(pattern)}:\n${all}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name} did not print ${String(pattern)} within ${timeoutMs} ms:\n${output.join('').slice(from)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(test);
        };
        listeners.add(test);
        test();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
  running.add(proc);
  return proc;
}

/** Stops every process this module started, newest first. */
export async function stopAll(): Promise<void> {
  for (const p of [...running].reverse()) await p.stop();
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, maxBuffer: 64 * 1024 * 1024, encoding: 'buffer', timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function freeDisplay(): number {
  for (let n = 90 + Math.floor(Math.random() * 300); n < 1000; n++) {
    if (!fs.existsSync(`/tmp/.X${n}-lock`) && !fs.existsSync(`/tmp/.X11-unix/X${n}`)) return n;
  }
  throw new Error('no free X display number');
}

export interface Desktop {
  env: { DISPLAY: string; DBUS_SESSION_BUS_ADDRESS: string };
  /** Every notification dunst has: closes the displayed ones first, so all are in the history. */
  collect(): Promise<DunstNotification[]>;
  /** Displayed + waiting + history. */
  count(): Promise<number>;
  screenshot(file: string): Promise<void>;
  /** Stops dunst (notifications then fail) and returns a function that starts it again. */
  stopDunst(): Promise<() => Promise<void>>;
}

export interface DunstNotification {
  summary: string;
  body: string;
  appname: string;
  category: string;
  iconPath: string;
}

/** Starts Xvfb, a private session bus and dunst; resolves once dunst answers on the bus. */
export async function startDesktop(): Promise<Desktop> {
  const display = freeDisplay();
  const xvfb = start('Xvfb', 'Xvfb', [`:${display}`, '-screen', '0', `${SCREEN.width}x${SCREEN.height}x24`, '-nolisten', 'tcp'], process.env);
  await waitUntil('Xvfb', async () => fs.existsSync(`/tmp/.X11-unix/X${display}`) || xvfb.child.exitCode !== null, 10_000);
  if (xvfb.child.exitCode !== null) throw new Error(`Xvfb failed:\n${xvfb.text()}`);

  // --nofork keeps the bus our child, so stopAll() can end it.
  const bus = start('dbus-daemon', 'dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1'], process.env);
  const address = (await bus.waitFor(/unix:[^\n]+\n/, 10_000)).split('\n')[0]?.trim() ?? '';
  const env = { DISPLAY: `:${display}`, DBUS_SESSION_BUS_ADDRESS: address };
  const full = { ...process.env, ...env };

  const startDunst = async () => {
    const proc = start('dunst', 'dunst', ['-config', DUNSTRC], full);
    await waitUntil(
      'dunst on the session bus',
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`dunst exited:\n${proc.text()}`);
        const r = await run('gdbus', ['call', '--session', '--dest', 'org.freedesktop.Notifications', '--object-path', '/org/freedesktop/Notifications', '--method', 'org.freedesktop.Notifications.GetServerInformation'], full);
        return r.code === 0;
      },
      15_000,
      50,
    );
    return proc;
  };
  let dunst = await startDunst();

  return {
    env,
    async collect() {
      const closed = await run('dunstctl', ['close-all'], full);
      if (closed.code !== 0) throw new Error(`dunstctl close-all failed: ${closed.stderr}`);
      const r = await run('dunstctl', ['history'], full);
      if (r.code !== 0) throw new Error(`dunstctl history failed: ${r.stderr}`);
      const parsed = JSON.parse(r.stdout) as { data: Record<string, { data: unknown }>[][] };
      return (parsed.data[0] ?? []).map((n) => ({
        summary: String(n.summary?.data ?? ''),
        body: String(n.body?.data ?? ''),
        appname: String(n.appname?.data ?? ''),
        category: String(n.category?.data ?? ''),
        iconPath: String(n.icon_path?.data ?? ''),
      }));
    },
    async count() {
      const r = await run('dunstctl', ['count'], full);
      return [...r.stdout.matchAll(/:\s*(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    },
    async stopDunst() {
      await dunst.stop();
      return async () => {
        dunst = await startDunst();
      };
    },
    async screenshot(file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const xwd = await new Promise<Buffer>((resolve, reject) => {
        execFile('xwd', ['-root', '-silent', '-display', `:${display}`], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
          error ? reject(error) : resolve(stdout),
        );
      });
      const tmp = path.join(os.tmpdir(), `${randomName('shot')}.xwd`);
      fs.writeFileSync(tmp, xwd);
      try {
        const r = await run('convert', [`xwd:${tmp}`, `png:${file}`], full);
        if (r.code !== 0) throw new Error(`convert failed: ${r.stderr}`);
      } finally {
        fs.rmSync(tmp, { force: true });
      }
    },
  };
}

export interface ServerProc extends Proc {
  url: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The real server as a child process; pass the returned env back in to restart the same one.
 * `overrides` change the test environment (e.g. WEB_DIST, to serve the built web app).
 */
export async function startServer(kafkaBrokers: string, env?: NodeJS.ProcessEnv, overrides: Record<string, string> = {}): Promise<ServerProc> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notifier-srv-'));
  const fullEnv: NodeJS.ProcessEnv = env ?? {
    PATH: process.env.PATH,
    ...testServerEnv({ kafkaBrokers, dataDir, port: await freePort(), KAFKA_TOPIC_PREFIX: randomName('dn'), ...overrides }),
  };
  const proc = start('server', process.execPath, [...SERVER_NODE_ARGS, SERVER_ENTRY], fullEnv);
  await proc.waitFor('Server listening at', 90_000);
  return Object.assign(proc, { url: `http://127.0.0.1:${fullEnv.PORT}`, env: fullEnv });
}

/** notify-send processes the agent started that are still running (stdbuf execs notify-send). */
export function waitingChildren(parent: number | undefined): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …"; comm may hold spaces, so split after its closing parenthesis.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && comm === 'notify-send') found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}
