/**
 * Candle series: timeframes, validation and aggregation of 1-minute candles into larger UTC buckets.
 *
 * Entry points: `timeframeMs`, `aggregateCandles` (complete buckets only), `aggregateCandlesReport` (the same,
 * plus the buckets it dropped and why), `assertCandleSeries` (ascending, aligned, sane OHLC).
 *
 * Invariants:
 *  1. A bucket starts at a multiple of the timeframe since the epoch, so buckets sit on UTC boundaries
 *     (hours, midnight for `1d`).
 *  2. Only complete buckets are emitted: every one of their minutes is present. A partial first bucket
 *     (data starting mid-bucket) is dropped because its open is unknown; a partial last bucket is dropped
 *     because it is still forming and would make the result depend on when within the bucket we ran; a
 *     bucket with a missing minute inside the data (an exchange outage) is dropped and reported by
 *     `aggregateCandlesReport` so the caller can log it.
 *  3. open = first minute's open, close = last minute's close, high = max, low = min, volume = exact sum.
 */
import type { Timeframe } from '../config/level-source.js';
import type { Decimal } from '../money.js';
import type { Candle } from '../orders.js';
import { AnalysisError } from './errors.js';

const MINUTE_MS = 60_000;

const TIMEFRAME_MINUTES: Readonly<Record<Timeframe, number>> = {
  '1m': 1,
  '5m': 5,
  '15m': 15,
  '30m': 30,
  '1h': 60,
  '2h': 120,
  '4h': 240,
  '6h': 360,
  '12h': 720,
  '1d': 1440,
};

export function timeframeMs(timeframe: Timeframe): number {
  return TIMEFRAME_MINUTES[timeframe] * MINUTE_MS;
}

/**
 * Throws `AnalysisError('bad_candles')` unless open times strictly ascend, sit on the timeframe grid and
 * every candle has low ≤ open, close ≤ high and a non-negative volume. Gaps are allowed.
 */
export function assertCandleSeries(candles: readonly Candle[], timeframe: Timeframe): void {
  const step = timeframeMs(timeframe);
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i]!;
    if (!Number.isSafeInteger(c.openTime) || c.openTime % step !== 0) {
      throw new AnalysisError(
        'bad_candles',
        `candle ${i} opens at ${c.openTime}, which is not on the ${timeframe} grid: pass ${timeframe} candles (aggregate 1m candles with aggregateCandles)`,
      );
    }
    if (c.openTime <= prev) {
      throw new AnalysisError(
        'bad_candles',
        `candle ${i} opens at ${c.openTime}, not after the previous one (${prev}): candles must be sorted by time without duplicates`,
      );
    }
    assertCandleShape(c, i);
    prev = c.openTime;
  }
}

function assertCandleShape(c: Candle, i: number): void {
  if (
    c.low.greaterThan(c.high) ||
    c.open.greaterThan(c.high) ||
    c.close.greaterThan(c.high) ||
    c.open.lessThan(c.low) ||
    c.close.lessThan(c.low) ||
    c.low.lessThanOrEqualTo(0) ||
    c.volume.isNegative()
  ) {
    throw new AnalysisError(
      'bad_candles',
      `candle ${i} (open time ${c.openTime}) is inconsistent: need 0 < low ≤ open, close ≤ high and volume ≥ 0, got O=${c.open} H=${c.high} L=${c.low} C=${c.close} V=${c.volume}`,
    );
  }
}

export interface DroppedBucket {
  readonly openTime: number;
  /** Minutes present out of the bucket's length. */
  readonly minutes: number;
  readonly why: 'partial_first' | 'partial_last' | 'missing_minutes';
}

export interface AggregationReport {
  readonly candles: Candle[];
  readonly dropped: DroppedBucket[];
}

/** 1-minute candles → complete `timeframe` candles (see invariant 2 for what is dropped). */
export function aggregateCandles(candles1m: readonly Candle[], timeframe: Timeframe): Candle[] {
  return aggregateCandlesReport(candles1m, timeframe).candles;
}

export function aggregateCandlesReport(
  candles1m: readonly Candle[],
  timeframe: Timeframe,
): AggregationReport {
  assertCandleSeries(candles1m, '1m');
  const step = timeframeMs(timeframe);
  const perBucket = step / MINUTE_MS;
  const out: Candle[] = [];
  const dropped: DroppedBucket[] = [];
  let i = 0;
  while (i < candles1m.length) {
    const first = candles1m[i]!;
    const bucketStart = first.openTime - (first.openTime % step);
    const bucketEnd = bucketStart + step;
    let high: Decimal = first.high;
    let low: Decimal = first.low;
    let volume: Decimal = first.volume;
    let last = first;
    let count = 1;
    i++;
    while (i < candles1m.length && candles1m[i]!.openTime < bucketEnd) {
      const c = candles1m[i]!;
      if (c.high.greaterThan(high)) high = c.high;
      if (c.low.lessThan(low)) low = c.low;
      volume = volume.plus(c.volume);
      last = c;
      count++;
      i++;
    }
    if (count === perBucket) {
      out.push({ openTime: bucketStart, open: first.open, high, low, close: last.close, volume });
    } else {
      const why =
        out.length === 0 && dropped.length === 0 && first.openTime !== bucketStart
          ? 'partial_first'
          : i === candles1m.length && last.openTime !== bucketEnd - MINUTE_MS
            ? 'partial_last'
            : 'missing_minutes';
      dropped.push({ openTime: bucketStart, minutes: count, why });
    }
  }
  return { candles: out, dropped };
}
