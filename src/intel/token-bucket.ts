/**
 * A provider's request budget: a token bucket holding up to `perMinute` tokens, refilled evenly
 * (perMinute / 60 a second). A lookup takes a token or is told how long until the next one; it is
 * never made to wait, because one slow provider (VirusTotal's free key: 4 a minute) must not stall
 * a whole analysis. A server's 429 with Retry-After empties the bucket until then.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private blockedUntil = 0;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perMinute;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((t - this.last) / 60000) * this.perMinute);
    this.last = t;
  }

  /** Take a token: 0 when taken, else the milliseconds until one is due. */
  take(): number {
    const t = this.now();
    if (t < this.blockedUntil) return this.blockedUntil - t;
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perMinute) * 60000);
  }

  /** The server said to come back after this many seconds. */
  block(seconds: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + seconds * 1000);
    this.tokens = 0;
    this.last = this.now();
  }
}
