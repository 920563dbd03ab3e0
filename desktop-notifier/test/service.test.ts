// The three service files from one description, on any OS: what each runs, how it restarts, where
// its log goes, and that odd characters in paths survive each format's quoting. The systemd unit is
// also checked by systemd-analyze where it is installed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { servicePlan, type Machine } from '../src/commands/service.js';
import { describeService, launchdPlist, systemdUnit, taskSchedulerXml, type ServiceSpec } from '../src/service-spec.js';
import { which } from './helpers/desktop.js';

const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({
  ...describeService({
    profile: 'work',
    node: '/opt/node/bin/node',
    script: '/opt/lib/node_modules/@messenger/desktop-notifier/bundle/chat-notifier.js',
    runArgs: ['--profile', 'work', '--quiet-hours', '22:00-07:00'],
    env: { CHAT_NOTIFIER_MUTE: 'eve' },
    logFile: '/Users/u/Library/Logs/chat-notifier/work.log',
  }),
  ...over,
});

const unescapeXml = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** The <string>s of the plist's ProgramArguments, unescaped: the argv launchd will run. */
function plistArgv(plist: string): string[] {
  const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(plist)?.[1] ?? '';
  return [...array.matchAll(/<string>([\s\S]*?)<\/string>/g)].map((m) => unescapeXml(m[1]!));
}

/** systemd's ExecStart= words, undoing our quoting (C escapes, %% and $$). */
function execStartArgv(unit: string): string[] {
  const line = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'));
}

describe('one service description', () => {
  it('names the service per profile and keeps the permanent exit codes', () => {
    expect(describeService({ profile: 'default', node: 'n', script: 's', runArgs: [], env: {}, logFile: null }).name).toBe('chat-notifier');
    const s = spec();
    expect(s.name).toBe('chat-notifier-work');
    expect(s.args).toEqual([
      '/opt/lib/node_modules/@messenger/desktop-notifier/bundle/chat-notifier.js',
      'run',
      '--profile',
      'work',
      '--quiet-hours',
      '22:00-07:00',
    ]);
    expect(s.restart.preventExitCodes).toEqual([2, 3, 64]);
  });
});

describe('systemd user unit', () => {
  it('runs the agent with the absolute node, restarts on failure except for the exit codes a person must fix', () => {
    const unit = systemdUnit(spec());
    expect(execStartArgv(unit)).toEqual([spec().program, ...spec().args]);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^RestartSec=10$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=2 3 64$/m);
    expect(unit).toMatch(/^Environment="CHAT_NOTIFIER_MUTE=eve"$/m);
    expect(unit).toMatch(/\[Unit\][\s\S]*PartOf=graphical-session.target[\s\S]*\[Service\][\s\S]*\[Install\]\nWantedBy=graphical-session.target\n$/);
  });
  it('quotes paths so spaces, quotes, backslashes, % and $ reach the agent unchanged', () => {
    const odd = '/home/a b/"q"/back\\slash/100%/$HOME';
    const unit = systemdUnit(spec({ args: [odd, 'run'] }));
    expect(unit).toContain('"/home/a b/\\"q\\"/back\\\\slash/100%%/$$HOME"');
    expect(execStartArgv(unit)).toEqual([spec().program, odd, 'run']);
    expect(() => systemdUnit(spec({ args: ['a\nExecStartPre=/bin/evil'] }))).toThrow(/line break/);
  });
});

