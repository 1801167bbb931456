/**
 * Per-key rate limits: a token bucket per API key (rate r per second, bursts up to 2r), kept in
 * memory (one process serves; a restart forgets the buckets, which only ever lets a client in).
 * A refused request gets 429 with Retry-After: the whole seconds until one token is back.
 * Written here because it is twenty lines and must know our key records.
 */
export interface RateDecision {
  readonly ok: boolean;
  readonly retryAfterSeconds: number;
}

export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();

  take(id: string, perSecond: number, now = Date.now()): RateDecision {
    const burst = Math.max(1, 2 * perSecond);
    let b = this.buckets.get(id);
    if (!b) {
      b = { tokens: burst, at: now };
      this.buckets.set(id, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, retryAfterSeconds: 0 };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perSecond)) };
  }
}
