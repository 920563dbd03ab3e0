// `chat-notifier service install | uninstall | status`: where each OS keeps the service file and
// which commands load it. A plan is data (file + commands), so the three OSes are unit-tested here
// and only the running of it touches the machine.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitError, UsageError } from '../cli-errors.js';
import { ENV } from '../config.js';
import { which } from '../selfcheck.js';
import { describeService, launchdPlist, systemdUnit, taskSchedulerXml, type ServiceSpec } from '../service-spec.js';

export type Command = [program: string, ...args: string[]];

export interface ServicePlan {
  platform: 'linux' | 'darwin' | 'win32';
  spec: ServiceSpec;
  file: string;
  content: string | Buffer;
  /** Run after writing the file; null when the service manager is missing (then `manual` says how). */
  install: Command[];
  /** Run before deleting the file; failures are expected (not loaded) and ignored. */
  uninstall: Command[];
  status: Command[];
  manual: string;
}

export interface Machine {
  platform: NodeJS.Platform;
  home: string;
  env: NodeJS.ProcessEnv;
  /** uid (launchctl's gui/<uid> domain). */
  uid: number;
  /** DOMAIN\user for Task Scheduler. */
  user: string;
}

export function thisMachine(): Machine {
  const info = os.userInfo();
  return {
    platform: process.platform,
    home: os.homedir(),
    env: process.env,
    uid: info.uid,
    user: process.env.USERDOMAIN ? `${process.env.USERDOMAIN}\\${info.username}` : info.username,
  };
}

/** The agent's variables worth keeping in the service (set when `service install` ran). */
const CARRIED = [ENV.mute, ENV.quietHours, ENV.grace, 'CHAT_NOTIFIER_WINDOWS_APP_ID', 'BROWSER', 'NODE_EXTRA_CA_CERTS'];

export interface PlanInput {
  profile: string;
  /** `run` options for the service, e.g. --profile, --config-dir, --mute. */
  runArgs: string[];
  node: string;
  script: string;
}

export function servicePlan(input: PlanInput, m: Machine): ServicePlan {
  const env = Object.fromEntries(CARRIED.flatMap((k) => (m.env[k] ? [[k, m.env[k]]] : [])));
  const describe = (logFile: string | null) => describeService({ ...input, env, logFile });
  if (m.platform === 'darwin') {
    const spec = describe(path.posix.join(m.home, 'Library', 'Logs', 'chat-notifier', `${input.profile}.log`));
    const file = path.posix.join(m.home, 'Library', 'LaunchAgents', `${spec.name}.plist`);
    const domain = `gui/${m.uid}`;
    return {
      platform: 'darwin',
      spec,
      file,
      content: launchdPlist(spec),
      // bootout first: bootstrap refuses a label that is already loaded (a reinstall).
      install: [['launchctl', 'bootout', `${domain}/${spec.name}`], ['launchctl', 'bootstrap', domain, file]],
      uninstall: [['launchctl', 'bootout', `${domain}/${spec.name}`]],
      status: [['launchctl', 'print', `${domain}/${spec.name}`]],
      manual: `launchctl bootstrap ${domain} "${file}"`,
    };
  }
  if (m.platform === 'win32') {
    const local = m.env.LOCALAPPDATA ?? path.win32.join(m.home, 'AppData', 'Local');
    const spec = describe(path.win32.join(local, 'chat-notifier', `${input.profile}.log`));
    const file = path.win32.join(local, 'chat-notifier', `${spec.name}.task.xml`);
    return {
      platform: 'win32',
      spec,
      file,
      // schtasks /XML reads UTF-16 with a byte-order mark.
      content: Buffer.from(`\ufeff${taskSchedulerXml(spec, m.user)}`, 'utf16le'),
      install: [['schtasks', '/Create', '/TN', spec.name, '/XML', file, '/F'], ['schtasks', '/Run', '/TN', spec.name]],
      uninstall: [['schtasks', '/End', '/TN', spec.name], ['schtasks', '/Delete', '/TN', spec.name, '/F']],
      status: [['schtasks', '/Query', '/TN', spec.name, '/V', '/FO', 'LIST']],
      manual: `schtasks /Create /TN ${spec.name} /XML "${file}" /F`,
    };
  }
  const spec = describe(null);
  const xdg = m.env.XDG_CONFIG_HOME;
  const configHome = xdg && path.isAbsolute(xdg) ? xdg : path.join(m.home, '.config');
  const file = path.join(configHome, 'systemd', 'user', `${spec.name}.service`);
  const unit = `${spec.name}.service`;
  const session = ['DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR'].filter((k) => m.env[k]);
  return {
    platform: 'linux',
    spec,
    file,
    content: systemdUnit(spec),
    install: [
      // The user manager starts without the desktop's display and bus on bare window managers;
      // hand it this session's, as desktops that manage graphical-session.target do themselves.
      ...(session.length ? [['systemctl', '--user', 'import-environment', ...session] as Command] : []),
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', unit],
    ],
    uninstall: [['systemctl', '--user', 'disable', '--now', unit]],
    status: [['systemctl', '--user', '--no-pager', 'status', unit]],
    manual:
      'systemctl --user import-environment DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS\n' +
      `  systemctl --user daemon-reload && systemctl --user enable --now ${unit}`,
  };
}

