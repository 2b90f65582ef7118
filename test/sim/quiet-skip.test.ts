/**
 * Quiet stretches (`application/sim/quiet-skip.ts`): the same replay with quiet stretches cut short and
 * with every pass run (`exact`) writes the same `events.jsonl` and the same summary, on real months chosen
 * to cross what ends a stretch: fills both ways, level crossings, funding on a held position, hourly ATR
 * recomputes and rebuilds, a 30-second recon, a risk breach that hands the position to the closer; and it
 * skips nothing where it must not (two grids sharing an account).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimulation, type SimResult } from '../../shared/composition/sim.js';
import type { DeploymentConfig } from '../../shared/domain/config/deployment.js';
import { DAY, levelsBetween, ohlcv, repoRoot, sharedData, simConfig } from '../support/sim.js';

async function both(
  config: DeploymentConfig,
  candles: Record<string, string>,
  from: string,
  days: number,
  funding?: Record<string, string>,
): Promise<{ fast: SimResult; exact: SimResult }> {
  const start = Date.parse(from);
  const run = (exact: boolean) =>
    runSimulation({
      config: { config, dir: repoRoot },
      candles,
      ...(funding ? { funding } : {}),
      from: start,
      to: start + days * DAY,
      store: 'memory',
      report: false,
      exact,
    });
  return { fast: await run(false), exact: await run(true) };
}

function expectSame(r: { fast: SimResult; exact: SimResult }): void {
  expect(r.fast.eventsJsonl).toBe(r.exact.eventsJsonl);
  expect(r.fast.summary).toEqual(r.exact.summary);
  expect(r.exact.timings.reconSkipped).toBe(0);
  expect(r.exact.timings.quietCandles).toBe(0);
}

const CSV = {
  BTC: 'binance_usdm_BTCUSDT_1m_2023-07-18_2023-08-17.csv',
  DOGE: 'binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv',
  ETH: 'binance_usdm_ETHUSDT_1m_2025-05-04_2025-06-24.csv',
} as const;

/** One grid on account `main` (with `balance` of its quote), replayed both ways over `days` from `from`. */
function oneGrid(
  instance: Parameters<typeof simConfig>[0],
  balance: string,
  csv: keyof typeof CSV,
  from: string,
  days: number,
  funding?: string,
): Promise<{ fast: SimResult; exact: SimResult }> {
  const config = simConfig(instance, { balances: { main: { USDT: balance } } });
  const symbol = instance.symbol;
  return both(
    config,
    { [symbol]: ohlcv(CSV[csv]) },
    from,
    days,
    funding ? { [symbol]: join(sharedData, 'funding', funding) } : undefined,
  );
}

