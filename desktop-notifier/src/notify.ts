// Shows one OS notification (notify-send on Linux and the BSDs, node-notifier on macOS and Windows),
// grouped per conversation where the OS can, and opens the conversation when the OS reports a click.
// On Linux a shown notification can also be changed in place (an edited message) or withdrawn (a
// deleted one); node-notifier cannot do either without raising a new bubble, so there it is not done.
import { fileURLToPath } from 'node:url';
import nodeNotifier from 'node-notifier';
import { APP_NAME, appUrl, escapeMarkup, type Formatted } from './format.js';
import { createNotifySend } from './notify-send.js';
import { openUrl } from './open-url.js';
import { callNotifications, which } from './selfcheck.js';

export const ICON_PATH = fileURLToPath(new URL('../assets/icon.png', import.meta.url));
/** Seconds a notification stays up (servers may override it). */
export const NOTIFICATION_SECONDS = 10;

export interface Notifier {
  /**
   * Resolves once the OS has accepted the notification, with its id when it can later be replaced
   * or withdrawn; rejects when it could not be shown.
   */
  show(n: Formatted): Promise<number | null | void>;
  /** Shows `n` in place of notification `id` if it is still up; false (nothing shown) if not. */
  replace?(id: number, n: Formatted): Promise<boolean>;
  /** Closes notification `id` if it is still up. */
  withdraw?(id: number): Promise<void>;
  /** Ends what still waits for clicks (the agent is stopping). */
  close?(): void;
}

export interface NotifierOptions {
  server: string;
  /** Linux: the notification server renders markup in bodies. */
  bodyMarkup: boolean;
  /**
   * Linux: the notification server reports clicks (the `actions` capability) and notify-send can
   * wait for them (0.7.10+). Without it a click only dismisses the bubble.
   */
  clickActions?: boolean;
  /** Linux: notify-send can tell ids and closes and replace in place (0.7.10+); see notify-send.ts. */
  replaceable?: boolean;
  platform?: NodeJS.Platform;
  log?: (line: string) => void;
  /** For $BROWSER and CHAT_NOTIFIER_WINDOWS_APP_ID (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Linux: notify-send processes kept waiting for a click (default MAX_WAITING). */
  maxWaiting?: number;
  /** macOS, Windows: how long a bubble without an answer takes to count as shown. */
  acceptMs?: number;
  /** Test seams: node-notifier's notify, and what opens a URL. */
  nodeNotify?: NodeNotifyFn;
  open?: (url: string) => void;
}

/** macOS, Windows: failing helpers answer well within this; a shown bubble waits for the person. */
export const ACCEPT_MS = 2_000;

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
export function windowsOptions(n: Formatted, appID?: string) {
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

export type NodeNotifyCallback = (
  err: Error | string | null,
  response?: string,
  metadata?: { activationType?: string },
) => void;
export type NodeNotifyFn = (options: object, callback: NodeNotifyCallback) => unknown;

/**
 * With `wait: true`, node-notifier's helper (terminal-notifier, SnoreToast) answers once: an error
 * as soon as the notification cannot be shown, otherwise when the person clicks or dismisses it or
 * it times out, up to NOTIFICATION_SECONDS later. Waiting for that would hold every other
 * conversation's notification behind this one; failing helpers answer at once. So: the answer
 * settles it, and if none came within `acceptMs` the bubble is up and waiting for the person.
 * An error after that is logged: the message was already recorded and acknowledged.
 */
export function showWithNodeNotifier(
  notify: NodeNotifyFn,
  options: object,
  onClick: () => void,
  acceptMs: number,
  log: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      resolve();
    }, acceptMs);
    notify(options, (err, response, metadata) => {
      // node-notifier passes a spawn or exit error as an Error and a helper's stderr as a string.
      const failure = err instanceof Error ? err : typeof err === 'string' && err.trim() ? new Error(err.trim()) : null;
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        if (failure) reject(failure);
        else resolve();
      } else if (failure) {
        log(`notification failed after it was shown: ${failure.message}`);
      }
      // SnoreToast answers a failure twice (the error, then null); neither is a click.
      if (!failure && (response === 'activate' || metadata?.activationType === 'contentsClicked')) onClick();
    });
  });
}

export function createNotifier(opts: NotifierOptions): Notifier {
  const platform = opts.platform ?? process.platform;
  const log = opts.log ?? ((line: string) => console.error(line));
  const env = opts.env ?? process.env;
  const open = opts.open ?? ((url: string) => openUrl(url, { platform, env, log }));

  if (platform === 'darwin' || platform === 'win32') {
    let notify = opts.nodeNotify;
    if (!notify) {
      const impl =
        platform === 'darwin'
          ? new nodeNotifier.NotificationCenter({ withFallback: false })
          : new nodeNotifier.WindowsToaster({ withFallback: false });
      notify = impl.notify.bind(impl) as unknown as NodeNotifyFn;
    }
    const nodeNotify = notify;
    return {
      show(n) {
        const options = platform === 'darwin' ? macOptions(n) : windowsOptions(n, env.CHAT_NOTIFIER_WINDOWS_APP_ID);
        return showWithNodeNotifier(nodeNotify, options, () => open(appUrl(opts.server, n.path)), opts.acceptMs ?? ACCEPT_MS, log);
      },
      close() {
        // The helpers belong to node-notifier and end with their bubbles.
      },
    };
  }

  // Not node-notifier here: it runs notify-send through a shell with the title and body first
  // and no `--`, so message fields became options. notify-send.ts passes argv as is, no shell.
  const runner = createNotifySend({
    clickable: opts.clickActions ?? false,
    trackClose: opts.replaceable ?? false,
    stdbuf: which('stdbuf', env),
    maxWaiting: opts.maxWaiting,
    log,
  });
  const onClick = (n: Formatted) => () => open(appUrl(opts.server, n.path));
  return {
    show: (n) => runner.show(notifySendArgs(n, opts.bodyMarkup), onClick(n)),
    replace: (id, n) => runner.replace(id, notifySendArgs(n, opts.bodyMarkup), onClick(n)),
    async withdraw(id) {
      // Only a bubble of ours that is still up: ids restart from 1 with the notification server,
      // so a stale one could close another program's notification.
      if (!runner.isOpen(id)) return;
      await callNotifications('CloseNotification', env, [id]);
    },
    close: () => runner.close(),
  };
}
