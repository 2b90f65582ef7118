/**
 * Real Binance candles (all six files in ../shared/data/ohlcv_1m, aggregated to 1h by our
 * `aggregateCandles`, loaded once for this file): our ATR against implementations we did not write, key
 * levels with the default parameters, and `computeLevelPrices` end to end.
 *
 * ATR reference comparison, for every smoothing a reference supports:
 *
 *   smoothing | TA-Lib (talib-web, C → wasm) | trading-signals 8      | technicalindicators 3
 *   RMA       | ATR                          | WSMA over its TR       | ATR
 *   SMA       | MA(SMA) over TRANGE          | SMA over its TR        | SMA over TrueRange
 *   EMA       | MA(EMA) over TRANGE          | (not compared: seeds   | EMA over TrueRange
 *             |                              |  with the first value) |
 *   WMA       | MA(WMA) over TRANGE          | WMA over its TR        | WMA over TrueRange
 *
 * Conventions all three share with us (TA-Lib's): no true range for the first candle, the first ATR on
 * candle `period`, RMA/EMA seeded with the SMA of the first `period` true ranges. trading-signals gives the
 * first candle a true range of high − low, so its first TR is dropped before smoothing.
 *
 * Tolerance: |ours − reference| ≤ 1e-12 × reference. The references compute in float64, whose rounding
 * stays near 1e-15 relative here (measured ≤ 6e-15); any real difference in convention (seed, first bar,
 * α) shows up at 1e-4 or more.
 *
 * The native `talib` npm package (2.0.5) was tried first: it does not build here (its node-gyp link step
 * fails with "libta_abstract_csr.a: error adding symbols: archive has no index"), so TA-Lib comes from
 * `talib-web`, the same C code compiled to WebAssembly.
 */
import * as ti from 'technicalindicators';
import * as ts from 'trading-signals';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  aggregateCandles,
  atrSeries,
  computeLevelPrices,
  findKeyLevels,
  leverageBracketsSchema,
} from '../../../../shared/domain/analysis/index.js';
import {
  keyLevelsSchema,
  levelSourceSchema,
  type Smoothing,
} from '../../../../shared/domain/config/level-source.js';
import { type Decimal, dec } from '../../../../shared/domain/money.js';
import type { Candle } from '../../../../shared/domain/orders.js';
import { loadCandles1m, OHLCV_FILES, type OhlcvName } from '../../../support/ohlcv-csv.js';
import { initTalib, talib, talibOutput } from '../../../support/talib-web.js';
import { BTCUSDT, DOGEUSDC } from './exchange-rules.js';
import { expectInvariants } from './key-level-checks.js';

const PERIOD = 14;
const TOLERANCE = 1e-12;
const names = Object.keys(OHLCV_FILES) as OhlcvName[];
/** Contract tick sizes of the files' markets (SOURCES.md: every price in them is a multiple). */
const TICKS: Record<string, string> = { btc: '0.1', eth: '0.01', doge: '0.00001' };
const hourly = new Map<OhlcvName, Candle[]>();

beforeAll(async () => {
  await initTalib();
  for (const name of names) hourly.set(name, aggregateCandles(loadCandles1m(name), '1h'));
});

type Series = (number | undefined)[];

function ohlc(candles: readonly Candle[]) {
  return {
    high: candles.map((c) => c.high.toNumber()),
    low: candles.map((c) => c.low.toNumber()),
    close: candles.map((c) => c.close.toNumber()),
  };
}

/** Reference values indexed like the candles; `undefined` during the warm-up. */
function talibAtr(candles: readonly Candle[], smoothing: Smoothing): Series {
  const { high, low, close } = ohlc(candles);
  const n = candles.length;
  if (smoothing === 'RMA')
    return talibOutput(talib.ATR({ high, low, close, timePeriod: PERIOD }).output, n, PERIOD);
  const tr = talibOutput(talib.TRANGE({ high, low, close }).output, n, 1).slice(1) as number[];
  const maType = { SMA: talib.MAType.SMA, EMA: talib.MAType.EMA, WMA: talib.MAType.WMA }[smoothing];
  const ma = talibOutput(
    talib.MA({ inReal: tr, timePeriod: PERIOD, MAType: maType }).output,
    tr.length,
    PERIOD - 1,
  );
  return [undefined, ...ma];
}

