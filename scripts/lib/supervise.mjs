// Keeps the server running for `npm start`, as a supervisor (systemd, Kubernetes) would: a server
// that exits on its own after it came up (a crash, or its Kafka consumer unable to join its group)
// is restarted with backoff, a bounded number of times. One that exits before it ever listened
// (bad configuration, Kafka unreachable past its deadline) is not: the same start would fail the
// same way, so its message should end the command instead of scrolling by in a loop.
// The backoff is by hand, not p-retry: a restart follows an 'exit' event and its budget is per
// time window (maxRestarts in windowMs), where p-retry retries a promise a fixed number of times.
import { spawn } from 'node:child_process';

const LISTENING = 'Server listening at';

export function superviseServer({
  command,
  args,
  spawnOptions = {},
  onOutput = () => {},
  onListening = () => {},
  onRestart = () => {},
  onGiveUp,
  maxRestarts = 5,
  windowMs = 10 * 60_000,
  firstDelayMs = 1_000,
}) {
  let child;
  let stopping = false;
  let restarts = [];
  let timer;

  const launch = () => {
    let listening = false;
    let tail = '';
    const current = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...spawnOptions });
    child = current;
    current.stdout.on('data', (chunk) => {
      onOutput(chunk);
      if (listening) return;
      // The marker may straddle two chunks.
      tail = (tail + chunk.toString()).slice(-4 * LISTENING.length);
      if (tail.includes(LISTENING)) {
        listening = true;
        onListening(current);
      }
    });
    current.once('exit', (code, signal) => {
      if (stopping) return;
      const now = Date.now();
      restarts = restarts.filter((at) => at > now - windowMs);
      if (!listening || restarts.length >= maxRestarts) {
        stopping = true;
        onGiveUp({ code, signal, listening, restarts: restarts.length });
        return;
      }
      restarts.push(now);
      const delayMs = firstDelayMs * 2 ** (restarts.length - 1);
      onRestart({ code, signal, delayMs, restart: restarts.length, maxRestarts });
      timer = setTimeout(() => {
        if (!stopping) launch();
      }, delayMs);
    });
  };
  launch();

  return {
    get child() {
      return child;
    },
    /** Stops supervising and the server (SIGTERM: a clean shutdown); resolves once it exited. */
    async stop(signal = 'SIGTERM') {
      stopping = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        await exited;
      }
    },
  };
}
