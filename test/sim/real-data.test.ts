/**
 * Replays of real Binance USD-M candles (`../shared/data/ohlcv_1m`) through the production services, one
 * window per market regime, asserting the grid's promises on the `events.jsonl` each run writes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimulation, type SimResult } from '../../shared/composition/sim.js';
import type { DeploymentConfig } from '../../shared/domain/config/deployment.js';
import { dec } from '../../shared/domain/money.js';
import { checkEventLog } from '../../shared/domain/sim/event-checks.js';
import type { TradingEvent } from '../../shared/ports/events.js';
import {
  DAY,
  levelsBetween,
  ohlcv,
  readEvents,
  repoRoot,
  sharedData,
  simConfig,
  tempDir,
} from '../support/sim.js';
import { asKlgConfig } from '../support/strategies/klg/state.js';

const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});

/** Candle ranges straight from the CSV text: open time → [low, high]. */
function candleRanges(file: string): Map<number, [string, string]> {
  const out = new Map<number, [string, string]>();
  for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
    const [t, , h, l] = line.split(',');
    if (t && h && l) out.set(Number(t), [l, h]);
  }
  return out;
}

async function replay(
  config: DeploymentConfig,
  csv: string,
  from: string,
  days: number,
  extra: { funding?: Record<string, string> } = {},
): Promise<{ result: SimResult; events: TradingEvent[] }> {
  const dir = tempDir();
  dirs.push(dir);
  const symbol = asKlgConfig(config.instances[0]).symbol;
  const start = Date.parse(from);
  const result = await runSimulation({
    config: { config, dir: repoRoot },
    candles: { [symbol]: csv },
    ...extra,
    from: start,
    to: start + days * DAY,
    store: 'memory',
    outDir: dir.path,
  });
  return { result, events: readEvents(join(dir.path, 'events.jsonl')) };
}

/** The spec's invariants on one run's event log, plus the books agreeing with the exchange. */
function assertPromisesKept(run: { result: SimResult; events: TradingEvent[] }, csv: string): void {
  const { result, events } = run;
  const config = asKlgConfig(result.plan.instances[0]);
  const rules = result.summary.symbols[config.symbol] as { tickSize: string; stepSize: string };
  const feed = result.plan.feeds[0]!;
  expect(
    checkEventLog(events, {
      sellGuard: {
        minProfitPct: config.min_profit_pct,
        sellQuotaRatio: config.sell_quota_ratio,
        baseAmountPerGrid: config.base_amount_per_grid ?? null,
      },
      tickSize: dec(rules.tickSize),
      stepSize: dec(rules.stepSize),
      candles: feed.candles,
    }),
  ).toEqual([]);
  expect(result.summary.violations).toEqual([]);
  expect(result.summary.jobFailures).toEqual([]);

  // Independently of the checker: every fill lies inside the candle it is stamped in (openTime ≤ ts < close).
  const ranges = candleRanges(csv);
  for (const f of events.filter((e) => e.type === 'fill')) {
    const minute = Math.floor(f.ts / 60_000) * 60_000;
    const [low, high] = ranges.get(minute)!;
    expect(dec(f.price!).greaterThanOrEqualTo(low) && dec(f.price!).lessThanOrEqualTo(high)).toBe(true);
  }
  // Final holdings = bought − sold, on the grid's ledger and on the exchange.
  const s = result.summary.instances[0]!;
  let net = dec(0);
  for (const f of events.filter((e) => e.type === 'fill'))
    net = f.side === 'buy' ? net.plus(f.qty!) : net.minus(f.qty!);
  expect(s.holdings).toBe(net.toFixed());
  expect(s.exchangePosition).toBe(net.toFixed());
}

