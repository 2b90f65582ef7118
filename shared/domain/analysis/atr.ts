/**
 * Average true range (SPEC §3.1): true range `max(h−l, |h−prev_close|, |l−prev_close|)` smoothed with
 * `RMA` (Wilder, the default), `SMA`, `EMA` or `WMA` (see smoothing.ts for the exact definitions).
 *
 * Entry points: `trueRange(candle, prevClose)`, `trueRanges(candles)`, `AtrStream` (`update(candle)` gives
 * the new ATR from one new candle without touching history), `atrSeries(candles, period, smoothing)` (one
 * value per candle) and `atr(candles, period, smoothing)` (the latest value).
 *
 * Conventions (TA-Lib's): the first candle has no previous close, so it yields no true range; ATR(n) first
 * appears on candle n (0-based), i.e. it needs n + 1 candles.
 *
 * Decimal, not float: the ATR becomes order prices (channel bounds → levels → tick rounding), and a float
 * result a hair below a tick boundary would round to a different tick than the exact value. The exact path
 * costs little here (see `npm run bench -- analysis`: a 1h ATR over months of candles takes milliseconds),
 * so there is nothing to prove about float error. The reference tests compare against float libraries
 * (TA-Lib, trading-signals, technicalindicators) to 1e-9 relative.
 */
import type { Smoothing } from '../config/level-source.js';
import type { Decimal } from '../money.js';
import type { Candle } from '../orders.js';
import { AnalysisError } from './errors.js';
import { MovingAverage } from './smoothing.js';

export function trueRange(candle: Pick<Candle, 'high' | 'low'>, prevClose: Decimal): Decimal {
  const hl = candle.high.minus(candle.low);
  const hc = candle.high.minus(prevClose).abs();
  const lc = candle.low.minus(prevClose).abs();
  let tr = hl;
  if (hc.greaterThan(tr)) tr = hc;
  if (lc.greaterThan(tr)) tr = lc;
  return tr;
}

/** True ranges of `candles[1..]` (the first candle has no previous close). */
export function trueRanges(candles: readonly Candle[]): Decimal[] {
  const out: Decimal[] = [];
  for (let i = 1; i < candles.length; i++) out.push(trueRange(candles[i]!, candles[i - 1]!.close));
  return out;
}

/** Streaming ATR: feed candles in time order, one at a time. */
export class AtrStream {
  private readonly ma: MovingAverage;
  private prevClose: Decimal | undefined;
  private lastOpenTime = Number.NEGATIVE_INFINITY;

  constructor(
    readonly period: number,
    readonly smoothing: Smoothing = 'RMA',
  ) {
    this.ma = new MovingAverage(period, smoothing);
  }

  /** The latest ATR, or `undefined` until `period + 1` candles were seen. */
  get value(): Decimal | undefined {
    return this.ma.value;
  }

  update(candle: Candle): Decimal | undefined {
    if (candle.openTime <= this.lastOpenTime) {
      throw new AnalysisError(
        'bad_candles',
        `ATR got a candle opening at ${candle.openTime}, not after the previous one (${this.lastOpenTime})`,
      );
    }
    if (candle.low.greaterThan(candle.high)) {
      throw new AnalysisError(
        'bad_candles',
        `candle at ${candle.openTime} has low ${candle.low} > high ${candle.high}`,
      );
    }
    this.lastOpenTime = candle.openTime;
    const prev = this.prevClose;
    this.prevClose = candle.close;
    if (prev === undefined) return undefined;
    return this.ma.update(trueRange(candle, prev));
  }
}

/** One ATR value per candle (`undefined` during the warm-up of `period + 1` candles). */
export function atrSeries(
  candles: readonly Candle[],
  period: number,
  smoothing: Smoothing = 'RMA',
): (Decimal | undefined)[] {
  const stream = new AtrStream(period, smoothing);
  return candles.map((c) => stream.update(c));
}

/** The ATR after the last candle; throws `AnalysisError('not_enough_candles')` before `period + 1` candles. */
export function atr(candles: readonly Candle[], period: number, smoothing: Smoothing = 'RMA'): Decimal {
  const stream = new AtrStream(period, smoothing);
  for (const c of candles) stream.update(c);
  const value = stream.value;
  if (value === undefined) {
    throw new AnalysisError(
      'not_enough_candles',
      `ATR(${period}) needs at least ${period + 1} candles, got ${candles.length}`,
    );
  }
  return value;
}
