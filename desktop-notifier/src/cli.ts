#!/usr/bin/env node
// chat-notifier: sign in once, then raise an OS notification for every incoming chat message.
import { ApiError, createClient } from '@messenger/client';
import { normalizeUsername } from '@messenger/protocol';
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startAgent, type RunningAgent } from './agent.js';
import { DisplayNames } from './names.js';
import { Processor } from './processor.js';
import { DEFAULT_GRACE_SECONDS, parseGraceSeconds } from './grace.js';
import { ExitError, UsageError } from './cli-errors.js';
import { cmdLogout } from './commands/logout.js';
import { sendMessage } from './commands/send.js';
import { serviceCommand, servicePlan, thisMachine } from './commands/service.js';
import { cmdStatus } from './commands/status.js';
import {
  DEFAULT_PROFILE,
  ENV,
  checkProfileName,
  defaultConfigDir,
  deleteSession,
  loadSession,
  normalizeServer,
  permissionProblem,
  profileDir,
  saveSession,
  seenFile,
  sessionFile,
} from './config.js';
import { muteGroup } from './group-commands.js';
import { GroupDirectory } from './groups.js';
import { MutedPeers } from './muted-peers.js';
import { createNotifier } from './notify.js';
import { ask, askHidden, readStdin } from './prompt.js';
import { formatQuietHours, parseQuietHours, type QuietHours } from './quiet.js';
import { SeenStore } from './seen-store.js';
import { selfCheck } from './selfcheck.js';
import { requireSession, sessionClient } from './session-client.js';

const HELP = `chat-notifier: desktop notifications for the Kafka messenger

Usage:
  chat-notifier login  --server URL [--username NAME] [--password-stdin]
  chat-notifier run    [--mute USER]... [--quiet-hours HH:MM-HH:MM] [--skip-self-check]
                       [--grace SECONDS]
  chat-notifier status
  chat-notifier send   --to USER TEXT
  chat-notifier service install|uninstall|status [--mute USER]... [--quiet-hours HH:MM-HH:MM]
                       [--grace SECONDS]
  chat-notifier mute   --group NAME|ID
  chat-notifier unmute --group NAME|ID
  chat-notifier logout [--force]
  chat-notifier help

Commands:
  login    Sign in and store the session token (file mode 600, directory 700).
           Prompts for the username and (hidden) password unless given.
  run      Stay connected in the foreground and show one notification per incoming
           message. Reconnects with backoff and catches up; never notifies twice.
  status   Show the stored session, whether the server accepts it, unread messages per
           conversation, your groups (and which are muted), and the self-check.
  send     Send TEXT to USER as the signed-in account ("-" reads the text from stdin).
  service  install: start "run" at every login (systemd user unit, LaunchAgent, or Task
           Scheduler task); run options given here are kept. uninstall: stop and remove it.
           status: whether it is installed and running.
  mute     Mute a group: no notifications from it except messages that @mention you.
           The setting is yours on the server: the web app and every agent follow it.
  unmute   Notify a group's messages again.
  logout   Revoke the session on the server and delete the stored token.

Options:
  --server URL            Server base URL (login). Env: ${ENV.server}
  --username NAME         Username (login). Env: ${ENV.username}
  --password-stdin        Read the password from standard input (login).
                          Or set ${ENV.password}. Never pass it as an argument.
  --mute USER             Do not notify for this sender (repeatable), in groups too, on this
                          machine only. Env: ${ENV.mute}=a,b
  --group NAME|ID         mute/unmute: the group, by its name or id (status lists both).
  --quiet-hours A-B       Do-not-disturb window in local time, e.g. 22:00-07:00 (may cross
                          midnight). Env: ${ENV.quietHours}
                          Muted and quiet messages are still acknowledged and never shown later.
  --grace SECONDS         Wait this long before showing a message (default ${DEFAULT_GRACE_SECONDS}); one read
                          meanwhile in the web app is not shown. 0 shows at once. Env: ${ENV.grace}
  --skip-self-check       Do not check for a notification server at startup (Linux).
  --force                 logout: delete the token even if the server cannot be reached.
  --config-dir DIR        Where the session and state live. Env: ${ENV.configDir}
                          Default: Linux $XDG_CONFIG_HOME/chat-notifier (~/.config/chat-notifier),
                          macOS ~/Library/Application Support/chat-notifier,
                          Windows %APPDATA%\\chat-notifier
  --profile NAME          Every command: a separate account with its own session, state and
                          service (side by side). Env: ${ENV.profile}. Default: "default".
  --to USER               send: the recipient.
  -h, --help              This help.   -v, --version   The version.

Windows only: CHAT_NOTIFIER_WINDOWS_APP_ID sets the toast app id (see the README).
Clicking a notification opens the conversation in the browser ($BROWSER, else the default one
on Linux), where the notification server reports clicks (macOS, Windows, most Linux desktops).

Exit codes: 0 ok, 1 error, 2 not signed in / session refused or revoked, 3 notifications cannot be
shown, 64 usage error. service status: 0 running, 3 not installed or not running (as systemctl).
`;