describe('quiet stretches cut short', () => {
  it('a resting grid in a range (BTCUSDT, July 2023): most passes and candles skipped, the same events', async () => {
    const r = await oneGrid(
      {
        symbol: 'BTC/USDT:USDT',
        levels: { source: 'manual', prices: levelsBetween(29_000, 30_800, 0.004, 1) },
        base_amount_per_grid: '0.01',
      },
      '20000',
      'BTC',
      '2023-07-19T00:00:00Z',
      2,
    );
    expectSame(r);
    const s = r.fast.summary.instances[0]!;
    expect(s.fills.buys).toBeGreaterThan(3);
    expect(s.fills.sells).toBeGreaterThan(1);
    const passes = r.fast.summary.jobs.recon;
    expect(r.fast.timings.reconSkipped).toBeGreaterThan(passes / 2);
    expect(r.fast.timings.quietCandles).toBeGreaterThan(r.fast.timings.steps / 3);
  });

  it('a quote-sized grid paying funding with a 30-second recon and a stop, in a sell-off (DOGEUSDT, June 2025)', async () => {
    const r = await oneGrid(
      {
        symbol: 'DOGE/USDT:USDT',
        levels: { source: 'manual', prices: levelsBetween(0.14, 0.18, 0.01, 5) },
        quote_amount_per_grid: '50',
        recon_interval_sec: 30,
        stop_loss: { mode: 'avg_entry', avg_entry_pct: '0.06' },
      },
      '10000',
      'DOGE',
      '2025-06-20T00:00:00Z',
      1.5,
      'binance_usdm_DOGEUSDT_funding_8h_2025-05-25_2025-06-24.csv',
    );
    expectSame(r);
    expect(r.fast.summary.instances[0]!.fills.buys).toBeGreaterThan(2);
    expect(r.fast.timings.reconSkipped).toBeGreaterThan(0);
  });

  it('ATR levels recomputed hourly and rebuilt as price drifts (ETHUSDT, May 2025)', async () => {
    const r = await oneGrid(
      {
        symbol: 'ETH/USDT:USDT',
        levels: { source: 'atr', timeframe: '15m', candles: 100, atr_multiplier: '3', max_levels: 30 },
        base_amount_per_grid: '0.05',
        rebuild: { drift_enabled: true, rebuild_threshold_pct: '0.03', rebuild_cooldown_sec: 3600 },
      },
      '20000',
      'ETH',
      '2025-05-07T12:00:00Z',
      1.5,
    );
    expectSame(r);
    expect(r.fast.summary.instances[0]!.alerts.rebuild ?? 0).toBeGreaterThan(0);
    expect(r.fast.timings.reconSkipped).toBeGreaterThan(0);
  });

  it('a risk breach that hands the position to the closer ends skipping for the rest of the run', async () => {
    const r = await oneGrid(
      {
        symbol: 'DOGE/USDT:USDT',
        levels: { source: 'manual', prices: levelsBetween(0.15, 0.18, 0.008, 5) },
        base_amount_per_grid: '2000',
        risk: { max_drawdown_pct: '0.004', on_breach: 'flatten' },
      },
      '10000',
      'DOGE',
      '2025-06-20T00:00:00Z',
      1,
    );
    expectSame(r);
    const events = r.fast.eventsJsonl;
    expect(events).toContain('"code":"risk_breach"');
    expect(events).toContain('flatten (emergency)');
    // Skipping ran before the breach, and not after it: no more passes skipped than there were before it.
    const breachAt = JSON.parse(events.split('\n').find((l) => l.includes('"code":"risk_breach"'))!).ts;
    const passesBefore = Math.floor((breachAt - Date.parse('2025-06-20T00:00:00Z')) / 60_000) + 1;
    expect(r.fast.timings.reconSkipped).toBeGreaterThan(0);
    expect(r.fast.timings.reconSkipped).toBeLessThanOrEqual(passesBefore);
    expect(passesBefore).toBeLessThan(r.fast.summary.jobs.recon);
  });

  it('two grids on one account are never skipped (each reads the other’s stored exposure)', async () => {
    const config = simConfig(
      {
        symbol: 'BTC/USDT:USDT',
        levels: { source: 'manual', prices: levelsBetween(29_000, 30_800, 0.004, 1) },
        base_amount_per_grid: '0.01',
      },
      { balances: { main: { USDT: '40000' } } },
      [
        {
          symbol: 'ETH/USDT:USDT',
          levels: { source: 'manual', prices: levelsBetween(1_800, 2_000, 0.004, 2) },
          base_amount_per_grid: '0.1',
        },
      ],
    );
    const r = await both(
      config,
      {
        'BTC/USDT:USDT': ohlcv(CSV.BTC),
        'ETH/USDT:USDT': ohlcv('binance_usdm_ETHUSDT_1m_2023-07-03_2023-08-17.csv'),
      },
      '2023-07-19T00:00:00Z',
      0.5,
    );
    expectSame(r);
    expect(r.fast.timings.reconSkipped).toBe(0);
    expect(r.fast.timings.quietCandles).toBe(0);
  });
});
