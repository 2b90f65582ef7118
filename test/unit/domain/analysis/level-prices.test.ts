import { describe, expect, it } from 'vitest';
import {
  AnalysisError,
  computeLevelPrices,
  leverageBracketsSchema,
} from '../../../../shared/domain/analysis/index.js';
import { levelSourceSchema } from '../../../../shared/domain/config/level-source.js';
import { dec } from '../../../../shared/domain/money.js';
import type { Candle } from '../../../../shared/domain/orders.js';
import { type ParamsRecord, paramsToJson, parseParams } from '../../../../shared/domain/params.js';
import { candle, HOUR, MINUTE, T0 } from './builders.js';
import { DOGEUSDC } from './exchange-rules.js';

/** 60 hourly DOGE-like candles oscillating around 0.165 (range 0.16–0.17), every price on the tick. */
const candles: Candle[] = Array.from({ length: 60 }, (_, i) => {
  const mid = 165000 + Math.round(4000 * Math.sin(i / 4)); // in ticks of 0.000001, then /10 below
  const p = (ticks: number) => (Math.round(ticks / 10) / 10000).toFixed(5);
  return candle(T0 + i * HOUR, p(mid - 300), p(mid + 900), p(mid - 900), p(mid + 300), String(1000 + i));
});
const price = candles[candles.length - 1]!.close;

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AnalysisError);
    return (e as AnalysisError).reason;
  }
  throw new Error('expected an AnalysisError');
}

describe('computeLevelPrices: manual', () => {
  it('rounds to the nearest tick, drops duplicates and sorts', () => {
    const source = levelSourceSchema.parse({
      source: 'manual',
      prices: ['0.17', '0.150004', '0.15', '0.160006'],
    });
    const out = computeLevelPrices(source, [], dec('0.165'), DOGEUSDC);
    expect(out.levelPrices.map((p) => p.toFixed())).toEqual(['0.15', '0.16001', '0.17']);
    expect(out.anchorPrice.toFixed()).toBe('0.165');
    expect(out.grid).toBeUndefined();
    expect(out.audit).toMatchObject({
      source: 'manual',
      prices_given: '4',
      prices_off_tick_rounded: '2',
      levels: '3',
    });
  });
});

describe('computeLevelPrices: atr', () => {
  const source = levelSourceSchema.parse({ source: 'atr', candles: 50 });

  it('spreads the clamped level count over the ATR channel of the last `candles` bars', () => {
    const out = computeLevelPrices(source, candles, price, DOGEUSDC);
    const grid = out.grid!;
    expect(out.levelPrices).toHaveLength(Number(grid.levels_clamped));
    expect(out.levelPrices[0]!.toFixed()).toBe(dec(out.audit.lower!).toNearest(DOGEUSDC.tickSize).toFixed());
    expect(out.levelPrices.at(-1)!.toFixed()).toBe(
      dec(out.audit.upper!).toNearest(DOGEUSDC.tickSize).toFixed(),
    );
    expect(out.audit).toMatchObject({ source: 'atr', timeframe: '1h', candles_used: '50', atr_period: '14' });
    expect(grid.spacing).toBe(dec('0.0024').times(dec(out.audit.upper!)).toFixed());
  });

  it('with sizing, uses the count reduced for the exchange minimum and reports leverage and amount', () => {
    const brackets = leverageBracketsSchema.parse([
      { initialLeverage: 50, notionalCap: 10000, notionalFloor: 0, maintMarginRatio: 0.005 },
    ]);
    const out = computeLevelPrices(source, candles, price, DOGEUSDC, { usableBalance: dec('5'), brackets });
    expect(Number(out.grid!.levels)).toBeLessThan(Number(out.grid!.levels_clamped));
    expect(out.levelPrices).toHaveLength(Number(out.grid!.levels));
    expect(out.grid).toHaveProperty('leverage');
    expect(out.grid).toHaveProperty('amount_per_level');
    expect(
      reason(() =>
        computeLevelPrices(source, candles, price, DOGEUSDC, { usableBalance: dec('0.5'), brackets }),
      ),
    ).toBe('grid_infeasible');
  });

  it('fails with a reason on too few candles, minute candles or a channel below zero', () => {
    expect(reason(() => computeLevelPrices(source, candles.slice(0, 14), price, DOGEUSDC))).toBe(
      'not_enough_candles',
    );
    const minutes = candles.map((c, i) => ({ ...c, openTime: T0 + i * MINUTE }));
    expect(reason(() => computeLevelPrices(source, minutes, price, DOGEUSDC))).toBe('bad_candles');
    const wide = levelSourceSchema.parse({ source: 'atr', atr_multiplier: '1000' });
    expect(reason(() => computeLevelPrices(wide, candles, price, DOGEUSDC))).toBe('invalid_channel');
    expect(reason(() => computeLevelPrices(source, candles, dec('0'), DOGEUSDC))).toBe('bad_input');
  });
});

describe('computeLevelPrices: keyLevels', () => {
  it('returns the kept key levels around the price', () => {
    const source = levelSourceSchema.parse({ source: 'keyLevels', candles: 60, min_strength: 50 });
    const out = computeLevelPrices(source, candles, price, DOGEUSDC);
    expect(out.levelPrices.length).toBeGreaterThan(0);
    expect(out.audit).toMatchObject({ source: 'keyLevels', candles_used: '60', min_strength: '50' });
  });

  it('fails with no_levels when nothing passes the filters, and names the knobs', () => {
    const source = levelSourceSchema.parse({ source: 'keyLevels', min_strength: 100 });
    expect(() => computeLevelPrices(source, candles, price, DOGEUSDC)).toThrow(/lower min_strength/);
    expect(reason(() => computeLevelPrices(source, candles, price, DOGEUSDC))).toBe('no_levels');
  });
});

describe('the result fits a ParamsRecord', () => {
  it('round-trips through the params codec unchanged', () => {
    const out = computeLevelPrices(levelSourceSchema.parse({ source: 'atr' }), candles, price, DOGEUSDC);
    const record: ParamsRecord = { instanceId: 'dogeklg', version: 3, computedAt: T0, source: 'atr', ...out };
    const back = parseParams(paramsToJson(record));
    expect(back.levelPrices.map((p) => p.toFixed())).toEqual(out.levelPrices.map((p) => p.toFixed()));
    expect(back.anchorPrice.equals(out.anchorPrice)).toBe(true);
    expect(back.audit).toEqual(out.audit);
    expect(back.grid).toEqual(out.grid);
  });
});
