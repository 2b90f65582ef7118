/** Candle builders for the analysis tests: prices as decimal strings, times in whole minutes/hours. */
import fc from 'fast-check';
import { Decimal, dec } from '../../../../shared/domain/money.js';
import type { Candle } from '../../../../shared/domain/orders.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
/** 2025-06-01T00:00:00Z, a UTC midnight. */
export const T0 = Date.UTC(2025, 5, 1);

export function candle(openTime: number, o: string, h: string, l: string, c: string, v = '1'): Candle {
  return { openTime, open: dec(o), high: dec(h), low: dec(l), close: dec(c), volume: dec(v) };
}

/** Hourly candles from [high, low, close] triples; open = previous close (first: close). */
export function hourly(rows: readonly (readonly [string, string, string])[], start = T0): Candle[] {
  return rows.map(([h, l, c], i) => {
    const open = i === 0 ? c : rows[i - 1]![2];
    return candle(start + i * HOUR, open, h, l, c);
  });
}

/**
 * Arbitrary valid candle series on a timeframe grid: prices are whole multiples of `tick` (a random walk),
 * so every value is exact, like exchange data.
 */
export function candleSeries(opts: {
  minLength: number;
  maxLength: number;
  stepMs: number;
  tick?: string;
  base?: number;
}): fc.Arbitrary<Candle[]> {
  const tick = new Decimal(opts.tick ?? '0.01');
  const base = opts.base ?? 10_000;
  const bar = fc.record({
    move: fc.integer({ min: -300, max: 300 }),
    up: fc.integer({ min: 0, max: 200 }),
    down: fc.integer({ min: 0, max: 200 }),
    body: fc.integer({ min: -150, max: 150 }),
    volume: fc.integer({ min: 0, max: 1_000_000 }),
    gap: fc.integer({ min: 1, max: 3 }),
  });
  return fc.array(bar, { minLength: opts.minLength, maxLength: opts.maxLength, size: 'max' }).map((bars) => {
    let level = base;
    let time = T0;
    return bars.map((b, i) => {
      level = Math.max(1000, level + b.move);
      const open = level;
      const close = Math.max(500, level + b.body);
      const high = Math.max(open, close) + b.up;
      const low = Math.max(1, Math.min(open, close) - b.down);
      if (i > 0) time += (b.gap === 3 ? 2 : 1) * opts.stepMs; // occasional gap of one bar
      return {
        openTime: time,
        open: tick.times(open),
        high: tick.times(high),
        low: tick.times(low),
        close: tick.times(close),
        volume: new Decimal(b.volume),
      };
    });
  });
}
