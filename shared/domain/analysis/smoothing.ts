/**
 * Moving averages used to smooth the true range: `SMA`, `WMA`, `RMA` (Wilder) and `EMA`, as O(1) streaming
 * state machines on Decimal. Batch results are the same machine run over an array, so batch and streaming
 * cannot disagree.
 *
 * Definitions (n = period, x = newest input), matching TA-Lib's defaults:
 *  - SMA: mean of the last n inputs.
 *  - WMA: Σ i·x_i / (n(n+1)/2) over the last n inputs, the newest weighted n.
 *  - RMA: seeded with the SMA of the first n inputs, then (prev·(n−1) + x) / n.
 *  - EMA: seeded with the SMA of the first n inputs, then (prev·(n−1) + 2x) / (n+1), i.e. α = 2/(n+1).
 * The first value appears after n inputs. SMA and WMA keep running sums that are exact in Decimal (inputs
 * are prices with few digits), so streaming adds no drift; RMA and EMA round once per step at 40 digits.
 */
import type { Smoothing } from '../config/level-source.js';
import { Decimal, ZERO } from '../money.js';
import { AnalysisError } from './errors.js';

export class MovingAverage {
  private readonly window: Decimal[] = [];
  private head = 0;
  private sum: Decimal = ZERO;
  private weightedSum: Decimal = ZERO;
  private seen = 0;
  private current: Decimal | undefined;
  private readonly weightTotal: Decimal;

  constructor(
    readonly period: number,
    readonly smoothing: Smoothing,
  ) {
    if (!Number.isSafeInteger(period) || period < 1) {
      throw new AnalysisError('bad_input', `period must be a whole number ≥ 1, got ${period}`);
    }
    this.weightTotal = new Decimal((period * (period + 1)) / 2);
  }

  /** The latest value, or `undefined` until `period` inputs were seen. */
  get value(): Decimal | undefined {
    return this.current;
  }

  update(x: Decimal): Decimal | undefined {
    const n = this.period;
    this.seen++;
    if (this.seen <= n) {
      // Warm-up: every smoothing collects the first n inputs; RMA and EMA seed with their mean.
      this.window.push(x);
      this.sum = this.sum.plus(x);
      if (this.smoothing === 'WMA') this.weightedSum = this.weightedSum.plus(x.times(this.seen));
      if (this.seen === n) this.current = this.windowValue();
      return this.current;
    }
    const prev = this.current!;
    switch (this.smoothing) {
      case 'RMA':
        this.current = prev
          .times(n - 1)
          .plus(x)
          .dividedBy(n);
        break;
      case 'EMA':
        this.current = prev
          .times(n - 1)
          .plus(x.times(2))
          .dividedBy(n + 1);
        break;
      default: {
        const oldest = this.window[this.head]!;
        this.window[this.head] = x;
        this.head = (this.head + 1) % n;
        // W' = W − S + n·x (every weight drops by one, the newest enters with weight n); S' = S − oldest + x.
        if (this.smoothing === 'WMA') this.weightedSum = this.weightedSum.minus(this.sum).plus(x.times(n));
        this.sum = this.sum.minus(oldest).plus(x);
        this.current = this.windowValue();
      }
    }
    return this.current;
  }

  private windowValue(): Decimal {
    return this.smoothing === 'WMA'
      ? this.weightedSum.dividedBy(this.weightTotal)
      : this.sum.dividedBy(this.period);
  }
}

/** Batch form: one output per input, `undefined` during the warm-up. */
export function smooth(
  values: readonly Decimal[],
  period: number,
  smoothing: Smoothing,
): (Decimal | undefined)[] {
  const ma = new MovingAverage(period, smoothing);
  return values.map((v) => ma.update(v));
}
