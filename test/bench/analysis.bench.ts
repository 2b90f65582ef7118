/**
 * `npm run bench -- analysis`: market analysis costs.
 *  - 3 months of 1-minute candles (129,600, a seeded random walk at BTC-like prices, since no real file
 *    spans 3 months) aggregated to 1h, then ATR(14) over all 2,160 hourly candles for each smoothing,
 *    key levels (defaults: last 500 bars; and all 2,160), and `computeLevelPrices` end to end.
 *  - The same on the longest real file (BTCUSDT 2025-05-04..06-24, 73,139 minutes).
 *  - Streaming ATR: updates per second, one candle at a time.
 * Figures are wall-clock on a shared machine: compare runs, do not assert on them.
 */

import {
  AtrStream,
  aggregateCandles,
  atr,
  computeLevelPrices,
  findKeyLevels,
} from '../../shared/domain/analysis/index.js';
import {
  keyLevelsSchema,
  levelSourceSchema,
  type Smoothing,
} from '../../shared/domain/config/level-source.js';
import { Decimal } from '../../shared/domain/money.js';
import type { Candle } from '../../shared/domain/orders.js';
import { symbolRules } from '../../shared/domain/symbol-rules.js';
import { loadCandles1m } from '../support/ohlcv-csv.js';
import type { Bench } from './run.js';
import { fmtMs, summarize } from './stats.js';

const MINUTE = 60_000;
const BTC = symbolRules({
  symbol: 'BTC/USDT:USDT',
  tickSize: '0.1',
  stepSize: '0.001',
  minQty: '0.001',
  minNotional: '100',
  contractSize: '1',
  makerFee: '0.0002',
  takerFee: '0.0005',
});

/** mulberry32: a small seeded PRNG, so every run benchmarks the same candles. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 1-minute candles of a random walk in ticks of 0.1 from 100,000, starting at a UTC midnight. */
function syntheticMinutes(count: number, stepMs = MINUTE): Candle[] {
  const rnd = prng(42);
  let price = 1_000_000; // in ticks
  const start = Date.UTC(2025, 0, 1);
  const tick = (t: number) => new Decimal(t).dividedBy(10);
  const out: Candle[] = [];
  for (let i = 0; i < count; i++) {
    const open = price;
    price = Math.max(10_000, price + Math.round((rnd() - 0.5) * 160));
    const high = Math.max(open, price) + Math.round(rnd() * 60);
    const low = Math.min(open, price) - Math.round(rnd() * 60);
    out.push({
      openTime: start + i * stepMs,
      open: tick(open),
      high: tick(high),
      low: tick(low),
      close: tick(price),
      volume: new Decimal(Math.round(rnd() * 50_000)).dividedBy(1000),
    });
  }
  return out;
}

function time<T>(runs: number, fn: () => T): { result: T; p50: number; p90: number } {
  const samples: number[] = [];
  let result!: T;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = fn();
    samples.push(performance.now() - t);
  }
  const s = summarize(samples);
  return { result, p50: s.p50, p90: s.p90 };
}

function row(label: string, r: { p50: number; p90: number }, extra = ''): void {
  console.log(
    `${label.padEnd(58)} p50 ${fmtMs(r.p50).padStart(10)}   p90 ${fmtMs(r.p90).padStart(10)}  ${extra}`,
  );
}

function analyse(title: string, minutes: readonly Candle[]): void {
  console.log(`\n${title}: ${minutes.length.toLocaleString('en')} one-minute candles`);
  const agg = time(5, () => aggregateCandles(minutes, '1h'));
  const hourly = agg.result;
  row('aggregate 1m → 1h', agg, `${hourly.length} hourly candles`);
  const smoothings: Smoothing[] = ['RMA', 'SMA', 'EMA', 'WMA'];
  for (const s of smoothings)
    row(
      `ATR(14) ${s} over all ${hourly.length} hourly candles`,
      time(20, () => atr(hourly, 14, s)),
    );
  const price = hourly[hourly.length - 1]!.close;
  const kl = time(10, () =>
    findKeyLevels(hourly, price, keyLevelsSchema.parse({ source: 'keyLevels' }), BTC.tickSize),
  );
  row('key levels, defaults (last 500 bars)', kl, `${kl.result.levels.length} levels`);
  const all = keyLevelsSchema.parse({ source: 'keyLevels', candles: 5000 });
  const klAll = time(5, () => findKeyLevels(hourly, price, all, BTC.tickSize));
  row(`key levels over all ${hourly.length} bars`, klAll, `${klAll.result.levels.length} levels`);
  const atrSource = levelSourceSchema.parse({ source: 'atr' });
  row(
    'computeLevelPrices atr (aggregated input)',
    time(20, () => computeLevelPrices(atrSource, hourly, price, BTC)),
  );
  const keySource = levelSourceSchema.parse({ source: 'keyLevels' });
  row(
    'computeLevelPrices keyLevels (aggregated input)',
    time(10, () => computeLevelPrices(keySource, hourly, price, BTC)),
  );
  row(
    'aggregate + ATR RMA + key levels, end to end',
    time(3, () => {
      const h = aggregateCandles(minutes, '1h');
      atr(h, 14, 'RMA');
      return findKeyLevels(h, price, keyLevelsSchema.parse({ source: 'keyLevels' }), BTC.tickSize);
    }),
  );
}

function streaming(): void {
  const candles = syntheticMinutes(200_000, 3_600_000);
  console.log(`\nstreaming ATR(14): ${candles.length.toLocaleString('en')} hourly candles, one update each`);
  for (const s of ['RMA', 'SMA', 'EMA', 'WMA'] as Smoothing[]) {
    const runs: number[] = [];
    for (let r = 0; r < 3; r++) {
      const stream = new AtrStream(14, s);
      const t = performance.now();
      for (const c of candles) stream.update(c);
      runs.push(performance.now() - t);
    }
    const best = Math.min(...runs);
    const perSec = Math.round(candles.length / (best / 1000));
    console.log(
      `${`AtrStream.update ${s}`.padEnd(58)} ${perSec.toLocaleString('en').padStart(10)} updates/s   (${fmtMs((best / candles.length) * 1000)} per 1000)`,
    );
  }
}

const bench: Bench = {
  name: 'market analysis: ATR, key levels, grid levels',
  async run() {
    analyse('3 months synthetic (seeded random walk, BTC-like)', syntheticMinutes(90 * 1440));
    const t = performance.now();
    const real = loadCandles1m('btc2025');
    console.log(`\n(parsed the real CSV in ${fmtMs(performance.now() - t)}: test support, not domain code)`);
    analyse('real BTCUSDT 2025-05-04..06-24', real);
    streaming();
  },
};

export default bench;
