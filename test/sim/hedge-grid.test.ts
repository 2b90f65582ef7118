/**
 * The ATR hedge grid in the simulator (issue 17): `examples/hedge-grid.yaml` on real DOGEUSDT candles,
 * two paper accounts, both legs on the same market, through the production path (recompute, recon, the
 * stream worker, the risk job). Every generic check (per leg) and the hedge's own pass; the summary and
 * the report carry both legs and the combined equity.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../shared/composition/sim.js';
import { dec } from '../../shared/domain/money.js';
import { ohlcv, repoRoot } from '../support/sim.js';

const DOGE = 'DOGE/USDT:USDT';

describe('the ATR hedge grid in the simulator', () => {
  it('trades both legs on four real days with every invariant kept', async () => {
    const r = await runSimulation({
      config: resolve(repoRoot, 'examples/hedge-grid.yaml'),
      candles: { [DOGE]: ohlcv('binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv') },
      from: Date.UTC(2025, 5, 1),
      to: Date.UTC(2025, 5, 5),
      store: 'memory',
    });
    const s = r.summary.instances[0]!;
    expect(s.violations).toEqual([]);
    const report = s.strategyReport as {
      params: { version: number; levels: number };
      legs: Record<string, { completedCycles: number; trades: number; side: string }>;
      completedCycles: number;
    };
    expect(report.params.version).toBeGreaterThanOrEqual(1);
    expect(Object.keys(report.legs)).toEqual(['long', 'short']);
    expect(report.legs.long!.trades).toBeGreaterThan(0);
    expect(report.legs.short!.trades).toBeGreaterThan(0);
    expect(report.completedCycles).toBe(
      report.legs.long!.completedCycles + report.legs.short!.completedCycles,
    );
    // The equity is both accounts' (2000 USDT each at the start).
    expect(s.startBalance).toBe('4000');
    expect(dec(s.equity).greaterThan(0)).toBe(true);
    // The report draws the net, each leg, and the combined equity.
    const json = /<script type="application\/json" id="sim-data">(.*?)<\/script>/s.exec(r.html)![1]!;
    const inst = (
      JSON.parse(json) as { instances: { legs: string[]; accounts: number; series: string[][] }[] }
    ).instances[0]!;
    expect(inst.legs).toEqual(['long', 'short']);
    expect(inst.accounts).toBe(2);
    const last = inst.series.at(-1)!;
    expect(last).toHaveLength(5);
    // Net = long + short (the short leg's position is negative).
    expect(dec(last[1]!).equals(dec(last[3]!).plus(last[4]!))).toBe(true);
  }, 240_000);
});
