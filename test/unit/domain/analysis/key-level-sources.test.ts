import { describe, expect, it } from 'vitest';
import { mergeCandidates, withinTolerance } from '../../../../shared/domain/analysis/index.js';
import { fibCandidates } from '../../../../shared/domain/analysis/key-levels/fibonacci.js';
import { roundNumberCandidates } from '../../../../shared/domain/analysis/key-levels/round-numbers.js';
import {
  defaultSwingWeights,
  swingCandidates,
} from '../../../../shared/domain/analysis/key-levels/swings.js';
import { volumeCandidates } from '../../../../shared/domain/analysis/key-levels/volume-profile.js';
import { dec } from '../../../../shared/domain/money.js';
import { candle, HOUR, hourly, T0 } from './builders.js';

const NO_DECAY = Number.POSITIVE_INFINITY;
const prices = (cs: readonly { price: { toFixed(): string } }[]) => cs.map((c) => c.price.toFixed());

describe('swing candidates', () => {
  const bars = hourly([
    ['10', '9', '9.5'],
    ['11', '10', '10.5'],
    ['15', '11', '12'], // peak
    ['12', '10', '11'],
    ['11', '8', '9'], // trough
    ['12', '9', '11'],
    ['13', '10', '12'],
    ['12', '10', '11'],
  ]);

  it('finds the peak and the trough with enough bars on both sides', () => {
    const found = swingCandidates(bars, [2], [10], NO_DECAY);
    expect(prices(found)).toEqual(['15', '8']);
    expect(found.map((c) => [c.kind, c.points])).toEqual([
      ['swing', 10],
      ['swing', 10],
    ]);
  });

  it('weights a swing by the time decay of its age', () => {
    const [peak] = swingCandidates(bars, [2], [10], 5); // the peak is 5 bars before the last: half weight
    expect(peak!.points).toBeCloseTo(5, 12);
  });

  it('counts a flat top once, on its first bar', () => {
    const flat = hourly([
      ['10', '9', '9.5'],
      ['12', '9', '11'],
      ['12', '9', '11'],
      ['10', '9', '9.5'],
      ['10', '9', '9.5'],
    ]);
    const highs = swingCandidates(flat, [1], [1], NO_DECAY).filter((c) => c.price.equals(12));
    expect(highs).toHaveLength(1);
  });

  it('near the end needs all following bars, at least the shortest lookback of them', () => {
    // The trough at index 4 has 3 bars after it: a swing for lookback 3 and, with 3 ≥ shortest lookback
    // 3, also for lookback 4, which has only 3 of its 4 right-hand bars.
    const found = swingCandidates(bars, [3, 4], [1, 2], NO_DECAY).filter((c) => c.price.equals(8));
    expect(found.map((c) => c.points)).toEqual([1, 2]);
    // With the shortest lookback at 4 the same bar is not confirmed yet.
    expect(swingCandidates(bars, [4], [2], NO_DECAY).filter((c) => c.price.equals(8))).toEqual([]);
  });

  it('defaults the weights to 50·√(lookback / largest)', () => {
    expect(defaultSwingWeights([5, 13, 34]).map((w) => w.toFixed(2))).toEqual(['19.17', '30.92', '50.00']);
  });
});

describe('volume candidates', () => {
  it('puts a node at the centre of the busiest bucket', () => {
    const cs = [
      candle(T0, '100', '110', '100', '105', '10'),
      candle(T0 + HOUR, '105', '103', '101', '102', '1000'), // heavy trading in 101–103
      candle(T0 + 2 * HOUR, '102', '102', '101', '101', '1000'),
      candle(T0 + 3 * HOUR, '102', '110', '109', '109', '100'),
    ];
    const nodes = volumeCandidates(cs, { buckets: 10, weight: 40, minShare: 0.5, halfLife: NO_DECAY });
    expect(prices(nodes)).toEqual(['101.5']); // bucket [101, 102]
    expect(nodes[0]!.points).toBe(40);
  });

  it('handles a flat range and zero volume', () => {
    const flat = [candle(T0, '5', '5', '5', '5', '3')];
    expect(prices(volumeCandidates(flat, { buckets: 5, weight: 40, minShare: 0.5, halfLife: 10 }))).toEqual([
      '5',
    ]);
    const silent = [candle(T0, '5', '6', '4', '5', '0'), candle(T0 + HOUR, '5', '6', '4', '5', '0')];
    expect(volumeCandidates(silent, { buckets: 5, weight: 40, minShare: 0.5, halfLife: 10 })).toEqual([]);
  });
});

