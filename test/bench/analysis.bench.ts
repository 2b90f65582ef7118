/**
 * `npm run bench -- analysis`: market analysis costs.
 *  - 3 months of 1-minute candles (129,600, a seeded random walk at BTC-like prices, since no real file
 *    spans 3 months) aggregated to 1h, then ATR(14) over all 2,160 hourly candles for each smoothing,
 *    key levels (defaults: last 500 bars; and all 2,160), and `computeLevelPrices` end to end.
 *  - The same on the longest real file (BTCUSDT 2025-05-04..06-24, 73,139 minutes).
 *  - Streaming ATR: one update per candle, a latency figure through stats.ts (warm-up, then 10,000 samples,
 *    p50 / p99 / max), and updates per second over a whole series.
 * The batch figures (a whole series at once, the way the hourly recompute runs) are throughput lines: a
 * mean over a few runs and candles per second, not latency percentiles. Figures are wall-clock on a
 * shared machine: compare runs, do not assert on them.
 */
import { performance } from 'node:perf_hooks';

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
import { type Budget, fmtMs, measureThroughput, sampleLatency } from './stats.js';

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

/** A batch figure: `runs` timed runs after one untimed; the rate counts `items` per run. */
async function batch<T>(label: string, runs: number, items: number, fn: () => T): Promise<T> {
  let result!: T;
  await measureThroughput(
    label,
    () => {
      result = fn();
    },
    { runs, items, unit: 'candles' },
  );
  return result;
}

async function analyse(title: string, minutes: readonly Candle[]): Promise<void> {
  console.log(`\n${title}: ${minutes.length.toLocaleString('en')} one-minute candles`);
  const hourly = await batch('aggregate 1m → 1h', 5, minutes.length, () => aggregateCandles(minutes, '1h'));
  console.log(`    (${hourly.length} hourly candles)`);
  const smoothings: Smoothing[] = ['RMA', 'SMA', 'EMA', 'WMA'];
  for (const s of smoothings)
    await batch(`ATR(14) ${s} over all hourly candles`, 20, hourly.length, () => atr(hourly, 14, s));
  const price = hourly[hourly.length - 1]!.close;
  const kl = await batch('key levels, defaults (last 500 bars)', 10, Math.min(500, hourly.length), () =>
    findKeyLevels(hourly, price, keyLevelsSchema.parse({ source: 'keyLevels' }), BTC.tickSize),
  );
  console.log(`    (${kl.levels.length} levels)`);
  const all = keyLevelsSchema.parse({ source: 'keyLevels', candles: 5000 });
  const klAll = await batch('key levels over all hourly candles', 5, hourly.length, () =>
    findKeyLevels(hourly, price, all, BTC.tickSize),
  );
  console.log(`    (${klAll.levels.length} levels)`);
  const atrSource = levelSourceSchema.parse({ source: 'atr' });
  await batch('computeLevelPrices atr (aggregated input)', 20, hourly.length, () =>
    computeLevelPrices(atrSource, hourly, price, BTC),
  );
  const keySource = levelSourceSchema.parse({ source: 'keyLevels' });
  await batch('computeLevelPrices keyLevels (aggregated input)', 10, hourly.length, () =>
    computeLevelPrices(keySource, hourly, price, BTC),
  );
  await batch('aggregate + ATR RMA + key levels, end to end', 3, minutes.length, () => {
    const h = aggregateCandles(minutes, '1h');
    atr(h, 14, 'RMA');
    return findKeyLevels(h, price, keyLevelsSchema.parse({ source: 'keyLevels' }), BTC.tickSize);
  });
}

// No document names a figure for a streaming ATR update. Measured on this 2-core shared machine
// (n = 10,000 each): p50 2–3 µs, p99 16–19 µs, every smoothing. The budget keeps 2–3× headroom, to catch
// regressions.
const ATR_UPDATE: Budget = { p99Ms: 0.05, source: 'measured figures, ~2x headroom' };

async function streaming(): Promise<void> {
  const candles = syntheticMinutes(200_000, 3_600_000);
  console.log(`\nstreaming ATR(14): ${candles.length.toLocaleString('en')} hourly candles, one update each`);
  for (const s of ['RMA', 'SMA', 'EMA', 'WMA'] as Smoothing[]) {
    let stream = new AtrStream(14, s);
    let at = 0;
    await sampleLatency(
      { update: { label: `AtrStream.update ${s}, one candle`, budget: ATR_UPDATE } },
      (record) => {
        if (at === candles.length) {
          stream = new AtrStream(14, s);
          at = 0;
        }
        const c = candles[at++]!;
        const t0 = performance.now();
        stream.update(c);
        record('update', performance.now() - t0);
      },
      { samples: 10_000 },
    );
    await measureThroughput(
      `AtrStream.update ${s}, the whole series`,
      () => {
        const whole = new AtrStream(14, s);
        for (const c of candles) whole.update(c);
      },
      { runs: 3, items: candles.length, unit: 'updates' },
    );
  }
}

const bench: Bench = {
  name: 'market analysis: ATR, key levels, grid levels',
  async run() {
    await analyse('3 months synthetic (seeded random walk, BTC-like)', syntheticMinutes(90 * 1440));
    const t = performance.now();
    const real = loadCandles1m('btc2025');
    console.log(`\n(parsed the real CSV in ${fmtMs(performance.now() - t)}: test support, not domain code)`);
    await analyse('real BTCUSDT 2025-05-04..06-24', real);
    await streaming();
  },
};

export default bench;