describe('real candles through the production code', () => {
  it('in a range (BTCUSDT, July 2023): buys and sells around the levels, every promise kept', async () => {
    const csv = ohlcv('binance_usdm_BTCUSDT_1m_2023-07-18_2023-08-17.csv');
    const config = simConfig(
      {
        symbol: 'BTC/USDT:USDT',
        levels: { source: 'manual', prices: levelsBetween(29_000, 30_800, 0.002, 1) },
        base_amount_per_grid: '0.01',
      },
      { balances: { main: { USDT: '20000' } } },
    );
    const run = await replay(config, csv, '2023-07-19T00:00:00Z', 2.5);
    const s = run.result.summary.instances[0]!;
    expect(s.fills.buys).toBeGreaterThan(10);
    expect(s.fills.sells).toBeGreaterThan(4);
    assertPromisesKept(run, csv);
    // Most passes of a resting grid change nothing but their time and price: not written.
    const passes = run.result.summary.jobs.recon;
    expect(run.result.timings.reconQuiet).toBeGreaterThan(passes / 2);
    expect(run.result.timings.reconQuiet).toBeLessThan(passes);
  });

  it('in a trend (ETHUSDT, May 2025, +30%): ATR levels recomputed and rebuilt as price drifts, every promise kept', async () => {
    const csv = ohlcv('binance_usdm_ETHUSDT_1m_2025-05-04_2025-06-24.csv');
    const config = simConfig(
      {
        symbol: 'ETH/USDT:USDT',
        levels: { source: 'atr', timeframe: '15m', candles: 100, atr_multiplier: '3', max_levels: 30 },
        base_amount_per_grid: '0.05',
        rebuild: { drift_enabled: true, rebuild_threshold_pct: '0.03', rebuild_cooldown_sec: 3600 },
        stop_loss: { mode: 'avg_entry', avg_entry_pct: '0.08' },
      },
      { balances: { main: { USDT: '20000' } } },
    );
    const run = await replay(config, csv, '2025-05-07T12:00:00Z', 2.5);
    const s = run.result.summary.instances[0]!;
    expect(run.result.summary.market.historyCandles['ETH/USDT:USDT']).toBeGreaterThan(100 * 15);
    expect(s.alerts.rebuild ?? 0).toBeGreaterThan(0);
    expect(s.fills.count).toBeGreaterThan(3);
    assertPromisesKept(run, csv);
  });

  it('sized in quote currency (ETHUSDT trend, 150 USDT per grid): each grid buys 150 USDT at the price its grid was laid out at, every promise kept', async () => {
    const csv = ohlcv('binance_usdm_ETHUSDT_1m_2025-05-04_2025-06-24.csv');
    const config = simConfig(
      {
        symbol: 'ETH/USDT:USDT',
        levels: { source: 'atr', timeframe: '15m', candles: 100, atr_multiplier: '3', max_levels: 30 },
        quote_amount_per_grid: '150',
        rebuild: { drift_enabled: true, rebuild_threshold_pct: '0.03', rebuild_cooldown_sec: 3600 },
        stop_loss: { mode: 'avg_entry', avg_entry_pct: '0.08' },
      },
      { balances: { main: { USDT: '20000' } } },
    );
    const from = '2025-05-07T12:00:00Z';
    const run = await replay(config, csv, from, 2.5);
    const s = run.result.summary.instances[0]!;
    expect(s.alerts.rebuild ?? 0).toBeGreaterThan(0);
    expect(s.fills.buys).toBeGreaterThan(3);
    assertPromisesKept(run, csv);
    // Every buy is 150 USDT in ETH at a price the market traded in the window, rounded down to the 0.001 step.
    const ranges = [...candleRanges(csv).entries()].filter(
      ([t]) => t >= Date.parse(from) - DAY && t < Date.parse(from) + 2.5 * DAY,
    );
    const low = ranges.reduce((m, [, [l]]) => (dec(l).lessThan(m) ? dec(l) : m), dec(ranges[0]![1][0]));
    const high = ranges.reduce((m, [, [, h]]) => (dec(h).greaterThan(m) ? dec(h) : m), dec(ranges[0]![1][1]));
    const buys = run.events.filter((e) => e.type === 'order_placed' && e.side === 'buy');
    expect(buys.length).toBeGreaterThan(3);
    for (const b of buys) {
      const qty = dec(b.qty!);
      expect(qty.greaterThanOrEqualTo(dec(150).dividedBy(high).toDecimalPlaces(3, 1))).toBe(true);
      expect(qty.lessThanOrEqualTo(dec(150).dividedBy(low).toDecimalPlaces(3, 1))).toBe(true);
    }
    // One unit per grid life: no more distinct buy sizes than grids laid out (the first and each rebuild).
    expect(new Set(buys.map((b) => b.qty)).size).toBeLessThanOrEqual(1 + (s.alerts.rebuild ?? 0));
  });

  it('in a sell-off (DOGEUSDT, June 2025, −12%): buys down the grid, pays funding, every promise kept', async () => {
    const csv = ohlcv('binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv');
    const funding = join(sharedData, 'funding/binance_usdm_DOGEUSDT_funding_8h_2025-05-25_2025-06-24.csv');
    const config = simConfig(
      {
        symbol: 'DOGE/USDT:USDT',
        levels: { source: 'manual', prices: levelsBetween(0.14, 0.18, 0.01, 5) },
        base_amount_per_grid: '300',
      },
      { balances: { main: { USDT: '10000' } } },
    );
    const run = await replay(config, csv, '2025-06-20T00:00:00Z', 2.5, {
      funding: { 'DOGE/USDT:USDT': funding },
    });
    const s = run.result.summary.instances[0]!;
    expect(s.fills.buys).toBeGreaterThan(5);
    expect(s.funding.modelled && dec(s.funding.total).isZero()).toBe(false);
    expect(dec(s.unrealizedPnl).isNegative()).toBe(true);
    assertPromisesKept(run, csv);
  });

  it('gives the same events.jsonl on the embedded DynamoDB as on the memory store (DOGEUSDT, 5 June 2025)', async () => {
    const csv = ohlcv('binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv');
    const config = simConfig(
      {
        symbol: 'DOGE/USDT:USDT',
        levels: { source: 'manual', prices: levelsBetween(0.17, 0.195, 0.005, 5) },
        base_amount_per_grid: '300',
      },
      { balances: { main: { USDT: '10000' } } },
    );
    const from = Date.parse('2025-06-05T15:00:00Z');
    const run = (store: 'memory' | 'dynamo') =>
      runSimulation({
        config: { config, dir: repoRoot },
        candles: { 'DOGE/USDT:USDT': csv },
        from,
        to: from + 3 * 3_600_000,
        store,
      });
    const memory = await run('memory');
    const dynamo = await run('dynamo');
    expect(memory.summary.instances[0]!.fills.count).toBeGreaterThan(3);
    expect(dynamo.eventsJsonl).toBe(memory.eventsJsonl);
  }, 120_000);
});
