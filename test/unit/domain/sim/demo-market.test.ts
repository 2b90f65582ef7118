import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec, isMultipleOf } from '../../../../shared/domain/money.js';
import {
  type DemoMarketSpec,
  generateDemoMarket,
  seededRandom,
} from '../../../../shared/domain/sim/demo-market.js';

const T = Date.UTC(2025, 0, 6);
const spec = (over: Partial<DemoMarketSpec> = {}): DemoMarketSpec => ({
  startTime: T,
  minutes: 3 * 1440,
  startPrice: dec('0.2'),
  tickSize: dec('0.00001'),
  seed: 7,
  dailyVolatility: 0.06,
  ...over,
});

describe('the demo market', () => {
  it('gives the same candles for the same seed and different ones for another seed', () => {
    const a = generateDemoMarket(spec());
    const b = generateDemoMarket(spec());
    const c = generateDemoMarket(spec({ seed: 8 }));
    const text = (m: typeof a) =>
      m.candles.map((k) => `${k.openTime},${k.open},${k.high},${k.low},${k.close},${k.volume}`).join('\n');
    expect(text(a)).toBe(text(b));
    expect(text(c)).not.toBe(text(a));
  });

  it('ranges, then rallies above the open, then sells off below it', () => {
    const { candles, phases } = generateDemoMarket(spec());
    const at = (t: number) => candles.find((k) => k.openTime >= t)!.close;
    const byName = Object.fromEntries(phases.map((p) => [p.name, p]));
    const open = candles[0]!.open;
    const rangeEnd = at(byName.range!.to);
    expect(rangeEnd.dividedBy(open).minus(1).abs().lessThan('0.05')).toBe(true);
    expect(at(byName.rally!.to).greaterThan(open.times('1.08'))).toBe(true);
    expect(at(byName['sell-off']!.to).lessThan(open.times('0.92'))).toBe(true);
    expect(phases.map((p) => p.name)).toEqual(['range', 'rally', 'top', 'sell-off', 'base']);
  });

  it('starts the regimes after the warmup range', () => {
    const { candles, phases } = generateDemoMarket(spec({ minutes: 2000, warmupMinutes: 1000 }));
    expect(candles).toHaveLength(2000);
    expect(phases[0]!.from).toBe(T + 1000 * 60_000);
  });

  it('keeps every candle on the tick, continuous and well formed, for any seed, price and tick', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom(['0.2', '0.00001'], ['30000', '0.1'], ['2500', '0.01'], ['1.5', '0.0001']),
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        (seed, [price, tick], vol) => {
          const t = dec(tick!);
          const { candles } = generateDemoMarket(
            spec({ seed, minutes: 300, startPrice: dec(price!), tickSize: t, dailyVolatility: vol }),
          );
          const bad = candles.filter(
            (k, i) =>
              ![k.open, k.high, k.low, k.close].every((p) => p.greaterThan(0) && isMultipleOf(p, t)) ||
              k.low.greaterThan(k.open) ||
              k.low.greaterThan(k.close) ||
              k.high.lessThan(k.open) ||
              k.high.lessThan(k.close) ||
              k.openTime !== T + i * 60_000 ||
              (i > 0 && !k.open.equals(candles[i - 1]!.close)),
          );
          expect(bad).toEqual([]);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('refuses specs that cannot make a sensible market', () => {
    expect(() => generateDemoMarket(spec({ startTime: T + 1 }))).toThrow(/whole minute/);
    expect(() => generateDemoMarket(spec({ minutes: 5 }))).toThrow(/minutes/);
    expect(() => generateDemoMarket(spec({ warmupMinutes: 5000 }))).toThrow(/warmupMinutes/);
    expect(() => generateDemoMarket(spec({ startPrice: dec('0.001') }))).toThrow(/too coarse/);
    expect(() => generateDemoMarket(spec({ startPrice: dec(0) }))).toThrow(/greater than 0/);
    expect(() => generateDemoMarket(spec({ dailyVolatility: 2 }))).toThrow(/dailyVolatility/);
  });

  it('draws uniform numbers in [0, 1) from a seed, reproducibly', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});
