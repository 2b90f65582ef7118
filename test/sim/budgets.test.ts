/**
 * Capital budgets in a replay (issue 15): two grids on one account through the production code path and
 * the paper exchange, on real candles of the June 2025 sell-off. The DOGE grid declares a small budget:
 * it buys until the margin its position and live buys use reaches it, then its further buys are denied
 * (one alert), while the ETH grid on the same account, with no budget, keeps trading.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../shared/composition/sim.js';
import { dec } from '../../shared/domain/money.js';
import { DAY, levelsBetween, ohlcv, readEvents, repoRoot, simConfig, tempDir } from '../support/sim.js';

const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});

const BUDGET = '150';

describe('capital budgets in a replay', () => {
  it('stop one instance at its budget while another on the same account keeps trading', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const config = simConfig(
      {
        symbol: 'DOGE/USDT:USDT',
        levels: { source: 'manual', prices: levelsBetween(0.14, 0.18, 0.01, 5) },
        base_amount_per_grid: '300',
        guards: { budget: BUDGET, budget_leverage: '1' },
      },
      { balances: { main: { USDT: '10000' } } },
      [
        {
          symbol: 'ETH/USDT:USDT',
          levels: { source: 'manual', prices: levelsBetween(2100, 2700, 0.01, 2) },
          base_amount_per_grid: '0.05',
        },
      ],
    );
    const start = Date.parse('2025-06-20T00:00:00Z');
    const result = await runSimulation({
      config: { config, dir: repoRoot },
      candles: {
        'DOGE/USDT:USDT': ohlcv('binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv'),
        'ETH/USDT:USDT': ohlcv('binance_usdm_ETHUSDT_1m_2025-05-04_2025-06-24.csv'),
      },
      from: start,
      to: start + 2.5 * DAY,
      store: 'memory',
      outDir: dir.path,
    });
    expect(result.summary.violations).toEqual([]);
    const events = readEvents(join(dir.path, 'events.jsonl'));
    const doge = events.filter((e) => e.instanceId === 'sim1');
    const eth = events.filter((e) => e.instanceId === 'sim2');

    // The DOGE grid bought, then was held at its budget: its buys denied by the pre-trade check, one alert.
    const denied = doge.filter(
      (e) => e.type === 'order_rejected' && /^pre_trade: .*guards\.budget/.test(e.reason ?? ''),
    );
    expect(denied.length).toBeGreaterThan(0);
    expect(
      doge.filter((e) => e.type === 'alert' && e.code === 'pre_trade_budget').length,
    ).toBeGreaterThanOrEqual(1);
    const buys = doge.filter((e) => e.type === 'fill' && e.side === 'buy');
    expect(buys.length).toBeGreaterThan(0);
    // Never beyond the budget: what the position cost after any fill stays within it (plus what was realized).
    let realized = dec(0);
    for (const e of doge.filter((x) => x.type === 'fill')) {
      const cost = dec(e.holdings!).times(dec(e.avgEntry!));
      expect(cost.lessThanOrEqualTo(dec(BUDGET).plus(realized).plus(1))).toBe(true);
      if (e.side === 'sell')
        realized = realized.plus(dec(e.price!).minus(dec(e.avgEntry!)).times(dec(e.qty!)));
    }

    // The report says so: denials per check, the budget's use, exposure and leverage of the account's equity.
    const [dogeSummary, ethSummary] = result.summary.instances;
    expect(dogeSummary!.guards.denials).toEqual({ budget: denied.length });
    expect(dogeSummary!.guards.budget).toMatchObject({ budget: BUDGET, leverage: '1' });
    expect(dec(dogeSummary!.guards.budget!.positionMargin).lessThanOrEqualTo(BUDGET)).toBe(true);
    expect(ethSummary!.guards.budget).toBeNull();
    expect(dec(ethSummary!.guards.leverage!).greaterThan(0)).toBe(true);

    // The ETH grid on the same account kept trading after the DOGE grid hit its budget, and was never denied.
    const firstDenial = denied[0]!.ts;
    expect(eth.filter((e) => e.type === 'fill' && e.ts > firstDenial).length).toBeGreaterThan(0);
    expect(eth.filter((e) => e.type === 'order_rejected' && /pre_trade/.test(e.reason ?? ''))).toEqual([]);
  });

  it('refuses to start when the budgets on an account sum above its equity, naming the field', async () => {
    const config = simConfig(
      {
        symbol: 'DOGE/USDC:USDC',
        levels: { source: 'manual', prices: ['0.15', '0.16', '0.17', '0.18'] },
        base_amount_per_grid: '100',
        guards: { budget: '600' },
      },
      { balances: { main: { USDC: '1000' } }, demo_market: { days: 0.1 } },
      [
        {
          symbol: 'ETH/USDC:USDC',
          levels: { source: 'manual', prices: ['2400', '2500'] },
          base_amount_per_grid: '0.01',
          guards: { budget: '500' },
        },
      ],
    );
    await expect(runSimulation({ config: { config, dir: repoRoot }, store: 'memory' })).rejects.toThrow(
      /instances\[\]\.guards\.budget: the budgets on account "main" \(sim1 600, sim2 500\) sum to 1100, above its equity 1000 USDC/,
    );
  });
});
