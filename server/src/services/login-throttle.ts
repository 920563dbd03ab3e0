// Failed-login limits, per account (across addresses) and per address (across accounts).
//
// Why not @fastify/rate-limit: its key is built in onRequest, before the body (and so the
// username) is parsed, and it counts every attempt, successes included. OWASP asks for failure
// counting per account, so that many addresses cannot share guesses at one password, and per
// address, so that one address cannot spray a common password over many accounts. The address
// limit is the looser one, so an office behind one NAT address is not locked out because one of
// its accounts is under attack. Unknown usernames are counted like real ones: a 429 never tells
// whether an account exists.
import { LRUCache } from 'lru-cache';

export interface LoginThrottleOptions {
  /** Failures allowed per account within the window, from all addresses together. */
  perAccount: number;
  /** Failures allowed per client address within the window, over all accounts. */
  perAddress: number;
  windowMs: number;
  /** How many accounts and how many addresses are tracked at most (least recently used go). */
  maxTracked: number;
  now?: () => number;
}

interface Failure {
  address: string;
  at: number;
}

/** A login in flight: counted as a failure until `succeeded` takes it back. */
export interface Attempt {
  readonly account: string;
  readonly address: string;
  readonly at: number;
}

export type Verdict = { allowed: true; attempt: Attempt } | { allowed: false; retryAfterSeconds: number };

export class LoginThrottle {
  private readonly byAccount: LRUCache<string, Failure[]>;
  private readonly byAddress: LRUCache<string, number[]>;
  private readonly now: () => number;

  constructor(private readonly options: LoginThrottleOptions) {
    this.now = options.now ?? Date.now;
    // Each entry holds at most `perAccount` (or `perAddress`) timestamps, and an entry idle for a
    // whole window has nothing left to say, so the ttl drops it.
    const common = { max: options.maxTracked, ttl: options.windowMs, ttlAutopurge: false, updateAgeOnGet: false };
    this.byAccount = new LRUCache<string, Failure[]>({ ...common, perf: { now: this.now } });
    this.byAddress = new LRUCache<string, number[]>({ ...common, perf: { now: this.now } });
  }

  /**
   * Asks to try a password. When allowed, the attempt already counts as a failure: concurrent
   * guesses are all counted before any of them is verified, so a burst cannot overrun the limit.
   */
  begin(account: string, address: string): Verdict {
    const now = this.now();
    const since = now - this.options.windowMs;
    const accountFailures = (this.byAccount.get(account) ?? []).filter((f) => f.at > since);
    const addressFailures = (this.byAddress.get(address) ?? []).filter((at) => at > since);
    let retryAt = 0;
    if (accountFailures.length >= this.options.perAccount) retryAt = Math.max(retryAt, oldest(accountFailures.map((f) => f.at)));
    if (addressFailures.length >= this.options.perAddress) retryAt = Math.max(retryAt, oldest(addressFailures));
    if (retryAt > 0) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((retryAt + this.options.windowMs - now) / 1000)) };
    }
    accountFailures.push({ address, at: now });
    addressFailures.push(now);
    this.byAccount.set(account, accountFailures);
    this.byAddress.set(address, addressFailures);
    return { allowed: true, attempt: { account, address, at: now } };
  }

  /**
   * The password was right: this account's failures from this address are forgiven (the user
   * mistyped, then got it). The address keeps its other failures, or an attacker holding one
   * valid account could reset the address limit by signing in to it between guesses.
   */
  succeeded(attempt: Attempt): void {
    const accountFailures = this.byAccount.get(attempt.account);
    if (accountFailures) {
      const rest = accountFailures.filter((f) => f.address !== attempt.address);
      if (rest.length > 0) this.byAccount.set(attempt.account, rest, { noUpdateTTL: true });
      else this.byAccount.delete(attempt.account);
    }
    const addressFailures = this.byAddress.get(attempt.address);
    const index = addressFailures?.indexOf(attempt.at) ?? -1;
    if (addressFailures && index !== -1) addressFailures.splice(index, 1);
  }

  get tracked(): { accounts: number; addresses: number } {
    return { accounts: this.byAccount.size, addresses: this.byAddress.size };
  }
}

function oldest(times: number[]): number {
  return times.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
}
