// Shows one OS notification through node-notifier, grouped per conversation where the OS can,
// and opens the conversation in the browser when the OS reports a click.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import nodeNotifier from 'node-notifier';
import { APP_NAME, conversationUrl, escapeMarkup, type Formatted } from './format.js';

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

/** notify-send arguments (Linux, BSD): category, app name, icon and a per-conversation stack tag. */
export function linuxOptions(n: Formatted, bodyMarkup: boolean) {
  return {
    title: n.title,
    message: bodyMarkup ? escapeMarkup(n.body) : n.body,
    icon: ICON_PATH,
    'app-name': APP_NAME,
    category: 'im.received',
    // dunst, Notify-OSD and others replace the previous notification with the same tag, so one
    // conversation shows one bubble (the latest message) instead of a pile.
    hint: `string:x-canonical-private-synchronous:${APP_NAME}-${n.peer}`,
    timeout: NOTIFICATION_SECONDS,
  };
}

export function macOptions(n: Formatted) {
  return {
    title: n.title,
    message: n.body,
    icon: ICON_PATH,
    group: `${APP_NAME}.${n.peer}`,
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
    id: stableId(n.peer),
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
            openUrl(conversationUrl(opts.server, n.peer), platform);
          }
        });
        return Promise.resolve();
      },
    };
  }

  const impl = new nodeNotifier.NotifySend({ withFallback: false });
  const notify = impl.notify.bind(impl) as unknown as NotifyFn;
  return {
    show(n) {
      return new Promise((resolve, reject) => {
        notify(linuxOptions(n, opts.bodyMarkup), (err) => {
          if (err instanceof Error) reject(err);
          else {
            if (typeof err === 'string' && err.trim()) log(`notify-send: ${err.trim()}`);
            resolve();
          }
        });
      });
    },
  };
}