function technicalIndicatorsAtr(candles: readonly Candle[], smoothing: Smoothing): Series {
  const input = ohlc(candles);
  const pad = (values: number[]): Series => [
    ...new Array(candles.length - values.length).fill(undefined),
    ...values,
  ];
  if (smoothing === 'RMA') return pad(ti.ATR.calculate({ ...input, period: PERIOD }));
  const tr = ti.TrueRange.calculate(input);
  const ma = { SMA: ti.SMA, EMA: ti.EMA, WMA: ti.WMA }[smoothing];
  return pad(ma.calculate({ values: tr, period: PERIOD }));
}

function tradingSignalsAtr(candles: readonly Candle[], smoothing: Exclude<Smoothing, 'EMA'>): Series {
  const tr = new ts.TR();
  const ma =
    smoothing === 'RMA' ? new ts.WSMA(PERIOD) : smoothing === 'SMA' ? new ts.SMA(PERIOD) : new ts.WMA(PERIOD);
  return candles.map((c, i) => {
    const range = tr.update(
      { high: c.high.toNumber(), low: c.low.toNumber(), close: c.close.toNumber() },
      false,
    );
    if (i === 0) return undefined; // trading-signals' first TR is high − low; ours has none.
    const value = ma.update(range as number, false);
    return value === null ? undefined : value;
  });
}

function expectSameSeries(ours: readonly (unknown | undefined)[], reference: Series): number {
  expect(reference).toHaveLength(ours.length);
  let compared = 0;
  let worst = 0;
  ours.forEach((o, i) => {
    const ref = reference[i];
    expect(o === undefined, `warm-up differs at candle ${i}`).toBe(ref === undefined);
    if (ref === undefined) return;
    const value = (o as { toNumber(): number }).toNumber();
    worst = Math.max(worst, Math.abs(value - ref) / ref);
    compared++;
  });
  expect(worst).toBeLessThanOrEqual(TOLERANCE);
  return compared;
}

describe('ATR(14) on real 1h candles matches independent implementations', () => {
  const smoothings: Smoothing[] = ['RMA', 'SMA', 'EMA', 'WMA'];
  for (const name of names) {
    for (const smoothing of smoothings) {
      it(`${name} ${smoothing} matches TA-Lib and technicalindicators${smoothing === 'EMA' ? '' : ' and trading-signals'}`, () => {
        const candles = hourly.get(name)!;
        const ours = atrSeries(candles, PERIOD, smoothing);
        const compared = expectSameSeries(ours, talibAtr(candles, smoothing));
        expect(compared).toBe(candles.length - PERIOD);
        expectSameSeries(ours, technicalIndicatorsAtr(candles, smoothing));
        if (smoothing !== 'EMA') expectSameSeries(ours, tradingSignalsAtr(candles, smoothing));
      });
    }
  }

  it('covers every file with at least 700 hourly candles', () => {
    for (const name of names) expect(hourly.get(name)!.length).toBeGreaterThanOrEqual(700);
  });
});

describe('findKeyLevels on real 1h candles with the default parameters', () => {
  for (const name of names) {
    const tick = TICKS[name.slice(0, -4)]!;
    it(`${name}: levels at the end of the data bracket the price and stay within 30% of it`, () => {
      const candles = hourly.get(name)!;
      const price = candles[candles.length - 1]!.close;
      const params = keyLevelsSchema.parse({ source: 'keyLevels' });
      const { levels } = findKeyLevels(candles, price, params, dec(tick));
      expect(levels.some((l) => l.price.lessThan(price))).toBe(true);
      expect(levels.some((l) => l.price.greaterThan(price))).toBe(true);
      expect(levels.length).toBeLessThanOrEqual(30);
      expectInvariants(levels, params.merge_tolerance_pct, dec(tick));
      const window = candles.slice(-params.candles);
      const low = window.reduce((m, c) => (c.low.lessThan(m) ? c.low : m), window[0]!.low);
      const high = window.reduce((m, c) => (c.high.greaterThan(m) ? c.high : m), window[0]!.high);
      for (const l of levels) {
        expect(l.price.minus(price).abs().lessThanOrEqualTo(price.times('0.3'))).toBe(true);
        expect(l.strength).toBeGreaterThanOrEqual(80);
        // Not absurd: inside the traded range widened by the largest Fibonacci extension.
        expect(l.price.greaterThanOrEqualTo(low.minus(high.minus(low).times('0.618')))).toBe(true);
        expect(l.price.lessThanOrEqualTo(high.plus(high.minus(low).times('0.618')))).toBe(true);
      }
    });
  }

  it('btc2025, recomputed every 24 hours: brackets the price at most points and never leaves the filter distance', () => {
    const candles = hourly.get('btc2025')!;
    const params = keyLevelsSchema.parse({ source: 'keyLevels' });
    let bracketed = 0;
    let points = 0;
    for (let end = 200; end <= candles.length; end += 24) {
      const window = candles.slice(0, end);
      const price = window[window.length - 1]!.close;
      const { levels } = findKeyLevels(window, price, params, dec('0.1'));
      points++;
      if (levels.some((l) => l.price.lessThan(price)) && levels.some((l) => l.price.greaterThan(price)))
        bracketed++;
      for (const l of levels)
        expect(l.price.minus(price).abs().lessThanOrEqualTo(price.times('0.3'))).toBe(true);
    }
    // A fresh high or low in a trend has nothing beyond it yet; that happens at a few points in this file.
    expect(points).toBeGreaterThan(40);
    expect(bracketed / points).toBeGreaterThanOrEqual(0.85); // 38 of 43 points when written
  });
});

