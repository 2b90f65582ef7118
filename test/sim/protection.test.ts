/**
 * Money safety on real candles through `gridbot sim` (runSimulation: the production services on the paper
 * exchange): a gap down through the lowest level, and a large grid unit on a small balance. Every run is
 * judged by the simulator's own event checks (a holding without a covering stop for over a minute, a
 * liquidation, more than 24 warning/critical alerts a day, fills outside their candle).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../shared/composition/sim.js';
import type { DeploymentConfig } from '../../shared/domain/config/deployment.js';
import type { TradingEvent } from '../../shared/ports/events.js';
import { HOUR, ohlcv, readEvents, repoRoot, simConfig, tempDir } from '../support/sim.js';

const DOGE = ohlcv('binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv');
const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});

async function sim(config: DeploymentConfig, from: string, hours: number) {
  const dir = tempDir();
  dirs.push(dir);
  const start = Date.parse(from);
  const result = await runSimulation({
    config: { config, dir: repoRoot },
    candles: { 'DOGE/USDT:USDT': DOGE },
    from: start,
    to: start + hours * HOUR,
    store: 'memory',
    outDir: dir.path,
  });
  const events = readEvents(join(dir.path, 'events.jsonl'));
  return { result, events };
}

const alerts = (events: TradingEvent[], code: string) =>
  events.filter((e) => e.type === 'alert' && e.code === code);

describe('protection on real candles', () => {
  it('when a one-minute drop (5 June 2025, 19:17 UTC) fills the lowest buys and closes under the stop trigger, then the position is closed at once', async () => {
    // The candle opens at 0.17664 and closes at 0.17232; the stop of the lowest level 0.174 would sit at
    // 0.17313, already above the price when the fills are known.
    const config = simConfig(
      {
        symbol: 'DOGE/USDT:USDT',
        levels: { source: 'manual', prices: ['0.174', '0.175', '0.176', '0.182', '0.184'] },
        base_amount_per_grid: '1000',
      },
      { balances: { main: { USDT: 5000 } } },
    );
    const { result, events } = await sim(config, '2025-06-05T18:00:00Z', 3);
    expect(result.summary.violations).toEqual([]);
    expect(result.summary.jobFailures).toEqual([]);
    const buys = events.filter((e) => e.type === 'fill' && e.side === 'buy');
    expect(buys.length).toBeGreaterThanOrEqual(1);
    expect(alerts(events, 'position_closed')).not.toEqual([]);
    const close = events.find((e) => e.type === 'order_placed' && e.reason?.startsWith('protective close'));
    expect(close).toBeDefined();
    // Closed within the minute the drop became known; flat afterwards, no liquidation.
    const firstBuy = buys[0]!;
    expect(close!.ts - firstBuy.ts).toBeLessThan(60_000);
    const lastFill = events.filter((e) => e.type === 'fill').at(-1)!;
    expect(lastFill.holdings).toBe('0');
    const inst = result.summary.instances[0]!;
    expect(inst.fills.protectiveClose).toBeGreaterThanOrEqual(1);
    expect(inst.fills.liquidation).toBe(0);
    expect(inst.paused).toBe(true);
    expect(result.html).toContain('stop-loss / protective-close / liquidation fills');
    expect(events.some((e) => e.reason === 'liquidation')).toBe(false);
  });

  it('when the grid unit is large for the balance, then buys stop at what the margin carries: no liquidation, one alert', async () => {
    // 10 levels of 3000 DOGE (≈ 510 USDT each) on 600 USDT: without the guard the grid buys ~8× the balance
    // into the June 2025 sell-off.
    const config = simConfig(
      {
        symbol: 'DOGE/USDT:USDT',
        levels: {
          source: 'manual',
          prices: ['0.15', '0.155', '0.16', '0.165', '0.17', '0.175', '0.18', '0.185', '0.19', '0.195'],
        },
        base_amount_per_grid: '3000',
        risk: { stop_liquidation_gap_pct: '0.02' },
      },
      { balances: { main: { USDT: 600 } } },
    );
    const { result, events } = await sim(config, '2025-06-05T00:00:00Z', 48);
    expect(result.summary.violations).toEqual([]);
    expect(result.summary.jobFailures).toEqual([]);
    expect(events.some((e) => e.reason === 'liquidation')).toBe(false);
    const refused = alerts(events, 'pre_trade_margin');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    // Once per episode, not once per order per pass.
    expect(refused.length).toBeLessThanOrEqual(3);
    const warnings = events.filter((e) => e.type === 'alert' && e.severity !== 'info');
    expect(warnings.length).toBeLessThanOrEqual(24 * 2);
  });

  it('refuses at start a config that cannot work: a unit off the step, or one unit beyond what the balance carries', async () => {
    const config = (unit: string, balance: number) =>
      simConfig(
        {
          symbol: 'DOGE/USDT:USDT',
          levels: { source: 'manual', prices: ['0.17', '0.175', '0.18'] },
          base_amount_per_grid: unit,
        },
        { balances: { main: { USDT: balance } } },
      );
    await expect(sim(config('100.5', 5000), '2025-06-05T18:00:00Z', 1)).rejects.toThrow(
      /base_amount_per_grid: 100.5 is not a multiple of the exchange step 1 .*use 100 or 101/,
    );
    await expect(sim(config('20000', 10), '2025-06-05T18:00:00Z', 1)).rejects.toThrow(
      /base_amount_per_grid: one grid unit .* exceeds the balance 10 × leverage/,
    );
  });
});
