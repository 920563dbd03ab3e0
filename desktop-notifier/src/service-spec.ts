// One description of the background service, and the three files the OSes want from it: a systemd
// user unit (Linux), a LaunchAgent plist (macOS) and a Task Scheduler XML (Windows). Pure text in,
// text out, so all three are unit-tested on any machine.

export interface ServiceSpec {
  /** Unit, plist and task name: `chat-notifier`, or `chat-notifier-<profile>`. */
  name: string;
  description: string;
  /** Absolute path of the Node.js that ran `service install`: services do not get the shell's PATH. */
  program: string;
  /** The agent script and `run ...`; the program's first argument. */
  args: string[];
  /** Variables the agent reads, carried over from the install. */
  env: Record<string, string>;
  restart: {
    delaySeconds: number;
    /** Exit codes that mean "a person must act" (not signed in, cannot notify, bad usage). */
    preventExitCodes: number[];
  };
  /** Where stdout and stderr go; null on Linux, where the journal keeps them. */
  logFile: string | null;
}

/** 2: not signed in / session refused, 3: notifications cannot be shown, 64: usage error. */
export const PERMANENT_EXIT_CODES = [2, 3, 64];

export interface DescribeInput {
  profile: string;
  node: string;
  script: string;
  runArgs: string[];
  env: Record<string, string>;
  logFile: string | null;
}

export function serviceName(profile: string): string {
  return profile === 'default' ? 'chat-notifier' : `chat-notifier-${profile}`;
}

export function describeService(input: DescribeInput): ServiceSpec {
  return {
    name: serviceName(input.profile),
    description: `chat-notifier: desktop notifications for the messenger${input.profile === 'default' ? '' : ` (profile ${input.profile})`}`,
    program: input.node,
    args: [input.script, 'run', ...input.runArgs],
    env: input.env,
    restart: { delaySeconds: 10, preventExitCodes: PERMANENT_EXIT_CODES },
    logFile: input.logFile,
  };
}

// --- systemd ----------------------------------------------------------------------------------

/** One ExecStart word: double-quoted with C escapes; % and $ doubled so systemd expands nothing. */
function systemdWord(word: string): string {
  if (/[\n\r]/.test(word)) throw new Error(`a service argument cannot contain a line break: ${JSON.stringify(word)}`);
  const escaped = word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}

export function systemdUnit(spec: ServiceSpec): string {
  const env = Object.entries(spec.env).map(([k, v]) => `Environment=${systemdWord(`${k}=${v}`)}`);
  return [
    '# Written by `chat-notifier service install`; `chat-notifier service uninstall` removes it.',
    '[Unit]',
    `Description=${spec.description.replace(/%/g, '%%')}`,
    // Notifications need the desktop's D-Bus and display: start with the graphical session, stop
    // with it (a login over ssh alone does not start the agent).
    'After=graphical-session.target',
    'PartOf=graphical-session.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[spec.program, ...spec.args].map(systemdWord).join(' ')}`,
    ...env,
    'Restart=on-failure',
    `RestartSec=${spec.restart.delaySeconds}`,
    // Restarting cannot sign in or start a notification daemon: stay down and keep the reason in
    // the journal (`chat-notifier service status`).
    `RestartPreventExitStatus=${spec.restart.preventExitCodes.join(' ')}`,
    '',
    '[Install]',
    'WantedBy=graphical-session.target',
    '',
  ].join('\n');
}

// --- launchd ----------------------------------------------------------------------------------

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function launchdPlist(spec: ServiceSpec): string {
  const strings = (items: string[], indent: string) => items.map((s) => `${indent}<string>${xml(s)}</string>`).join('\n');
  const env = Object.entries(spec.env);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `chat-notifier service install`; `chat-notifier service uninstall` removes it. -->',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${xml(spec.name)}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    strings([spec.program, ...spec.args], '    '),
    '  </array>',
    ...(env.length
      ? ['  <key>EnvironmentVariables</key>', '  <dict>', ...env.flatMap(([k, v]) => [`    <key>${xml(k)}</key>`, `    <string>${xml(v)}</string>`]), '  </dict>']
      : []),
    '  <key>RunAtLoad</key>',
    '  <true/>',
    // launchd cannot exempt exit codes: it restarts after any failure, at most once per
    // ThrottleInterval. A signed-out agent therefore retries slowly and starts by itself after login.
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    `  <integer>${Math.max(spec.restart.delaySeconds, 30)}</integer>`,
    '  <key>ProcessType</key>',
    '  <string>Interactive</string>',
    ...(spec.logFile
      ? ['  <key>StandardOutPath</key>', `  <string>${xml(spec.logFile)}</string>`, '  <key>StandardErrorPath</key>', `  <string>${xml(spec.logFile)}</string>`]
      : []),
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

// --- Task Scheduler ---------------------------------------------------------------------------

/** cmd.exe expands % and ! and splits on & | < > ^ even inside our quotes: refuse them. */
function cmdSafe(value: string): string {
  if (/["%!^&|<>\r\n]/.test(value)) {
    throw new Error(`cannot pass ${JSON.stringify(value)} through Task Scheduler (it contains one of " % ! ^ & | < > or a line break)`);
  }
  return value;
}

/**
 * Task Scheduler has no per-task environment and keeps no output, so the action is cmd.exe, which
 * sets the variables and appends both streams to the log. `userId` is DOMAIN\user: a logon trigger
 * for every user would need administrator rights.
 */
export function taskSchedulerXml(spec: ServiceSpec, userId: string): string {
  const sets = Object.entries(spec.env).map(([k, v]) => `set "${cmdSafe(k)}=${cmdSafe(v)}" && `);
  const command = [spec.program, ...spec.args].map((a) => `"${cmdSafe(a)}"`).join(' ');
  const log = spec.logFile ? ` >> "${cmdSafe(spec.logFile)}" 2>&1` : '';
  // /s: cmd strips exactly the outer quotes and runs the rest as written.
  const args = `/d /s /c "${sets.join('')}${command}${log}"`;
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<!-- Written by `chat-notifier service install`; `chat-notifier service uninstall` removes the task. -->',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    `    <Description>${xml(spec.description)}</Description>`,
    `    <URI>\\${xml(spec.name)}</URI>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <LogonTrigger>',
    '      <Enabled>true</Enabled>',
    `      <UserId>${xml(userId)}</UserId>`,
    '    </LogonTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${xml(userId)}</UserId>`,
    // Toasts only appear in the user's own desktop session.
    '      <LogonType>InteractiveToken</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    // PT0S: no time limit (the default stops a task after 72 hours).
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    // Task Scheduler's shortest restart interval is one minute, and it cannot exempt exit codes.
    '    <RestartOnFailure>',
    '      <Interval>PT1M</Interval>',
    '      <Count>999</Count>',
    '    </RestartOnFailure>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    '      <Command>cmd.exe</Command>',
    `      <Arguments>${xml(args)}</Arguments>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}