function exec(cmd: Command): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd[0], cmd.slice(1), { timeout: 15_000, windowsHide: true }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}`.trim() });
    });
  });
}

/** Is the OS's service manager there to talk to? (Containers and WSL often have no user systemd.) */
async function managerAvailable(plan: ServicePlan): Promise<boolean> {
  if (plan.platform === 'linux') return which('systemctl') !== null && (await exec(['systemctl', '--user', 'show-environment'])).code === 0;
  if (plan.platform === 'darwin') return which('launchctl') !== null;
  return true; // schtasks ships with every Windows since XP
}

export async function serviceCommand(action: string | undefined, plan: ServicePlan): Promise<number> {
  if (action === 'install') {
    fs.mkdirSync(path.dirname(plan.file), { recursive: true });
    if (plan.spec.logFile) fs.mkdirSync(path.dirname(plan.spec.logFile), { recursive: true });
    fs.writeFileSync(plan.file, plan.content);
    console.log(`Wrote ${plan.file}`);
    console.log(`It runs: ${[plan.spec.program, ...plan.spec.args].join(' ')}`);
    if (!(await managerAvailable(plan))) {
      console.log(`No service manager answers here. To start it at login, run:\n  ${plan.manual}`);
      return 0;
    }
    // The first macOS bootout is allowed to fail: nothing was loaded yet.
    const steps = plan.platform === 'darwin' ? plan.install.slice(1) : plan.install;
    if (plan.platform === 'darwin') await exec(plan.install[0]!);
    for (const step of steps) {
      const r = await exec(step);
      if (r.code !== 0) throw new ExitError(`"${step.join(' ')}" failed (${r.code}): ${r.out}\nThe file is written; fix that and run:\n  ${plan.manual}`, 1);
    }
    console.log(`Installed and started "${plan.spec.name}"; it starts at every login.` + (plan.spec.logFile ? ` Log: ${plan.spec.logFile}` : ` Log: journalctl --user -u ${plan.spec.name}`));
    return 0;
  }
  if (action === 'uninstall') {
    if (await managerAvailable(plan)) for (const step of plan.uninstall) await exec(step);
    const existed = fs.existsSync(plan.file);
    fs.rmSync(plan.file, { force: true });
    if (plan.platform === 'linux' && (await managerAvailable(plan))) await exec(['systemctl', '--user', 'daemon-reload']);
    console.log(existed ? `Removed "${plan.spec.name}" (${plan.file}).` : `"${plan.spec.name}" was not installed (${plan.file} does not exist).`);
    return 0;
  }
  if (action === 'status') {
    if (!fs.existsSync(plan.file)) {
      console.log(`"${plan.spec.name}" is not installed (no ${plan.file}). Install it with: chat-notifier service install`);
      return 3;
    }
    console.log(`service file: ${plan.file}`);
    if (!(await managerAvailable(plan))) {
      console.log(`No service manager answers here; to load it: ${plan.manual}`);
      return 3;
    }
    const r = await exec(plan.status[0]!);
    console.log(r.out);
    // systemctl status: 0 running, 3 not running (the LSB codes); others report failure as non-zero.
    return r.code === 0 ? 0 : 3;
  }
  throw new UsageError(`service needs install, uninstall or status${action ? `, not "${action}"` : ''}`);
}