describe('systemd-analyze verify', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  // Debian: apt install systemd. Absent on macOS, Windows and most minimal containers.
  it.skipIf(!which('systemd-analyze'))('accepts the unit without a warning, and would catch a missing program', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unit-'));
    dirs.push(dir);
    const runtime = fs.mkdtempSync(path.join(dir, 'run-'));
    const verify = (s: ServiceSpec) => {
      const file = path.join(dir, `${s.name}.service`);
      fs.writeFileSync(file, systemdUnit(s));
      // --user needs a runtime dir; a test process may have none.
      const r = spawnSync('systemd-analyze', ['--user', 'verify', file], { env: { ...process.env, XDG_RUNTIME_DIR: runtime }, encoding: 'utf8' });
      return { code: r.status, output: `${r.stdout}${r.stderr}` };
    };
    // Real files: verify checks that ExecStart's program exists and is executable.
    const script = path.join(dir, 'a b %c', 'chat-notifier.js');
    fs.mkdirSync(path.dirname(script));
    fs.writeFileSync(script, '');
    // No output at all, not just exit 0: unknown keys and bad values only warn.
    expect(verify(spec({ program: process.execPath, args: [script, 'run', '--profile', 'work'] }))).toEqual({ code: 0, output: '' });
    const missing = verify(spec({ name: 'missing', program: '/nonexistent/node' }));
    expect(missing.code).not.toBe(0);
    expect(missing.output).toMatch(/nonexistent\/node.*not executable/);
  });
});

describe('macOS LaunchAgent', () => {
  it('runs the same argv at login, keeps it alive after failures, and logs to ~/Library/Logs', () => {
    const plist = launchdPlist(spec());
    expect(plist).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<!DOCTYPE plist/);
    expect(plist).toMatch(/<key>Label<\/key>\s*<string>chat-notifier-work<\/string>/);
    expect(plistArgv(plist)).toEqual([spec().program, ...spec().args]);
    expect(plist).toMatch(/<key>RunAtLoad<\/key>\s*<true\/>/);
    expect(plist).toMatch(/<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>/);
    expect(plist).toMatch(/<key>ThrottleInterval<\/key>\s*<integer>30<\/integer>/);
    expect(plist).toMatch(/<key>EnvironmentVariables<\/key>\s*<dict>\s*<key>CHAT_NOTIFIER_MUTE<\/key>\s*<string>eve<\/string>/);
    expect(plist).toMatch(/<key>StandardErrorPath<\/key>\s*<string>\/Users\/u\/Library\/Logs\/chat-notifier\/work.log<\/string>/);
  });
  it('escapes XML in arguments', () => {
    const odd = `/Users/a&b/<x>/"q" 'y'`;
    const plist = launchdPlist(spec({ args: [odd, 'run'] }));
    expect(plistArgv(plist)).toEqual([spec().program, odd, 'run']);
    expect(plist).not.toContain('a&b');
  });
});

describe('Windows Task Scheduler', () => {
  const user = 'DESK\\ana';
  it('starts at this user\'s logon in her session, restarts after failures, never times out, logs to a file', () => {
    const task = taskSchedulerXml(spec({ logFile: 'C:\\Users\\ana\\AppData\\Local\\chat-notifier\\work.log' }), user);
    expect(task.startsWith('<?xml version="1.0" encoding="UTF-16"?>\r\n')).toBe(true);
    expect(task).toMatch(/<LogonTrigger>\s*<Enabled>true<\/Enabled>\s*<UserId>DESK\\ana<\/UserId>/);
    expect(task).toMatch(/<LogonType>InteractiveToken<\/LogonType>/);
    expect(task).toMatch(/<ExecutionTimeLimit>PT0S<\/ExecutionTimeLimit>/);
    expect(task).toMatch(/<RestartOnFailure>\s*<Interval>PT1M<\/Interval>\s*<Count>999<\/Count>/);
    expect(task).toMatch(/<MultipleInstancesPolicy>IgnoreNew<\/MultipleInstancesPolicy>/);
    expect(task).toMatch(/<Command>cmd.exe<\/Command>/);
    const args = unescapeXml(/<Arguments>(.*)<\/Arguments>/.exec(task)?.[1] ?? '');
    expect(args).toBe(
      '/d /s /c "set "CHAT_NOTIFIER_MUTE=eve" && "/opt/node/bin/node" "/opt/lib/node_modules/@messenger/desktop-notifier/bundle/chat-notifier.js" ' +
        '"run" "--profile" "work" "--quiet-hours" "22:00-07:00" >> "C:\\Users\\ana\\AppData\\Local\\chat-notifier\\work.log" 2>&1"',
    );
  });
  it('refuses what cmd.exe would expand or split, instead of running something else', () => {
    for (const bad of ['100%PATH%', 'a&calc', 'x"y', 'wow!', 'a|b']) {
      expect(() => taskSchedulerXml(spec({ args: [bad] }), user)).toThrow(/cannot pass/);
    }
  });
});

