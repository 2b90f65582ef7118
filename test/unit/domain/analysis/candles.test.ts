import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AnalysisError,
  aggregateCandles,
  aggregateCandlesReport,
  assertCandleSeries,
  timeframeMs,
} from '../../../../shared/domain/analysis/index.js';
import { Decimal } from '../../../../shared/domain/money.js';
import type { Candle } from '../../../../shared/domain/orders.js';
import { candle, candleSeries, HOUR, MINUTE, T0 } from './builders.js';

/** `count` consecutive 1m candles from `start`, price rising by 1 each minute. */
function minutes(start: number, count: number, from = 100): Candle[] {
  return Array.from({ length: count }, (_, i) => {
    const p = from + i;
    return candle(start + i * MINUTE, String(p), String(p + 2), String(p - 1), String(p + 1), String(i + 1));
  });
}

describe('aggregateCandles', () => {
  it('builds an hourly candle from its 60 minutes: first open, max high, min low, last close, summed volume', () => {
    const [bar] = aggregateCandles(minutes(T0, 60), '1h');
    expect(bar!.openTime).toBe(T0);
    expect(bar!.open.toFixed()).toBe('100');
    expect(bar!.high.toFixed()).toBe('161');
    expect(bar!.low.toFixed()).toBe('99');
    expect(bar!.close.toFixed()).toBe('160');
    expect(bar!.volume.toFixed()).toBe(String((60 * 61) / 2));
  });

  it('drops a partial first bucket and a partial last bucket and says which', () => {
    const data = minutes(T0 + 30 * MINUTE, 30 + 120 + 10);
    const report = aggregateCandlesReport(data, '1h');
    expect(report.candles.map((c) => c.openTime)).toEqual([T0 + HOUR, T0 + 2 * HOUR]);
    expect(report.dropped).toEqual([
      { openTime: T0, minutes: 30, why: 'partial_first' },
      { openTime: T0 + 3 * HOUR, minutes: 10, why: 'partial_last' },
    ]);
  });

  it('drops an hour with a missing minute inside the data and reports it', () => {
    const data = minutes(T0, 180).filter((c) => c.openTime !== T0 + HOUR + 17 * MINUTE);
    const report = aggregateCandlesReport(data, '1h');
    expect(report.candles.map((c) => c.openTime)).toEqual([T0, T0 + 2 * HOUR]);
    expect(report.dropped).toEqual([{ openTime: T0 + HOUR, minutes: 59, why: 'missing_minutes' }]);
  });

  it('aligns daily buckets on UTC midnight', () => {
    const data = minutes(T0 - 30 * MINUTE, 30 + 1440 + 5);
    const days = aggregateCandles(data, '1d');
    expect(days.map((d) => new Date(d.openTime).toISOString())).toEqual(['2025-06-01T00:00:00.000Z']);
  });

  it('returns complete 1m candles unchanged for the 1m timeframe', () => {
    const data = minutes(T0, 5);
    expect(aggregateCandles(data, '1m')).toEqual(data);
  });

  it('rejects unsorted, duplicated or misaligned input with the index of the bad candle', () => {
    const data = minutes(T0, 3);
    expect(() => aggregateCandles([data[1]!, data[0]!], '1h')).toThrow(/candle 1 .*sorted/);
    expect(() => aggregateCandles([data[0]!, data[0]!], '1h')).toThrow(/without duplicates/);
    expect(() => aggregateCandles([{ ...data[0]!, openTime: T0 + 1 }], '1h')).toThrow(/not on the 1m grid/);
  });

  it('every output candle is complete, aligned and consistent with its minutes', () => {
    fc.assert(
      fc.property(
        candleSeries({ minLength: 1, maxLength: 400, stepMs: MINUTE }),
        fc.constantFrom('5m', '15m', '1h') as fc.Arbitrary<'5m' | '15m' | '1h'>,
        (data, tf) => {
          const step = timeframeMs(tf);
          const out = aggregateCandles(data, tf);
          for (const bar of out) {
            expect(bar.openTime % step).toBe(0);
            const inside = data.filter((c) => c.openTime >= bar.openTime && c.openTime < bar.openTime + step);
            expect(inside).toHaveLength(step / MINUTE);
            expect(bar.open.equals(inside[0]!.open)).toBe(true);
            expect(bar.close.equals(inside[inside.length - 1]!.close)).toBe(true);
            expect(bar.high.equals(Decimal.max(...inside.map((c) => c.high)))).toBe(true);
            expect(bar.low.equals(Decimal.min(...inside.map((c) => c.low)))).toBe(true);
            expect(bar.volume.equals(Decimal.sum(...inside.map((c) => c.volume)))).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('assertCandleSeries', () => {
  it('accepts gaps but rejects inconsistent OHLC and names the fix', () => {
    expect(() =>
      assertCandleSeries([candle(T0, '1', '2', '1', '2'), candle(T0 + 2 * HOUR, '2', '3', '1', '2')], '1h'),
    ).not.toThrow();
    const bad = candle(T0, '5', '4', '3', '3');
    expect(() => assertCandleSeries([bad], '1h')).toThrow(AnalysisError);
    expect(() => assertCandleSeries([bad], '1h')).toThrow(/candle 0 .*inconsistent/);
    expect(() => assertCandleSeries([candle(T0 + MINUTE, '1', '1', '1', '1')], '1h')).toThrow(
      /aggregateCandles/,
    );
  });
});