describe('computeLevelPrices on real candles', () => {
  it('atr source on DOGE 1h candles with DOGEUSDC rules: levels on the tick spanning the channel', () => {
    const candles = hourly.get('doge2025')!;
    const price = candles[candles.length - 1]!.close;
    const source = levelSourceSchema.parse({ source: 'atr' });
    const out = computeLevelPrices(source, candles, price, DOGEUSDC);
    const upper = dec(out.audit.upper!);
    const lower = dec(out.audit.lower!);
    expect(lower.lessThan(price) && upper.greaterThan(price)).toBe(true);
    expect(out.levelPrices.length).toBe(Number(out.grid!.levels));
    expect(out.levelPrices.length).toBeGreaterThanOrEqual(4);
    expect(out.levelPrices.length).toBeLessThanOrEqual(100);
    expectAscendingOnTick(out.levelPrices, DOGEUSDC.tickSize);
    expect(out.levelPrices[0]!.minus(lower).abs().lessThanOrEqualTo(DOGEUSDC.tickSize)).toBe(true);
    expect(out.audit.candles_used).toBe('200');
  });

  it('atr source with sizing on BTC 1h candles with BTCUSDT rules: every level clears the 100 USDT minimum', () => {
    const candles = hourly.get('btc2025')!;
    const price = candles[candles.length - 1]!.close;
    const brackets = leverageBracketsSchema.parse([
      { initialLeverage: 125, notionalCap: 300000, notionalFloor: 0, maintMarginRatio: 0.004 },
    ]);
    const source = levelSourceSchema.parse({ source: 'atr' });
    const out = computeLevelPrices(source, candles, price, BTCUSDT, { usableBalance: dec('2000'), brackets });
    const amount = dec(out.grid!.amount_per_level!);
    for (const p of out.levelPrices) expect(p.times(amount).greaterThanOrEqualTo(100)).toBe(true);
    expect(out.levelPrices.length).toBe(Number(out.grid!.levels));
    expect(Number(out.grid!.levels)).toBeLessThanOrEqual(Number(out.grid!.levels_clamped));
  });

  it('keyLevels source gives the levels of findKeyLevels, with strengths in the audit', () => {
    const candles = hourly.get('eth2025')!;
    const price = candles[candles.length - 1]!.close;
    const source = levelSourceSchema.parse({ source: 'keyLevels' });
    const out = computeLevelPrices(source, candles, price, { ...BTCUSDT, tickSize: dec('0.01') });
    const direct = findKeyLevels(candles, price, keyLevelsSchema.parse({ source: 'keyLevels' }), dec('0.01'));
    expect(out.levelPrices.map((p) => p.toFixed())).toEqual(direct.levels.map((l) => l.price.toFixed()));
    expect(out.audit.strengths).toContain(':');
    expect(out.anchorPrice.equals(price)).toBe(true);
  });
});

function expectAscendingOnTick(prices: readonly Decimal[], tick: Decimal) {
  prices.forEach((p, i) => {
    expect(p.modulo(tick).isZero()).toBe(true);
    if (i > 0) expect(p.greaterThan(prices[i - 1]!)).toBe(true);
  });
}
