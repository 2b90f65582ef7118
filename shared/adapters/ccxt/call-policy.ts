/**
 * How the ccxt adapter calls the venue. Reads retry `retryable` and `rate_limited` failures with
 * exponential backoff on the injected clock (1 s doubling to at most 60 s, each wait jittered to between
 * half and all of it so many callers do not retry in step; never less than the server's Retry-After) up
 * to `readAttempts`, re-measuring the clock
 * offset after a timestamp refusal (Binance -1021, OKX 50102 / 50112); writes never retry (a write whose outcome is unknown is settled by client id on
 * the next reconciliation) and turn venue refusals into `OrderRejection` values.
 * `offGridRejection` refuses prices and sizes off the tick / step before ccxt can silently round them.
 */
import { type Decimal, isMultipleOf } from '../../domain/money.js';
import type { SymbolRules } from '../../domain/symbol-rules.js';
import type { Clock } from '../../ports/clock.js';
import { ExchangeError, type SubmitResult } from '../../ports/exchange.js';
import type { Logger } from '../../ports/logger.js';
import type { CcxtClient } from './client.js';
import { classifyFailure, type Operation } from './errors.js';
import { VENUE_CODES } from './venue-codes.js';

/** A venue code saying our request's timestamp is outside its window (`venue-codes.ts`: class `clock`). */
function isClockCode(code: string | undefined): boolean {
  return code !== undefined && VENUE_CODES[code] === 'clock';
}

export interface CallPolicyOptions {
  readonly venue: string;
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
  /** Attempts for a read before its error is thrown (1 = no retry). */
  readonly readAttempts?: number | undefined;
  /** First backoff of a failed read; doubles per attempt, capped at `maxBackoffMs`. */
  readonly baseBackoffMs?: number | undefined;
  readonly maxBackoffMs?: number | undefined;
  /** Jitter source in [0, 1) (default `Math.random`). */
  readonly random?: (() => number) | undefined;
}

export class CallPolicy {
  constructor(
    private readonly client: CcxtClient,
    private readonly opts: CallPolicyOptions,
  ) {}

  private retryAfterMs(): number | undefined {
    const headers = (this.client.last_response_headers ?? {}) as Record<string, unknown>;
    const value = headers['retry-after'] ?? headers['Retry-After'];
    const seconds = typeof value === 'string' ? Number.parseInt(value, 10) : Number.NaN;
    return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
  }

  async read<T>(fn: () => Promise<T>): Promise<T> {
    const attempts = this.opts.readAttempts ?? 4;
    let backoff = this.opts.baseBackoffMs ?? 1_000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const classified = this.classify(err, 'read');
        const error =
          classified.kind === 'error'
            ? classified.error
            : new ExchangeError('fatal', classified.rejection.message, {
                code: classified.rejection.code,
                cause: err,
              });
        if (!error.retryable || attempt >= attempts) throw error;
        if (isClockCode(error.code)) await this.client.loadTimeDifference().catch(() => undefined);
        const jitter = this.opts.random ?? Math.random;
        const wait = Math.max(Math.round(backoff * (0.5 + jitter() / 2)), error.retryAfterMs ?? 0);
        this.opts.logger?.warn('exchange read failed, retrying', {
          venue: this.opts.venue,
          kind: error.kind,
          wait,
          attempt,
        });
        await this.opts.clock.sleep(wait);
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs ?? 60_000);
      }
    }
  }

  async readOrNull<T>(fn: () => Promise<T>): Promise<T | null> {
    try {
      return await this.read(fn);
    } catch (err) {
      if (err instanceof ExchangeError && err.cause && this.classify(err.cause, 'read').kind === 'rejection')
        return null;
      throw err;
    }
  }

  async write<T>(
    fn: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | Exclude<SubmitResult, { ok: true }>> {
    try {
      return { ok: true, value: await fn() };
    } catch (err) {
      const classified = this.classify(err, 'write');
      if (classified.kind === 'rejection') return classified.rejection;
      if (isClockCode(classified.error.code)) await this.client.loadTimeDifference().catch(() => undefined);
      throw classified.error;
    }
  }

  private classify(err: unknown, op: Operation) {
    return classifyFailure(err, op, this.retryAfterMs());
  }
}

/**
 * ccxt silently rounds prices to the tick and truncates amounts to the step before sending; a buy price
 * rounded up or a quantity cut down is a different order from the one decided. Refuse off-grid values
 * here instead, as the venue's PRICE_FILTER / LOT_SIZE would.
 */
export function offGridRejection(
  request: { type: string; price?: Decimal; qty?: Decimal | undefined; triggerPrice?: Decimal },
  rules: SymbolRules,
): Exclude<SubmitResult, { ok: true }> | null {
  const prices = [request.price, request.triggerPrice].filter((p): p is Decimal => p !== undefined);
  for (const p of prices) {
    if (!isMultipleOf(p, rules.tickSize)) {
      return {
        ok: false,
        reason: 'filter',
        code: 'price_off_tick',
        message: `price ${p} is not a multiple of tick ${rules.tickSize}`,
      };
    }
  }
  if (request.qty !== undefined && !isMultipleOf(request.qty.dividedBy(rules.contractSize), rules.stepSize)) {
    return {
      ok: false,
      reason: 'filter',
      code: 'qty_off_step',
      message: `quantity ${request.qty} is not a multiple of step ${rules.stepSize}`,
    };
  }
  return null;
}
