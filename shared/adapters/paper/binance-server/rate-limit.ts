/**
 * Request-weight accounting over a rolling one-minute window, per API key (or per IP for public calls),
 * the way Binance reports it in `X-MBX-USED-WEIGHT-1M` and enforces it with HTTP 429 + `Retry-After`.
 *
 * Invariant: a refused request adds no weight, so a client that backs off recovers once the window rolls.
 */
export class WeightLimiter {
  private readonly used = new Map<string, { t: number; w: number }[]>();

  constructor(
    readonly limitPerMinute: number,
    /** One minute on Binance; shorter in tests so a back-off test need not wait a minute. */
    private readonly windowMs = 60_000,
  ) {}

  /** Weight used in the window ending at `now`. */
  usedWeight(key: string, now: number): number {
    const entries = this.prune(key, now);
    return entries.reduce((sum, e) => sum + e.w, 0);
  }

  /** Adds `weight` unless it would exceed the limit; returns the milliseconds to wait when refused. */
  take(
    key: string,
    weight: number,
    now: number,
  ): { ok: true; used: number } | { ok: false; retryAfterMs: number } {
    const entries = this.prune(key, now);
    const used = entries.reduce((sum, e) => sum + e.w, 0);
    if (used + weight > this.limitPerMinute) {
      const oldest = entries[0]?.t ?? now;
      return { ok: false, retryAfterMs: Math.max(1, oldest + this.windowMs - now) };
    }
    entries.push({ t: now, w: weight });
    return { ok: true, used: used + weight };
  }

  reset(): void {
    this.used.clear();
  }

  private prune(key: string, now: number): { t: number; w: number }[] {
    let entries = this.used.get(key);
    if (!entries) {
      entries = [];
      this.used.set(key, entries);
    }
    while (entries.length > 0 && entries[0]!.t <= now - this.windowMs) entries.shift();
    return entries;
  }
}
