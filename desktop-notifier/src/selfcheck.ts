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

async function callNotifications(method: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (which('gdbus', env)) {
    return run(
      'gdbus',
      ['call', '--session', '--dest', DEST[0], '--object-path', DEST[1], '--method', `${DEST[0]}.${method}`],
      env,
    );
  }
  if (which('dbus-send', env)) {
    return run(
      'dbus-send',
      ['--session', '--print-reply', '--reply-timeout=3000', `--dest=${DEST[0]}`, DEST[1], `${DEST[0]}.${method}`],
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
  const result: SelfCheck = { ok: true, problems: [], serverInfo: null, bodyMarkup: false };
  if (platform !== 'linux' && platform !== 'freebsd' && platform !== 'openbsd') return result;

  if (!env.DBUS_SESSION_BUS_ADDRESS) {
    result.problems.push(
      'DBUS_SESSION_BUS_ADDRESS is not set, so there is no desktop session bus to send notifications on.\n' +
        '  Fix: run chat-notifier from a terminal inside your desktop session. As a systemd user service, run\n' +
        '  "systemctl --user import-environment DISPLAY DBUS_SESSION_BUS_ADDRESS" first. On a headless box,\n' +
        '  start a bus and a notification daemon: eval "$(dbus-launch --sh-syntax)"; dunst &',
    );
  }
  if (!which('notify-send', env)) {
    result.problems.push(
      'notify-send is not installed (chat-notifier shows notifications through it).\n' +
        '  Fix: sudo apt install libnotify-bin   (Fedora: sudo dnf install libnotify; Arch: sudo pacman -S libnotify)',
    );
  }
  if (env.DBUS_SESSION_BUS_ADDRESS) {
    try {
      const info = quotedStrings(await callNotifications('GetServerInformation', env));
      result.serverInfo = [info[0], info[2]].filter(Boolean).join(' ') || 'unknown';
      try {
        // dunst renders markup (its default "markup = full") without advertising body-markup.
        result.bodyMarkup =
          info[0] === 'dunst' || quotedStrings(await callNotifications('GetCapabilities', env)).includes('body-markup');
      } catch {
        result.bodyMarkup = true; // assume the worst: escape
      }
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
