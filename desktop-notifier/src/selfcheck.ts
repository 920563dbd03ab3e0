// Startup self-check: on Linux and the BSDs a notification needs a session bus, notify-send and a
// notification server that answers. Each missing piece is reported with how to fix it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface SelfCheck {
  ok: boolean;
  problems: string[];
  /** e.g. "dunst 1.9.0 (2022-06-27)" when a notification server answered. */
  serverInfo: string | null;
  /** The server renders <b>, &amp; … in bodies, so bodies must be escaped. */
  bodyMarkup: boolean;
  /** A click can open the conversation: notify-send 0.7.10+ and a server with `actions`. */
  clickActions: boolean;
  /**
   * notify-send 0.7.10+: it tells a bubble's id and when it closes, and replaces one in place, so
   * an edited message's bubble can be updated.
   */
  replaceable: boolean;
  /** Why a click cannot open the conversation here (one line), when it cannot. */
  clickProblem: string | null;
}

/** notify-send learnt `--action`, `--wait` (and `--print-id`, `--replace-id`) in libnotify 0.7.10. */
const ACTIONS_SINCE = [0, 7, 10] as const;

/** "notify-send 0.8.1" → [0, 8, 1]; null when there is no version in it. */
export function parseNotifySendVersion(output: string): [number, number, number] | null {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(output);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

export function notifySendHasActions(version: readonly number[] | null): boolean {
  if (!version) return false;
  for (let i = 0; i < ACTIONS_SINCE.length; i++) {
    const [have, need] = [version[i] ?? 0, ACTIONS_SINCE[i] ?? 0];
    if (have !== need) return have > need;
  }
  return true;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Finds an executable on PATH, like `which`. */
export function which(cmd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const DEST = ['org.freedesktop.Notifications', '/org/freedesktop/Notifications'] as const;

/** Calls a method of the notification server; `uint32s` are its arguments (all the agent needs). */
export async function callNotifications(method: string, env: NodeJS.ProcessEnv, uint32s: readonly number[] = []): Promise<string> {
  if (which('gdbus', env)) {
    return run(
      'gdbus',
      ['call', '--session', '--dest', DEST[0], '--object-path', DEST[1], '--method', `${DEST[0]}.${method}`, ...uint32s.map(String)],
      env,
    );
  }
  if (which('dbus-send', env)) {
    return run(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--reply-timeout=3000',
        `--dest=${DEST[0]}`,
        DEST[1],
        `${DEST[0]}.${method}`,
        ...uint32s.map((n) => `uint32:${n}`),
      ],
      env,
    );
  }
  throw new Error('neither gdbus nor dbus-send is installed, so the notification server cannot be asked');
}

/** Pulls the quoted strings out of gdbus / dbus-send output. */
export function quotedStrings(output: string): string[] {
  return [...output.matchAll(/(?:'([^']*)'|"([^"]*)")/g)].map((m) => m[1] ?? m[2] ?? '');
}

export async function selfCheck(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<SelfCheck> {
  const result: SelfCheck = {
    ok: true,
    problems: [],
    serverInfo: null,
    bodyMarkup: false,
    clickActions: false,
    replaceable: false,
    clickProblem: null,
  };
  // node-notifier's helpers report clicks on macOS and Windows.
  if (platform !== 'linux' && platform !== 'freebsd' && platform !== 'openbsd') return { ...result, clickActions: true };

  if (!env.DBUS_SESSION_BUS_ADDRESS) {
    result.problems.push(
      'DBUS_SESSION_BUS_ADDRESS is not set, so there is no desktop session bus to send notifications on.\n' +
        '  Fix: run chat-notifier from a terminal inside your desktop session. As a systemd user service, run\n' +
        '  "systemctl --user import-environment DISPLAY DBUS_SESSION_BUS_ADDRESS" first. On a headless box,\n' +
        '  start a bus and a notification daemon: eval "$(dbus-launch --sh-syntax)"; dunst &',
    );
  }
  let hasActions = false;
  if (which('notify-send', env)) {
    // Versions before 0.7.10 have no --version either: a failure here means "too old".
    const version = parseNotifySendVersion(await run('notify-send', ['--version'], env).catch(() => ''));
    hasActions = notifySendHasActions(version);
    result.replaceable = hasActions;
    if (!hasActions) result.clickProblem = `notify-send ${version ? version.join('.') : '(version unknown)'} cannot wait for clicks (0.7.10+ can)`;
  } else {
    result.problems.push(
      'notify-send is not installed (chat-notifier shows notifications through it).\n' +
        '  Fix: sudo apt install libnotify-bin   (Fedora: sudo dnf install libnotify; Arch: sudo pacman -S libnotify)',
    );
  }
  if (env.DBUS_SESSION_BUS_ADDRESS) {
    try {
      const info = quotedStrings(await callNotifications('GetServerInformation', env));
      result.serverInfo = [info[0], info[2]].filter(Boolean).join(' ') || 'unknown';
      let capabilities: string[] | null = null;
      try {
        capabilities = quotedStrings(await callNotifications('GetCapabilities', env));
      } catch {
        // unknown: escape bodies, and do not wait for clicks that may never be reported
      }
      // dunst renders markup (its default "markup = full") without advertising body-markup.
      result.bodyMarkup = info[0] === 'dunst' || !capabilities || capabilities.includes('body-markup');
      if (!capabilities?.includes('actions')) {
        result.clickProblem ??= `the notification server (${result.serverInfo}) does not report clicks`;
      }
      result.clickActions = hasActions && (capabilities?.includes('actions') ?? false);
    } catch (error) {
      result.problems.push(
        `No notification server answers on the session bus (org.freedesktop.Notifications): ${firstLine(error)}\n` +
          '  Fix: start your desktop\'s notification service, or install and start one, e.g.\n' +
          '  sudo apt install dunst && dunst &   (GNOME, KDE, XFCE and most desktops include one).',
      );
    }
  }
  result.ok = result.problems.length === 0;
  return result;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