const OPTIONS = {
  server: { type: 'string' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  mute: { type: 'string', multiple: true },
  'quiet-hours': { type: 'string' },
  'skip-self-check': { type: 'boolean' },
  grace: { type: 'string' },
  force: { type: 'boolean' },
  'config-dir': { type: 'string' },
  group: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  // send, service and profiles
  profile: { type: 'string' },
  to: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const ALLOWED: Record<string, (keyof typeof OPTIONS)[]> = {
  login: ['server', 'username', 'password-stdin'],
  run: ['mute', 'quiet-hours', 'skip-self-check', 'server', 'grace'],
  status: [],
  mute: ['group'],
  unmute: ['group'],
  logout: ['force'],
  send: ['to'],
  service: ['mute', 'quiet-hours', 'grace'],
};

/** Commands that take positional words after their name: `send TEXT`, `service ACTION`. */
const POSITIONALS: Record<string, number> = { send: 1, service: 1 };

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const stamp = () => new Date().toISOString();
const info = (line: string) => console.log(`${stamp()} ${line}`);

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.version) {
    console.log(version());
    return 0;
  }
  const command = positionals[0] ?? 'help';
  if (values.help || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const allowed = ALLOWED[command];
  if (!allowed) throw new UsageError(`unknown command "${command}"`);
  const extra = positionals[1 + (POSITIONALS[command] ?? 0)];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  for (const key of Object.keys(values)) {
    if (key !== 'config-dir' && key !== 'profile' && !allowed.includes(key as keyof typeof OPTIONS)) {
      throw new UsageError(`--${key} does not apply to "${command}"`);
    }
  }
  const profile = values.profile ?? process.env[ENV.profile] ?? DEFAULT_PROFILE;
  try {
    checkProfileName(profile);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const dir = profileDir(values['config-dir'] ?? defaultConfigDir(), profile);
  switch (command) {
    case 'login':
      return cmdLogin(dir, profile, values);
    case 'run':
      return cmdRun(dir, values);
    case 'status':
      return cmdStatus(dir, profile);
    case 'send': {
      const to = values.to?.trim();
      const text = positionals[1] === '-' ? await readStdin() : positionals[1];
      if (!to || !text) throw new UsageError('send needs --to USER and the text (or "-" to read it from stdin)');
      return sendMessage(requireSession(dir), to, text);
    }
    case 'service':
      if (positionals[1] === 'install' && !loadSession(dir)) {
        const flag = profile === DEFAULT_PROFILE ? '' : ` --profile ${profile}`;
        console.error(`warning: not signed in yet; the service stops at once (exit 2) until you run "chat-notifier${flag} login"`);
      }
      return serviceCommand(positionals[1], servicePlan({ profile, runArgs: serviceRunArgs(values, profile), node: process.execPath, script: entryScript() }, thisMachine()));
    case 'mute':
    case 'unmute': {
      const query = values.group?.trim();
      if (!query) throw new UsageError(`${command} needs --group NAME|ID (to silence a person on this machine: run --mute USER)`);
      return muteGroup(requireSession(dir), query, command === 'mute');
    }
    default:
      return cmdLogout(dir, values.force === true);
  }
}

async function cmdLogin(dir: string, profile: string, values: Values): Promise<number> {
  const rawServer = values.server ?? process.env[ENV.server];
  if (!rawServer) throw new UsageError(`login needs --server URL (or ${ENV.server})`);
  const server = normalizeServer(rawServer);
  let username = values.username ?? process.env[ENV.username];
  if (!username) {
    if (!process.stdin.isTTY) throw new UsageError(`no terminal: pass --username or set ${ENV.username}`);
    username = await ask('Username: ');
  }
  let password: string | undefined;
  if (values['password-stdin']) password = await readStdin();
  else password = process.env[ENV.password];
  if (password === undefined) {
    if (!process.stdin.isTTY) throw new UsageError(`no terminal: use --password-stdin or set ${ENV.password}`);
    password = await askHidden('Password: ');
  }
  try {
    const session = await createClient({ baseUrl: server }).login(username, password);
    saveSession(dir, { server, username: session.user.username, token: session.token, expiresAt: session.expiresAt });
    console.log(`Signed in to ${server} as ${session.user.username} (session until ${session.expiresAt}).`);
    const flag = profile === DEFAULT_PROFILE ? '' : ` --profile ${profile}`;
    console.log(`Token stored in ${sessionFile(dir)}.`);
    console.log(`Start notifications with "chat-notifier${flag} run", or at every login with "chat-notifier${flag} service install".`);
    return 0;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'invalid_credentials') throw new ExitError('wrong username or password', 2);
    throw error;
  }
}

/** `run`'s options for the service: the profile and config dir it was installed for, made absolute. */
function serviceRunArgs(values: Values, profile: string): string[] {
  const args: string[] = [];
  if (profile !== DEFAULT_PROFILE) args.push('--profile', profile);
  const configDir = values['config-dir'] ?? process.env[ENV.configDir];
  if (configDir) args.push('--config-dir', path.resolve(configDir));
  for (const user of values.mute ?? []) args.push('--mute', user);
  if (values['quiet-hours']) {
    try {
      parseQuietHours(values['quiet-hours']);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    args.push('--quiet-hours', values['quiet-hours']);
  }
  if (values.grace !== undefined) {
    try {
      parseGraceSeconds(values.grace);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    args.push('--grace', values.grace);
  }
  return args;
}

/** This script, through npm's bin symlink: a service runs it directly with the same node. */
function entryScript(): string {
  return realpathSync(process.argv[1] ?? '');
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

async function cmdRun(dir: string, values: Values): Promise<number> {
  const session = requireSession(dir);
  if (values.server && normalizeServer(values.server) !== session.server) {
    throw new ExitError(`signed in to ${session.server}, not ${values.server}; run "chat-notifier login" for that server`, 2);
  }
  const muted = new Set([...(values.mute ?? []), ...splitList(process.env[ENV.mute])].map(normalizeUsername));
  const quietSpec = values['quiet-hours'] ?? process.env[ENV.quietHours];
  let quiet: QuietHours | null = null;
  if (quietSpec) {
    try {
      quiet = parseQuietHours(quietSpec);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }
  const graceSpec = values.grace ?? process.env[ENV.grace];
  let graceSeconds = DEFAULT_GRACE_SECONDS;
  try {
    if (graceSpec !== undefined) graceSeconds = parseGraceSeconds(graceSpec);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const perms = permissionProblem(dir);
  if (perms) console.error(`warning: ${perms}`);

  let bodyMarkup = true;
  let clickActions = false;
  let replaceable = false;
  if (!values['skip-self-check']) {
    const check = await selfCheck();
    if (!check.ok) {
      throw new ExitError(
        `cannot show desktop notifications:\n\n${check.problems.map((p) => `- ${p}`).join('\n\n')}\n\n` +
          'chat-notifier stops here rather than run without showing anything.',
        3,
      );
    }
    if (check.serverInfo) info(`notification server: ${check.serverInfo}`);
    bodyMarkup = check.bodyMarkup;
    clickActions = check.clickActions;
    replaceable = check.replaceable;
    if (check.clickProblem) info(`clicking a notification will not open the conversation: ${check.clickProblem}`);
  }

  const store = new SeenStore(seenFile(dir, session.server, session.username));
  if (store.recovered) console.error(`warning: the seen-messages file was damaged; moved to ${store.recovered}`);
  let agent: RunningAgent | undefined;
  const groups = new GroupDirectory();
  const mutedPeers = new MutedPeers();
  const notifier = createNotifier({ server: session.server, bodyMarkup, clickActions, replaceable, log: info });
  const client = sessionClient(session);
  const names = new DisplayNames((usernames, signal) => client.getProfiles(usernames, signal));
  const processor = new Processor({
    policy: { me: session.username, muted, quiet, groupMuted: (id) => groups.isMuted(id), peerMuted: (u) => mutedPeers.has(u) },
    store,
    notifier,
    ack: (ids) => (agent ? agent.ack(ids) : Promise.resolve(false)),
    log: info,
    graceMs: graceSeconds * 1000,
    names,
  });

  info(
    `chat-notifier ${version()} for ${session.username} at ${session.server}` +
      (muted.size ? `; muted: ${[...muted].join(', ')}` : '') +
      (quiet ? `; quiet hours ${formatQuietHours(quiet)}` : '') +
      `; grace ${graceSeconds} s`,
  );
  return new Promise<number>((resolve) => {
    const finish = (code: number) => {
      notifier.close?.();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(code);
    };
    const onSignal = () => {
      info('stopping');
      // Let the message in hand be shown, recorded and acknowledged before closing the socket.
      void processor.idle(5000).then(() => {
        agent?.stop();
        finish(0);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    agent = startAgent({
      client,
      processor,
      names,
      log: info,
      groups: { directory: groups, load: () => client.groups() },
      mutedPeers: { peers: mutedPeers, load: () => client.conversations() },
      onFatal: (reason, code) => {
        console.error(`chat-notifier: ${reason}`);
        if (code === 2) deleteSession(dir);
        finish(code);
      },
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Sockets and timers are closed; leave promptly even if a notifier child lingers.
    setTimeout(() => process.exit(code), 500).unref();
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`chat-notifier: ${error.message}\nRun "chat-notifier --help" for usage.`);
      process.exit(64);
    }
    if (error instanceof ExitError) {
      console.error(`chat-notifier: ${error.message}`);
      process.exit(error.code);
    }
    console.error(`chat-notifier: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
