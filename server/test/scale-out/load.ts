// The sender of the scale-out tests: paced, bounded messages, each with its own Idempotency-Key,
// retried after a 503 or no answer on the next instance; and the one-line report of what the
// recipient got, which the closing note of issue 13 quotes.
import { randomName } from '../helpers/app.js';
import { post } from '../reliability/fault-helpers.js';
import type { FailoverRecipient, User } from './clients.js';

export interface Load {
  /** Idempotency-Key → the id of the accepted (202) message. */
  readonly accepted: Map<string, string>;
  /** Message id → performance.now() of its 202. */
  readonly acceptedAt: Map<string, number>;
  /** Answers other than 202, 503 and no answer: each one is a defect. */
  readonly refused: string[];
  readonly attempts: number;
  readonly retries: number;
  readonly started: number;
  /** Lets messages up to `count` (in total) go. */
  release(count: number): void;
  /** Changes the pace from the next message on. */
  setRate(perSecond: number): void;
  /** Resolves when every released message is accepted or the deadline passed. */
  done(): Promise<void>;
}

/**
 * `total` messages from `from` to `to`, at most `ratePerSecond`, `concurrency` in flight, each
 * with its own Idempotency-Key. A 503 or no answer is retried with the same key on the next
 * instance in `urls()` (a load balancer's behaviour) until `deadlineMs` after the start.
 * Messages go only as far as released: all at once unless `released` says fewer.
 */
export function startLoad(options: {
  urls: () => string[];
  from: User;
  to: string;
  total: number;
  ratePerSecond: number;
  concurrency: number;
  deadlineMs: number;
  released?: number;
}): Load {
  const { total, concurrency } = options;
  let ratePerSecond = options.ratePerSecond;
  const tag = randomName('m');
  const deadline = Date.now() + options.deadlineMs;
  const accepted = new Map<string, string>();
  const acceptedAt = new Map<string, number>();
  const refused: string[] = [];
  let released = options.released ?? total;
  // Workers with nothing released to send park here; release(), done() and the deadline wake them.
  const parked: (() => void)[] = [];
  const wakeAll = () => parked.splice(0).forEach((wake) => wake());
  const deadlineTimer = setTimeout(wakeAll, options.deadlineMs + 50);
  let next = 0;
  let nextSlot = performance.now();
  let attempts = 0;
  let retries = 0;

  const sendOne = async (i: number) => {
    const key = `${tag}-${i}`;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const urls = options.urls();
      const url = urls[(i + attempt) % urls.length]!;
      attempts += 1;
      if (attempt > 0) retries += 1;
      const res = await post<{ id: string }>(url, '/send', { to: options.to, text: `${tag} ${i}` }, {
        token: options.from.token,
        headers: { 'idempotency-key': key },
        hangGuardMs: 10_000,
      });
      if (res.status === 202) {
        accepted.set(key, res.body.id);
        acceptedAt.set(res.body.id, performance.now());
        return;
      }
      if (res.status !== 503 && res.status !== 0) {
        refused.push(`${res.status} ${JSON.stringify(res.body)}`);
        return;
      }
      // Down or unavailable: the next instance, after a short pause once every instance failed.
      if ((attempt + 1) % urls.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const worker = async () => {
    while (next < total && Date.now() < deadline) {
      if (next >= released) {
        await new Promise<void>((resolve) => parked.push(resolve));
        continue;
      }
      const i = next++;
      // Paced: one message per 1/rate, also right after a release (no burst of a whole chunk).
      const slot = Math.max(performance.now(), nextSlot);
      nextSlot = slot + 1000 / ratePerSecond;
      const wait = slot - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await sendOne(i);
    }
  };
  const workers = Promise.all(Array.from({ length: concurrency }, worker)).finally(() => clearTimeout(deadlineTimer));

  return {
    accepted,
    acceptedAt,
    refused,
    get attempts() {
      return attempts;
    },
    get retries() {
      return retries;
    },
    get started() {
      return next;
    },
    release(count: number) {
      released = Math.min(total, Math.max(released, count));
      wakeAll();
    },
    setRate(perSecond: number) {
      ratePerSecond = perSecond;
      nextSlot = Math.min(nextSlot, performance.now() + 1000 / perSecond);
    },
    async done() {
      released = total;
      wakeAll();
      await workers;
    },
  };
}

export interface DeliveryReport {
  sent: number;
  accepted: number;
  delivered: number;
  lost: number;
  /** Delivered ids no 202 named: a key that became two messages, or a message from nowhere. */
  unexpected: number;
  repeatedOnOneConnection: number;
  connections: number;
  retries: number;
  longestGapMs: number;
  /** The longest any accepted message waited between its 202 and the recipient's screen. */
  longestWaitMs: number;
}

/** The numbers the closing note quotes, printed as one line and returned for the assertions. */
export function reportDeliveries(label: string, load: Load, recipient: FailoverRecipient): DeliveryReport {
  const acceptedIds = new Set(load.accepted.values());
  const report: DeliveryReport = {
    sent: load.started,
    accepted: acceptedIds.size,
    delivered: [...acceptedIds].filter((id) => recipient.union.has(id)).length,
    lost: recipient.missing(acceptedIds).length,
    unexpected: [...recipient.union.keys()].filter((id) => !acceptedIds.has(id)).length,
    repeatedOnOneConnection: recipient.repeatsOnOneConnection().length,
    connections: recipient.connections.length,
    retries: load.retries,
    longestGapMs: Math.round(recipient.longestGapMs()),
    longestWaitMs: Math.round(
      Math.max(0, ...[...load.acceptedAt].map(([id, at]) => (recipient.firstArrival.get(id) ?? performance.now()) - at)),
    ),
  };
  console.log(
    `${label}: sent ${report.sent}, accepted ${report.accepted}, delivered ${report.delivered}, lost ${report.lost}, ` +
      `unexpected ${report.unexpected}, repeated on one connection ${report.repeatedOnOneConnection}, ` +
      `connections ${report.connections} (${recipient.connections.map((c) => c.instance).join(' → ')}), ` +
      `send retries ${report.retries}, longest gap between deliveries ${report.longestGapMs} ms, ` +
      `longest wait from 202 to screen ${report.longestWaitMs} ms`,
  );
  return report;
}
