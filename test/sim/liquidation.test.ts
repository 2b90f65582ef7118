/**
 * A grid that is liquidated in a simulation: the exchange's clearance fee is part of the fees the run
 * reports, on its own line and in the total.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation, type SimResult } from '../../shared/composition/sim.js';
import { dec } from '../../shared/domain/money.js';
import { repoRoot, simConfig, tempDir } from '../support/sim.js';

const out = tempDir();
let run: SimResult;

beforeAll(async () => {
  // 25 USDC behind grid units of 1000 DOGE (≈ 200 USDC each) with the stop off: the demo market's
  // sell-off (to about 0.17) runs through the liquidation price (about 0.19).
  run = await runSimulation({
    config: {
      config: simConfig(
        {
          symbol: 'DOGE/USDC:USDC',
          levels: { source: 'manual', prices: ['0.2', '0.205', '0.21'] },
          base_amount_per_grid: '1000',
          stop_loss: { enabled: false },
        },
        {
          balances: { main: { USDC: '25' } },
          demo_market: { start: '2025-01-06T00:00:00Z', days: 3, seed: 7 },
        },
      ),
      dir: repoRoot,
    },
    store: 'memory',
    outDir: out.path,
  });
});
afterAll(() => out.remove());

describe('a liquidated grid in the summary', () => {
  it('counts the clearance fee in the fees, on its own line and in the total', () => {
    const s = run.summary.instances[0]!;
    expect(s.alerts.liquidated).toBe(1);
    expect(s.exchangePosition).toBe('0');
    const clearance = dec(s.liquidationClearanceFee);
    expect(clearance.greaterThan(0)).toBe(true);
    expect(dec(s.fees).toFixed()).toBe(dec(s.tradingFees).plus(clearance).toFixed());
    // Flat after the liquidation: the wallet is what came in, plus realized PnL, less every fee.
    expect(dec(s.startBalance).plus(s.realizedPnl).minus(s.fees).toFixed()).toBe(dec(s.equity).toFixed());
  });

  it('shows the clearance fee in summary.json and in the report', () => {
    const s = run.summary.instances[0]!;
    const written = JSON.parse(readFileSync(join(out.path, 'summary.json'), 'utf8'));
    expect(written.instances[0]).toMatchObject({
      fees: s.fees,
      tradingFees: s.tradingFees,
      liquidationClearanceFee: s.liquidationClearanceFee,
    });
    const html = readFileSync(join(out.path, 'report.html'), 'utf8');
    // The liquidation is named as such: a fill of its own kind, a flagged run, and in the report.
    expect(s.fills.liquidation).toBeGreaterThanOrEqual(1);
    expect(s.violations).toContainEqual(expect.stringMatching(/the position was liquidated/));
    expect(html).toContain('LIQUIDATED');
    expect(html).toContain(
      `["liquidation clearance fee","${dec(s.liquidationClearanceFee).toDecimalPlaces(4).toFixed()}"]`,
    );
  });
});
