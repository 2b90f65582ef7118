/**
 * The `range` level source: `count` prices from `lower` to `upper`, equal steps or equal ratios, in Decimal;
 * validated with errors naming the field and the fix; rounded to the tick like manual levels.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeLevelPrices,
  fixedLevelPrices,
  rangeLevelPrices,
} from '../../../../shared/domain/analysis/index.js';
import { describeIssues } from '../../../../shared/domain/config/format-error.js';
import { levelSourceSchema, MAX_RANGE_LEVELS } from '../../../../shared/domain/config/level-source.js';
import { type Decimal, dec } from '../../../../shared/domain/money.js';
import { DOGEUSDC } from './exchange-rules.js';

/** A positive price with up to 8 decimals, and a second one above it. */
const bounds = fc
  .tuple(
    fc.integer({ min: 1, max: 10_000_000_000 }),
    fc.integer({ min: 1, max: 10_000_000_000 }),
    fc.integer({ min: 0, max: 8 }),
  )
  .map(([a, b, scale]) => {
    const lower = dec(a).dividedBy(dec(10).pow(scale));
    return { lower, upper: lower.plus(dec(b).dividedBy(dec(10).pow(scale))) };
  });
const count = fc.integer({ min: 2, max: MAX_RANGE_LEVELS });

const steps = (p: readonly Decimal[]) => p.slice(1).map((x, i) => x.minus(p[i]!));
const ratios = (p: readonly Decimal[]) => p.slice(1).map((x, i) => x.dividedBy(p[i]!));

