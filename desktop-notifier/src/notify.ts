// Shows one OS notification (notify-send on Linux and the BSDs, node-notifier on macOS and Windows),
// grouped per conversation where the OS can, and opens the conversation when the OS reports a click.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import nodeNotifier from 'node-notifier';
import { APP_NAME, appUrl, escapeMarkup, type Formatted } from './format.js';

export const ICON_PATH = fileURLToPath(new URL('../assets/icon.png', import.meta.url));
/** Seconds a notification stays up (servers may override it). */
export const NOTIFICATION_SECONDS = 10;

export interface Notifier {
  /** Resolves once the OS has accepted the notification; rejects when it could not be shown. */
  show(n: Formatted): Promise<void>;
}

export interface NotifierOptions {
  server: string;
  /** Linux: the notification server renders markup in bodies. */
  bodyMarkup: boolean;
  platform?: NodeJS.Platform;
  log?: (line: string) => void;
}

/**
 * notify-send's argv (Linux, BSD): category, app name, icon and a per-conversation stack tag, then
 * `--` and the two positional arguments. Without the `--`, a sender named "-ucritical" or a text
 * of "--help" is parsed as an option (GLib's parser takes options anywhere in argv), and the
 * notification changes or is never shown. Every option is one `--name=value` element, so no
 * value is ever read as a separate argument.
 */
export function notifySendArgs(n: Formatted, bodyMarkup: boolean): string[] {
  return [
    `--app-name=${APP_NAME}`,
    `--icon=${ICON_PATH}`,
    '--category=im.received',
    // dunst, Notify-OSD and others replace the previous notification with the same tag, so one
    // conversation (a person, or a group: `#<id>`) shows one bubble (the latest) instead of a pile.
    `--hint=string:x-canonical-private-synchronous:${APP_NAME}-${n.conversation}`,
    `--expire-time=${NOTIFICATION_SECONDS * 1000}`,
    '--',
    n.title,
    bodyMarkup ? escapeMarkup(n.body) : n.body,
  ];
}

export function macOptions(n: Formatted) {
  return {
    title: n.title,
    message: n.body,
    icon: ICON_PATH,
    group: `${APP_NAME}.${n.conversation}`,
    sound: false,
    wait: true,
    timeout: NOTIFICATION_SECONDS,
  };
}

/**
 * Windows shows a toast only for an app id that has a Start-menu shortcut. SnoreToast registers its
 * own on first use, so that is the default; after registering "chat-notifier" (see README), set
 * CHAT_NOTIFIER_WINDOWS_APP_ID=chat-notifier to show our name.
 */
export function windowsOptions(n: Formatted, appID = process.env.CHAT_NOTIFIER_WINDOWS_APP_ID) {
  return {
    title: n.title,
    message: n.body,
    icon: ICON_PATH,
    ...(appID ? { appID } : {}),
    id: stableId(n.conversation),
    sound: false,
    wait: true,
  };
}

/** A small positive number per conversation (SnoreToast ids are integers). */
export function stableId(s: string): number {
  let h = 0;
  for (const ch of s) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 2_000_000_000;
  return h + 1;
}

export function openUrl(url: string, platform: NodeJS.Platform = process.platform): void {
  const [cmd, args] =
    platform === 'darwin'
      ? ['open', [url]]
      : platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  const child = execFile(cmd, args, { windowsHide: true }, () => undefined);
  child.unref();
}

type Callback = (err: Error | string | null, response?: string, metadata?: { activationType?: string }) => void;
type NotifyFn = (options: object, callback: Callback) => unknown;

export function createNotifier(opts: NotifierOptions): Notifier {
  const platform = opts.platform ?? process.platform;
  const log = opts.log ?? ((line: string) => console.error(line));

  if (platform === 'darwin' || platform === 'win32') {
    const impl =
      platform === 'darwin'
        ? new nodeNotifier.NotificationCenter({ withFallback: false })
        : new nodeNotifier.WindowsToaster({ withFallback: false });
    const notify = impl.notify.bind(impl) as unknown as NotifyFn;
    return {
      show(n) {
        const options = platform === 'darwin' ? macOptions(n) : windowsOptions(n);
        // With wait: true the callback comes when the user clicks, dismisses or it times out.
        notify(options, (err, response, metadata) => {
          if (err instanceof Error) {
            log(`notification failed: ${err.message}`);
            return;
          }
          if (response === 'activate' || metadata?.activationType === 'contentsClicked') {
            openUrl(appUrl(opts.server, n.path), platform);
          }
        });
        return Promise.resolve();
      },
    };
  }

  // Not node-notifier here: it runs notify-send through a shell with the title and body first
  // and no `--`, so message fields became options. execFile passes argv as is, no shell.
  return {
    show(n) {
      return new Promise((resolve, reject) => {
        execFile('notify-send', notifySendArgs(n, opts.bodyMarkup), { timeout: 10_000 }, (error, _stdout, stderr) => {
          if (error) reject(new Error(`notify-send failed: ${stderr.trim() || error.message}`));
          else {
            if (stderr.trim()) log(`notify-send: ${stderr.trim()}`);
            resolve();
          }
        });
      });
    },
  };
}