describe('Fibonacci candidates', () => {
  it('applies each ratio from both ends of the recent range, once per price', () => {
    const cs = [candle(T0, '150', '200', '100', '150'), candle(T0 + HOUR, '150', '160', '140', '150')];
    expect(prices(fibCandidates(cs, [0.5, 1.618], 10, 25))).toEqual(['150', '261.8', '38.2']);
    expect(prices(fibCandidates(cs, [2.5], 10, 25))).toEqual(['350']); // 200 − 250 < 0 is dropped
  });

  it('produces nothing for a flat range or at weight 0', () => {
    const flat = [candle(T0, '5', '5', '5', '5')];
    expect(fibCandidates(flat, [0.5], 10, 25)).toEqual([]);
    expect(fibCandidates([candle(T0, '150', '200', '100', '150')], [0.5], 10, 0)).toEqual([]);
  });

  it('uses only the last `lookback` bars', () => {
    const cs = [candle(T0, '150', '999', '1', '150'), candle(T0 + HOUR, '150', '200', '100', '150')];
    expect(prices(fibCandidates(cs, [0.5], 1, 25))).toEqual(['150']);
  });
});

describe('round-number candidates', () => {
  it('scales the step to the price: every 10,000 and half steps for BTC near 105,000', () => {
    const found = roundNumberCandidates(dec('105000'), dec('0.1'), 15);
    expect(prices(found)).toEqual(['95000', '100000', '105000', '110000', '115000']);
    expect(found.map((c) => c.points)).toEqual([7.5, 15, 7.5, 15, 7.5]);
  });

  it('produces nothing at weight 0', () => {
    expect(roundNumberCandidates(dec('105000'), dec('0.1'), 0)).toEqual([]);
  });

  it('every 0.01 for DOGE near 0.163', () => {
    expect(prices(roundNumberCandidates(dec('0.163'), dec('0.05'), 15))).toEqual([
      '0.155',
      '0.16',
      '0.165',
      '0.17',
    ]);
  });
});

describe('mergeCandidates', () => {
  const tol = dec('0.005');
  it('keeps the strongest price, adds the points and remembers the kinds', () => {
    const merged = mergeCandidates(
      [
        { price: dec('100'), points: 10, kind: 'swing' },
        { price: dec('100.4'), points: 30, kind: 'volume' },
        { price: dec('100.9'), points: 5, kind: 'round' }, // within 0.5% of 100.4, not of 100
        { price: dec('102'), points: 1, kind: 'fib' },
      ],
      tol,
    );
    expect(merged.map((m) => [m.price.toFixed(), m.points, [...m.kinds].sort(), m.members])).toEqual([
      ['100.4', 45, ['round', 'swing', 'volume'], 3],
      ['102', 1, ['fib'], 1],
    ]);
  });

  it('joins the nearer of two levels, and the stronger one on a tie', () => {
    const merged = mergeCandidates(
      [
        { price: dec('100'), points: 10, kind: 'swing' },
        { price: dec('101'), points: 9, kind: 'swing' },
        { price: dec('100.5'), points: 1, kind: 'fib' },
      ],
      tol,
    );
    expect(merged.map((m) => m.points)).toEqual([11, 9]);
  });

  it('measures tolerance against the lower price', () => {
    expect(withinTolerance(dec('100'), dec('100.5'), tol)).toBe(true);
    expect(withinTolerance(dec('100.51'), dec('100'), tol)).toBe(false);
  });
});