describe('service plans per OS', () => {
  const input = { profile: 'work', runArgs: ['--profile', 'work'], node: '/n', script: '/s.js' };
  const machine = (over: Partial<Machine>): Machine => ({ platform: 'linux', home: '/home/u', env: {}, uid: 501, user: 'u', ...over });

  it('Linux: a user unit under $XDG_CONFIG_HOME/systemd/user, enabled and started with systemctl --user', () => {
    const plan = servicePlan(input, machine({ env: { XDG_CONFIG_HOME: '/x' } }));
    expect(plan.file).toBe('/x/systemd/user/chat-notifier-work.service');
    expect(plan.install).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', 'chat-notifier-work.service'],
    ]);
    expect(plan.uninstall).toEqual([['systemctl', '--user', 'disable', '--now', 'chat-notifier-work.service']]);
    expect(plan.spec.logFile).toBeNull();
    expect(servicePlan(input, machine({})).file).toBe('/home/u/.config/systemd/user/chat-notifier-work.service');
    // From a desktop session: the user manager gets its display and bus, so the agent can notify.
    const fromDesktop = servicePlan(input, machine({ env: { DISPLAY: ':0', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' } }));
    expect(fromDesktop.install[0]).toEqual(['systemctl', '--user', 'import-environment', 'DISPLAY', 'DBUS_SESSION_BUS_ADDRESS']);
  });
  it('macOS: a LaunchAgent bootstrapped into the gui/<uid> domain', () => {
    const plan = servicePlan(input, machine({ platform: 'darwin', home: '/Users/u' }));
    expect(plan.file).toBe('/Users/u/Library/LaunchAgents/chat-notifier-work.plist');
    expect(plan.install).toEqual([
      ['launchctl', 'bootout', 'gui/501/chat-notifier-work'],
      ['launchctl', 'bootstrap', 'gui/501', '/Users/u/Library/LaunchAgents/chat-notifier-work.plist'],
    ]);
    expect(plan.spec.logFile).toBe('/Users/u/Library/Logs/chat-notifier/work.log');
    expect(plistArgv(String(plan.content))).toEqual(['/n', '/s.js', 'run', '--profile', 'work']);
  });
  it('Windows: a task created from UTF-16 XML (with BOM) for DOMAIN\\user', () => {
    const plan = servicePlan(input, machine({ platform: 'win32', home: 'C:\\Users\\u', env: { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, user: 'DESK\\u' }));
    expect(plan.file).toBe('C:\\Users\\u\\AppData\\Local\\chat-notifier\\chat-notifier-work.task.xml');
    expect(plan.install[0]).toEqual(['schtasks', '/Create', '/TN', 'chat-notifier-work', '/XML', plan.file, '/F']);
    expect(plan.uninstall.at(-1)).toEqual(['schtasks', '/Delete', '/TN', 'chat-notifier-work', '/F']);
    const bytes = plan.content as Buffer;
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(bytes.subarray(2).toString('utf16le')).toContain('<UserId>DESK\\u</UserId>');
  });
  it('carries the agent variables set at install time, and nothing else', () => {
    const plan = servicePlan(input, machine({ env: { CHAT_NOTIFIER_QUIET_HOURS: '22:00-07:00', HOME: '/home/u', SECRET_TOKEN: 'x' } }));
    expect(plan.spec.env).toEqual({ CHAT_NOTIFIER_QUIET_HOURS: '22:00-07:00' });
  });
});