describe('rangeLevelPrices', () => {
  it.each(['arithmetic', 'geometric'] as const)(
    '%s: count prices, first lower, last upper, strictly increasing',
    (spacing) => {
      fc.assert(
        fc.property(bounds, count, ({ lower, upper }, n) => {
          const p = rangeLevelPrices({ lower, upper, count: n, spacing });
          expect(p).toHaveLength(n);
          expect(p[0]!.equals(lower)).toBe(true);
          expect(p[n - 1]!.equals(upper)).toBe(true);
          for (const s of steps(p)) expect(s.greaterThan(0)).toBe(true);
        }),
        { numRuns: 100 },
      );
    },
  );

  it('arithmetic: every step is (upper − lower) / (count − 1), within the last of 40 digits', () => {
    fc.assert(
      fc.property(bounds, count, ({ lower, upper }, n) => {
        const step = upper.minus(lower).dividedBy(n - 1);
        for (const s of steps(rangeLevelPrices({ lower, upper, count: n, spacing: 'arithmetic' })))
          expect(s.minus(step).abs().lessThanOrEqualTo(upper.times('1e-38'))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('arithmetic: exact when the range divides evenly', () => {
    const p = rangeLevelPrices({ lower: dec('0.1'), upper: dec('0.2'), count: 11, spacing: 'arithmetic' });
    expect(p.map((x) => x.toFixed())).toEqual([
      '0.1',
      '0.11',
      '0.12',
      '0.13',
      '0.14',
      '0.15',
      '0.16',
      '0.17',
      '0.18',
      '0.19',
      '0.2',
    ]);
  });

  it('geometric: every ratio of neighbours is (upper / lower)^(1 / (count − 1)) within rounding', () => {
    fc.assert(
      fc.property(bounds, count, ({ lower, upper }, n) => {
        const ratio = upper.dividedBy(lower).pow(dec(1).dividedBy(n - 1));
        for (const r of ratios(rangeLevelPrices({ lower, upper, count: n, spacing: 'geometric' })))
          expect(r.minus(ratio).abs().lessThan('1e-30')).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('geometric: doubling over 4 steps is 2^(1/4) a step', () => {
    const p = rangeLevelPrices({ lower: dec(100), upper: dec(200), count: 5, spacing: 'geometric' });
    expect(p.map((x) => x.toDecimalPlaces(6).toFixed())).toEqual([
      '100',
      '118.920712',
      '141.421356',
      '168.179283',
      '200',
    ]);
  });

  it('refuses what the schema refuses (a direct caller)', () => {
    expect(() => rangeLevelPrices({ lower: dec(2), upper: dec(1), count: 3, spacing: 'arithmetic' })).toThrow(
      /lower < upper/,
    );
    expect(() => rangeLevelPrices({ lower: dec(1), upper: dec(2), count: 1, spacing: 'arithmetic' })).toThrow(
      /count/,
    );
  });
});

describe('the range level source in the config', () => {
  const problems = (input: Record<string, unknown>) => {
    const r = levelSourceSchema.safeParse({ source: 'range', ...input });
    return r.success ? [] : describeIssues(r.error);
  };

  it('defaults to arithmetic spacing and reads decimals from strings or numbers', () => {
    const parsed = levelSourceSchema.parse({ source: 'range', lower: 0.15, upper: '0.25', count: 5 });
    expect(parsed).toMatchObject({ source: 'range', count: 5, spacing: 'arithmetic' });
    expect(fixedLevelPrices(parsed)!.map((p) => p.toFixed())).toEqual([
      '0.15',
      '0.175',
      '0.2',
      '0.225',
      '0.25',
    ]);
  });

  it('names the field and the fix', () => {
    expect(problems({ lower: 0.2, upper: 0.1, count: 5 })).toEqual([
      'upper: must be above lower (0.2): lower is the first support, upper the last level; swap them or widen the range',
    ]);
    expect(problems({ lower: 0.1, upper: 0.1, count: 5 })[0]).toMatch(/^upper: must be above lower/);
    expect(problems({ lower: 0.1, upper: 0.2, count: 1 })).toEqual([
      'count: must be at least 2: the range needs its lower and its upper level',
    ]);
    expect(problems({ lower: 0.1, upper: 0.2, count: 501 })).toEqual([
      'count: must be at most 500: use fewer levels, or several instances',
    ]);
    expect(problems({ lower: 0.1, upper: 0.2, count: 2.5 })).toEqual([
      'count: must be a whole number of levels, e.g. 20',
    ]);
    expect(problems({ lower: 0, upper: 0.2, count: 5 })).toEqual(['lower: must be greater than 0']);
    expect(problems({ lower: 0.1, upper: 0.2, count: 5, spacing: 'log' })[0]).toMatch(/^spacing: /);
    expect(problems({ lower: 0.1, upper: 0.2, count: 5, prices: [1] })[0]).toMatch(/prices/);
  });

  it('is not a computed source: no candles, its prices on the tick', () => {
    const source = levelSourceSchema.parse({
      source: 'range',
      lower: '0.150004',
      upper: '0.150054',
      count: 6,
    });
    const out = computeLevelPrices(source, [], dec('0.15'), DOGEUSDC);
    // 0.150004, 0.150014, … 0.150054 rounded to the 0.00001 tick (half up); neighbours on one tick merge.
    expect(out.levelPrices.map((p) => p.toFixed())).toEqual([
      '0.15',
      '0.15001',
      '0.15002',
      '0.15003',
      '0.15004',
      '0.15005',
    ]);
    expect(out.audit).toMatchObject({ source: 'range', count: '6', spacing: 'arithmetic', levels: '6' });
    const narrow = levelSourceSchema.parse({ source: 'range', lower: '0.15', upper: '0.15002', count: 5 });
    expect(computeLevelPrices(narrow, [], dec('0.15'), DOGEUSDC).levelPrices.map((p) => p.toFixed())).toEqual(
      ['0.15', '0.15001', '0.15002'],
    );
  });

  it('computed sources have no fixed prices', () => {
    expect(fixedLevelPrices(levelSourceSchema.parse({ source: 'atr' }))).toBeNull();
    expect(
      fixedLevelPrices(levelSourceSchema.parse({ source: 'manual', prices: [1, 2] }))!.map(String),
    ).toEqual(['1', '2']);
  });
});
