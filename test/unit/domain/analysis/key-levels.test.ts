import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findKeyLevels, type KeyLevelParams } from '../../../../shared/domain/analysis/index.js';
import { keyLevelsSchema } from '../../../../shared/domain/config/level-source.js';
import { dec } from '../../../../shared/domain/money.js';
import type { Candle } from '../../../../shared/domain/orders.js';
import { candleSeries, HOUR } from './builders.js';
import { expectInvariants } from './key-level-checks.js';

const defaults = (overrides: Record<string, unknown> = {}): KeyLevelParams =>
  keyLevelsSchema.parse({ source: 'keyLevels', ...overrides });

const paramsArb = fc.record({
  candles: fc.integer({ min: 50, max: 300 }),
  swing_lookbacks: fc.uniqueArray(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 4 }),
  time_decay_half_life_bars: fc.integer({ min: 5, max: 400 }),
  volume_buckets: fc.integer({ min: 5, max: 80 }),
  merge_tolerance_pct: fc.constantFrom('0.001', '0.005', '0.01', '0.03'),
  min_strength: fc.integer({ min: 0, max: 95 }),
  max_distance_pct: fc.constantFrom('0.05', '0.1', '0.3', '0.9'),
  fib_lookback_bars: fc.integer({ min: 2, max: 200 }),
  round_numbers: fc.boolean(),
});

describe('findKeyLevels properties (random candles and parameters)', () => {
  const tick = dec('0.01');
  const series = candleSeries({ minLength: 1, maxLength: 260, stepMs: HOUR });
  const longSeries = candleSeries({ minLength: 80, maxLength: 260, stepMs: HOUR });

  it('levels are sorted, on the tick, at least the merge tolerance apart, with strengths in bounds', () => {
    fc.assert(
      fc.property(series, paramsArb, fc.integer({ min: -40, max: 40 }), (candles, p, shift) => {
        const params = defaults(p);
        if (Math.min(candles.length, params.candles) < 2 * Math.min(...params.swing_lookbacks) + 1) {
          expect(() => findKeyLevels(candles, dec('100'), params, tick)).toThrow(/need at least/);
          return;
        }
        const last = candles[candles.length - 1]!.close;
        const price = last
          .times(100 + shift)
          .dividedBy(100)
          .toDecimalPlaces(2);
        const { levels, merged } = findKeyLevels(candles, price, params, tick);
        expectInvariants(merged, params.merge_tolerance_pct, tick);
        expectInvariants(levels, params.merge_tolerance_pct, tick);
        const maxDistance = price.times(params.max_distance_pct);
        for (const l of levels) {
          expect(l.strength).toBeGreaterThanOrEqual(params.min_strength);
          expect(l.price.minus(price).abs().lessThanOrEqualTo(maxDistance)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same levels when the same candles are fed twice, even as fresh copies', () => {
    fc.assert(
      fc.property(longSeries, paramsArb, (candles, p) => {
        const params = defaults(p);
        const price = candles[candles.length - 1]!.close;
        const first = findKeyLevels(candles, price, params, tick);
        const again = findKeyLevels(candles, price, params, tick);
        const copies: Candle[] = candles.map((c) => ({
          openTime: c.openTime,
          open: dec(c.open.toFixed()),
          high: dec(c.high.toFixed()),
          low: dec(c.low.toFixed()),
          close: dec(c.close.toFixed()),
          volume: dec(c.volume.toFixed()),
        }));
        const fromCopies = findKeyLevels(copies, price, params, tick);
        expect(again).toEqual(first);
        expect(fromCopies).toEqual(first);
      }),
      { numRuns: 25 },
    );
  });

  it('scores strength as 100·(1 − e^(−boosted/scale)) with the confluence boost per extra source kind', () => {
    fc.assert(
      fc.property(longSeries, (candles) => {
        const params = defaults({ min_strength: 0, max_distance_pct: '0.9' });
        const { merged } = findKeyLevels(candles, candles[candles.length - 1]!.close, params, tick);
        for (const l of merged) {
          const boosted = l.points * (1 + params.confluence_boost * (l.kinds.length - 1));
          expect(l.strength).toBeCloseTo(100 * (1 - Math.exp(-boosted / params.strength_scale)), 9);
        }
      }),
      { numRuns: 20 },
    );
  });
});
