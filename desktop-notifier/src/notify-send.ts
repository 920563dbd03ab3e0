// notify-send on Linux and the BSDs, one process per notification. When the notification server
// reports clicks, each process waits (`--action`) until its bubble is clicked or closed, and a
// bounded pool holds the waiting ones, so an agent that runs for weeks holds at most a few.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

/** Waiting processes kept at most; past it the oldest is ended (its bubble no longer opens the chat). */
export const MAX_WAITING = 16;
/** How long notify-send may take to have the notification accepted. */
const SHOW_TIMEOUT_MS = 10_000;
/** Without stdbuf the id cannot be read early: no failure within this long means it is up. */
const ACCEPT_MS = 1_000;
/** The default action: `dunstctl action`, or a click on the bubble's body, invokes it. */
export const CLICK_ACTION = ['--print-id', '--action=default=Open conversation'];

export interface NotifySend {
  /** Resolves once the notification server accepted the notification; rejects when it did not. */
  show(args: string[], onClick?: () => void): Promise<void>;
  /** Processes waiting for a click now. */
  readonly waiting: number;
  /** Ends every process still waiting for a click (the bubbles stay; a click then does nothing). */
  close(): void;
}

export interface NotifySendOptions {
  /** Wait for clicks (notify-send 0.7.10+ and a server with the `actions` capability). */
  clickable: boolean;
  /**
   * `stdbuf`'s path, if installed. notify-send prints the id at once but block-buffers stdout into
   * a pipe, so without it the id only arrives when the bubble closes.
   */
  stdbuf: string | null;
  maxWaiting?: number;
  acceptMs?: number;
  /** The program; tests point it at a stand-in. */
  command?: string;
  log: (line: string) => void;
}

export function createNotifySend(opts: NotifySendOptions): NotifySend {
  const command = opts.command ?? 'notify-send';
  const maxWaiting = opts.maxWaiting ?? MAX_WAITING;
  /** Every process started, until it exits. */
  const live = new Set<ChildProcess>();
  /** Accepted ones waiting for a click, oldest first. */
  const waiting: ChildProcess[] = [];
  let closed = false;

  const forget = (child: ChildProcess) => {
    live.delete(child);
    const i = waiting.indexOf(child);
    if (i >= 0) waiting.splice(i, 1);
  };

  function showOnce(args: string[]): Promise<void> {
    // No click to wait for: notify-send exits as soon as the server answered.
    return new Promise((resolve, reject) => {
      execFile(command, args, { timeout: SHOW_TIMEOUT_MS }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`notify-send failed: ${stderr.trim() || error.message}`));
        else {
          if (stderr.trim()) opts.log(`notify-send: ${stderr.trim()}`);
          resolve();
        }
      });
    });
  }

  function showWaiting(args: string[], onClick: () => void): Promise<void> {
    const [cmd, argv] = opts.stdbuf ? [opts.stdbuf, ['-oL', command, ...CLICK_ACTION, ...args]] : [command, [...CLICK_ACTION, ...args]];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    return new Promise((resolve, reject) => {
      let accepted = false;
      let settled = false;
      let stdout = '';
      let stderr = '';
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearTimeout(acceptTimer);
        if (error) reject(error);
        else resolve();
      };
      const accept = () => {
        if (accepted || settled) return;
        accepted = true;
        waiting.push(child);
        while (waiting.length > maxWaiting) waiting.shift()?.kill('SIGTERM');
        settle();
      };
      const deadline = setTimeout(() => {
        child.kill('SIGTERM');
        settle(new Error(`notify-send did not answer within ${SHOW_TIMEOUT_MS / 1000} s`));
      }, SHOW_TIMEOUT_MS);
      const acceptTimer = opts.stdbuf ? undefined : setTimeout(accept, opts.acceptMs ?? ACCEPT_MS);
      const onLine = (line: string) => {
        // Servers number notifications from 1; notify-send prints 0 when the call failed (and then
        // exits 1), found with dunst stopped: accepting 0 recorded a message never shown.
        if (/^[1-9]\d*$/.test(line)) accept();
        // notify-send prints the invoked action's name; ours is the only one.
        else if (line === 'default') onClick();
      };
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        for (let nl = stdout.indexOf('\n'); nl >= 0; nl = stdout.indexOf('\n')) {
          onLine(stdout.slice(0, nl).trim());
          stdout = stdout.slice(nl + 1);
        }
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (stderr.length < 4096) stderr += chunk;
      });
      child.once('error', (error) => {
        forget(child);
        settle(new Error(`notify-send failed: ${error.message}`));
      });
      child.once('close', (code, signal) => {
        forget(child);
        if (stdout.trim()) onLine(stdout.trim());
        // Exit 0 before the id showed: the bubble was shown and closed already (no stdbuf).
        if (code === 0) settle();
        else if (!accepted) settle(new Error(`notify-send failed: ${stderr.trim() || `exit ${code ?? signal}`}`));
        else if (stderr.trim() && signal === null) opts.log(`notify-send: ${stderr.trim()}`);
      });
    });
  }

  return {
    show(args, onClick) {
      if (closed) return Promise.reject(new Error('the notifier is closed'));
      return opts.clickable && onClick ? showWaiting(args, onClick) : showOnce(args);
    },
    get waiting() {
      return waiting.length;
    },
    close() {
      closed = true;
      for (const child of live) child.kill('SIGTERM');
      live.clear();
      waiting.length = 0;
    },
  };
}
