// notify-send on Linux and the BSDs, one process per notification. When the notification server
// reports clicks, each process waits (`--action`) until its bubble is clicked or closed, and a
// bounded pool holds the waiting ones, so an agent that runs for weeks holds at most a few.
// A waiting process is also how the agent knows a bubble is still up: it prints the bubble's id,
// and exits when the bubble closes. That is what lets an edit replace a bubble in place
// (`--replace-id`) without raising a closed one again.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

/** Waiting processes kept at most; past it the oldest is ended (its bubble no longer opens the chat). */
export const MAX_WAITING = 16;
/** How long notify-send may take to have the notification accepted. */
const SHOW_TIMEOUT_MS = 10_000;
/** Without stdbuf the id cannot be read early: no failure within this long means it is up. */
const ACCEPT_MS = 1_000;
/** The default action: `dunstctl action`, or a click on the bubble's body, invokes it. */
export const CLICK_ACTION = ['--print-id', '--action=default=Open conversation'];
/** No clicks to wait for, only the close (notify-send 0.7.10+ on a server without `actions`). */
export const CLOSE_WAIT = ['--print-id', '--wait'];

export interface NotifySend {
  /**
   * Resolves once the notification server accepted the notification, with its id when known (a
   * waiting process printed it); rejects when it was not accepted.
   */
  show(args: string[], onClick?: () => void): Promise<number | null>;
  /**
   * Shows `args` in place of notification `id` (same id, no new bubble) if it is still up;
   * resolves false, showing nothing, when it is not (closed, or no longer watched).
   */
  replace(id: number, args: string[], onClick?: () => void): Promise<boolean>;
  /** Notification `id` is up: a process of ours still waits on it. */
  isOpen(id: number): boolean;
  /** Processes waiting for a click now. */
  readonly waiting: number;
  /** Ends every process still waiting for a click (the bubbles stay; a click then does nothing). */
  close(): void;
}

export interface NotifySendOptions {
  /** Wait for clicks (notify-send 0.7.10+ and a server with the `actions` capability). */
  clickable: boolean;
  /**
   * notify-send 0.7.10+ without clicks: still wait for each bubble's close (`--wait`), to know its
   * id and whether it is up, so edits can replace it. Implied by `clickable`.
   */
  trackClose?: boolean;
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
  /** The bubbles that are up, by id: each one's waiting process. */
  const byId = new Map<number, ChildProcess>();
  let closed = false;

  const forget = (child: ChildProcess) => {
    live.delete(child);
    const i = waiting.indexOf(child);
    if (i >= 0) waiting.splice(i, 1);
    for (const [id, c] of byId) if (c === child) byId.delete(id);
  };

  function showOnce(args: string[]): Promise<null> {
    // No click to wait for: notify-send exits as soon as the server answered.
    return new Promise((resolve, reject) => {
      execFile(command, args, { timeout: SHOW_TIMEOUT_MS }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`notify-send failed: ${stderr.trim() || error.message}`));
        else {
          if (stderr.trim()) opts.log(`notify-send: ${stderr.trim()}`);
          resolve(null);
        }
      });
    });
  }

  function showWaiting(waitArgs: string[], args: string[], onClick?: () => void): Promise<number | null> {
    const [cmd, argv] = opts.stdbuf ? [opts.stdbuf, ['-oL', command, ...waitArgs, ...args]] : [command, [...waitArgs, ...args]];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    return new Promise((resolve, reject) => {
      let accepted = false;
      let settled = false;
      let stdout = '';
      let stderr = '';
      const settle = (error?: Error, id: number | null = null) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearTimeout(acceptTimer);
        if (error) reject(error);
        else resolve(id);
      };
      const accept = (id: number | null) => {
        if (accepted || settled) return;
        accepted = true;
        if (id !== null && child.exitCode === null && child.signalCode === null) byId.set(id, child);
        waiting.push(child);
        while (waiting.length > maxWaiting) waiting.shift()?.kill('SIGTERM');
        settle(undefined, id);
      };
      const deadline = setTimeout(() => {
        child.kill('SIGTERM');
        settle(new Error(`notify-send did not answer within ${SHOW_TIMEOUT_MS / 1000} s`));
      }, SHOW_TIMEOUT_MS);
      const acceptTimer = opts.stdbuf ? undefined : setTimeout(() => accept(null), opts.acceptMs ?? ACCEPT_MS);
      const onLine = (line: string) => {
        // Servers number notifications from 1; notify-send prints 0 when the call failed (and then
        // exits 1), found with dunst stopped: accepting 0 recorded a message never shown.
        if (/^[1-9]\d*$/.test(line)) accept(Number(line));
        // notify-send prints the invoked action's name; ours is the only one.
        else if (line === 'default') onClick?.();
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
        // Read first, forgotten after: an id that only arrives now (no stdbuf) is closed already.
        if (stdout.trim()) onLine(stdout.trim());
        forget(child);
        // Exit 0 before the id showed: the bubble was shown and closed already (no stdbuf).
        if (code === 0) settle();
        else if (!accepted) settle(new Error(`notify-send failed: ${stderr.trim() || `exit ${code ?? signal}`}`));
        else if (stderr.trim() && signal === null) opts.log(`notify-send: ${stderr.trim()}`);
      });
    });
  }

  function show(args: string[], onClick?: () => void): Promise<number | null> {
    if (closed) return Promise.reject(new Error('the notifier is closed'));
    if (opts.clickable && onClick) return showWaiting(CLICK_ACTION, args, onClick);
    return opts.clickable || opts.trackClose ? showWaiting(CLOSE_WAIT, args) : showOnce(args);
  }

  return {
    show,
    async replace(id, args, onClick) {
      const old = byId.get(id);
      if (!old || closed) return false;
      // The old process would hear the replacement's click too (same id): it ends, the bubble
      // stays (ending notify-send never closes its notification), and the new one waits instead.
      byId.delete(id);
      old.kill('SIGTERM');
      return (await show([`--replace-id=${id}`, ...args], onClick)) === id;
    },
    isOpen: (id) => byId.has(id),
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
