// The package as a user gets it: `npm pack -w desktop-notifier`, then `npm install -g` of that
// tarball into a temporary prefix, with a fresh HOME, from a folder outside this repository, and
// the installed `chat-notifier` run with a bare environment. Dependencies come from the npm
// registry (the machine's own npm settings apply: proxy, CA), so the install is bounded in time.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, which } from './helpers/desktop.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'desktop-notifier/package.json'), 'utf8')) as { version: string }).version;

let tmp: string;
let tarball: string;
let prefix: string;
let home: string;
/** What a person's shell would have: node and the system tools, nothing of this repository. */
let bare: NodeJS.ProcessEnv;

async function npmConfig(key: string): Promise<string> {
  return (await sh('npm', ['config', 'get', key], { cwd: ROOT, env: process.env, timeoutMs: 30_000 })).stdout.trim();
}

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'chat-notifier-pkg-')));
  prefix = path.join(tmp, 'prefix');
  home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  bare = {
    PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
    HOME: home,
    // The machine's network settings, as any program there would get them.
    ...Object.fromEntries(
      ['NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'].flatMap((k) =>
        process.env[k] ? [[k, process.env[k]]] : [],
      ),
    ),
  };

  const packed = await sh('npm', ['pack', '-w', 'desktop-notifier', '--pack-destination', tmp], { cwd: ROOT, env: process.env, timeoutMs: 180_000 });
  expect(packed.code, packed.stderr).toBe(0);
  const files = fs.readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
  expect(files).toHaveLength(1);
  tarball = path.join(tmp, files[0]!);

  // --globalconfig: the machine-wide npm settings (a proxy, a CA file), which `--prefix` would
  // otherwise look for under the temporary prefix. The user config is the fresh HOME's.
  const install = await sh(
    'npm',
    ['install', '-g', '--prefix', prefix, '--globalconfig', await npmConfig('globalconfig'), '--no-audit', '--no-fund', '--update-notifier=false', tarball],
    { cwd: tmp, env: bare, timeoutMs: 240_000 },
  );
  expect(install.code, `${install.stdout}\n${install.stderr}`).toBe(0);
}, 480_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const installed = () => path.join(prefix, 'lib', 'node_modules', '@messenger', 'desktop-notifier');
const cli = (...args: string[]) => sh(path.join(prefix, 'bin', 'chat-notifier'), args, { cwd: tmp, env: bare, timeoutMs: 30_000 });

describe('the packed agent, installed with npm install -g', () => {
  it('ships the bundle, the icon and the README, and depends only on registry packages', async () => {
    const list = await sh('tar', ['-tzf', tarball], { cwd: tmp, env: process.env, timeoutMs: 30_000 });
    expect(list.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'package/README.md',
      'package/assets/icon.png',
      'package/bundle/chat-notifier.js',
      'package/package.json',
    ]);
    const manifest = JSON.parse(fs.readFileSync(path.join(installed(), 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    // Our workspaces are inside the bundle; a @messenger/* dependency would be fetched from the
    // public registry, where that name is not ours.
    expect(Object.keys(manifest.dependencies).filter((d) => d.startsWith('@messenger/'))).toEqual([]);
    expect(fs.existsSync(path.join(installed(), 'node_modules', '@messenger'))).toBe(false);
    expect(fs.existsSync(path.join(installed(), 'node_modules', 'node-notifier', 'vendor'))).toBe(true);
  });

  it('chat-notifier --version prints the package version', async () => {
    const r = await cli('--version');
    expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('chat-notifier status without a session answers in one line, exit 2', async () => {
    const r = await cli('status');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    const configDir = path.join(home, '.config', 'chat-notifier');
    expect(r.stdout).toBe(`not signed in (profile "default", ${configDir}): run "chat-notifier login --server URL"\n`);
  });

  it('service install writes a unit that runs the installed agent with the given run options; uninstall removes it', async () => {
    const bad = await cli('service', 'install', '--grace', '-1');
    expect(bad.code).toBe(64);
    const r = await cli('service', 'install', '--profile', 'work', '--grace', '5', '--mute', 'eve');
    expect(r.stderr).toBe('warning: not signed in yet; the service stops at once (exit 2) until you run "chat-notifier --profile work login"\n');
    expect(r.code).toBe(0);
    const unit = path.join(home, '.config', 'systemd', 'user', 'chat-notifier-work.service');
    const text = fs.readFileSync(unit, 'utf8');
    const script = fs.realpathSync(path.join(installed(), 'bundle', 'chat-notifier.js'));
    expect(text).toContain(`ExecStart="${process.execPath}" "${script}" "run" "--profile" "work" "--mute" "eve" "--grace" "5"\n`);
    if (which('systemd-analyze')) {
      const runtime = fs.mkdtempSync(path.join(tmp, 'run-'));
      const verify = await sh('systemd-analyze', ['--user', 'verify', unit], { cwd: tmp, env: { ...bare, XDG_RUNTIME_DIR: runtime }, timeoutMs: 30_000 });
      expect(verify).toMatchObject({ code: 0, stderr: '' });
    }
    const removed = await cli('service', 'uninstall', '--profile', 'work');
    expect(removed.code).toBe(0);
    expect(fs.existsSync(unit)).toBe(false);
  });
});
