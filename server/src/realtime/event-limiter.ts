// A token bucket per socket: bursts are fine, floods are dropped, and a socket that keeps
// flooding is disconnected.
export class EventLimiter {
  private tokens: number;
  private last = Date.now();
  private dropped = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst = perSecond * 2,
  ) {
    this.tokens = burst;
  }

  /** 'ok' to handle the event, 'drop' to refuse it, 'disconnect' when the flood goes on. */
  take(): 'ok' | 'drop' | 'disconnect' {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.dropped = 0;
      return 'ok';
    }
    this.dropped += 1;
    return this.dropped > this.burst * 5 ? 'disconnect' : 'drop';
  }
}
