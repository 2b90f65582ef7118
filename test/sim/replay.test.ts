import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../shared/composition/sim.js';
import { repoRoot, simConfig } from '../support/sim.js';

const levels = ['0.19', '0.1925', '0.195', '0.1975', '0.2', '0.2025', '0.205', '0.2075', '0.21'];
const run = (instance: Record<string, unknown>, days = 0.1) =>
  runSimulation({
    config: {
      config: simConfig(
        {
          symbol: 'DOGE/USDC:USDC',
          levels: { source: 'manual', prices: levels },
          base_amount_per_grid: '100',
          ...instance,
        },
        { demo_market: { days } },
      ),
      dir: repoRoot,
    },
    store: 'memory',
  });

describe('the replay driver', () => {
  it('fires recon, recompute and risk at their configured intervals on the virtual clock', async () => {
    // 144 one-minute candles; the bot starts at the first close (minute 1) and runs to minute 144.
    const r = await run({ recon_interval_sec: 120, risk_interval_sec: 300, recompute_interval_sec: 3600 });
    expect(r.timings.steps).toBe(144);
    expect(r.summary.jobs).toEqual({ recon: 1 + 72, risk: 1 + 28, recompute: 1 + 2 });
  });

  it('runs the second pass of a 30-second recon 30 s after each minute', async () => {
    const r = await run({ recon_interval_sec: 30 });
    // Both passes of minutes 1-143; the last minute's second pass would be due after the replay ends.
    expect(r.summary.jobs.recon).toBe(2 * 144 - 1);
  });

  it('keeps the stream worker heartbeat fresh, so the risk check never finds the stream stale', async () => {
    const r = await run({ risk: { heartbeat_max_age_sec: 90 } }, 0.5);
    const alerts = r.summary.instances[0]!.alerts;
    expect(r.summary.jobs.risk).toBeGreaterThan(100);
    expect(Object.keys(alerts).filter((k) => k.startsWith('risk_'))).toEqual([]);
  });

  it('runs several instances on one account side by side, each with its own events', async () => {
    const r = await runSimulation({
      config: {
        config: simConfig(
          {
            symbol: 'DOGE/USDC:USDC',
            levels: { source: 'manual', prices: levels },
            base_amount_per_grid: '100',
          },
          { demo_market: { days: 0.5, prices: { 'ETH/USDC:USDC': '2500' } } },
          [
            {
              symbol: 'ETH/USDC:USDC',
              levels: { source: 'manual', prices: ['2400', '2450', '2500', '2550', '2600'] },
              base_amount_per_grid: '0.05',
            },
          ],
        ),
        dir: repoRoot,
      },
      store: 'memory',
    });
    const [doge, eth] = r.summary.instances;
    expect(doge!.fills.count).toBeGreaterThan(0);
    expect(eth!.fills.count).toBeGreaterThan(0);
    expect(r.summary.streamWorker.fills).toBe(doge!.fills.count + eth!.fills.count);
    expect(r.summary.streamWorker.routedNowhere).toBe(0);
    expect(r.summary.violations).toEqual([]);
  });
});
