/**
 * Hedge pairs in the simulator (issue 19): the example config (six paper accounts, three pairs) replayed
 * on a day of real BTCUSDT candles: every pair opens, holds with a stop on each leg, rotates through the
 * closer and reopens re-paired; one pair with a tight loss threshold is stopped; every protection check
 * of the replay stays clean and the report shows each pair.
 */
import { describe, expect, it } from 'vitest';
import { loadDeploymentConfigFile } from '../../shared/composition/deployment-source.js';
import { runSimulation } from '../../shared/composition/sim.js';
import { parseDeploymentConfig } from '../../shared/domain/config/deployment.js';
import { ohlcv, repoRoot, tempDir } from '../support/sim.js';

describe('hedge pairs in the simulator', () => {
  it('opens, protects, rotates, re-pairs and stops pairs on real candles, every check clean', async () => {
    const example = loadDeploymentConfigFile(`${repoRoot}/examples/hedge-pairs.yaml`);
    const [inst] = example.instances;
    const config = parseDeploymentConfig({
      ...JSON.parse(JSON.stringify(example)),
      instances: [
        {
          ...JSON.parse(JSON.stringify(inst)),
          // Pair 3 can lose 0.0005 USD at most: the one-tick spread it opens across stops it.
          pairs: [
            { long: 'p1', short: 'p2' },
            { long: 'p3', short: 'p4' },
            { long: 'p5', short: 'p6', stop_loss_threshold: '0.0005' },
          ],
          rotation: { hold_minutes: 240, shuffle: true, reopen_delay_sec: 60 },
          close_urgency: { rotation: 'emergency' },
        },
      ],
    });
    const out = tempDir();
    const r = await runSimulation({
      outDir: out.path,
      config: { config, dir: repoRoot },
      candles: { 'BTC/USDT:USDT': ohlcv('binance_usdm_BTCUSDT_1m_2025-05-04_2025-06-24.csv') },
      to: Date.UTC(2025, 4, 5, 12),
      store: 'memory',
    });
    const s = r.summary.instances[0]!;
    expect(s.violations).toEqual([]);
    const report = s.strategyReport as {
      pairs: {
        pair: number;
        status: string;
        reason: string | null;
        rotations: number;
        long: { account: string };
        short: { account: string };
      }[];
    };
    expect(report.pairs).toHaveLength(3);
    // Pair 3 stopped at its threshold; the other two rotated (their short accounts re-paired at least once).
    expect(report.pairs[2]!.status).toBe('stopped');
    expect(report.pairs[2]!.reason).toMatch(/^stop_loss: combined unrealized PnL below -0.0005 USD/);
    expect(report.pairs[0]!.rotations).toBeGreaterThanOrEqual(2);
    expect(s.alerts.pairs_shuffled).toBeGreaterThanOrEqual(1);
    expect(report.pairs.map((p) => p.short.account).sort()).toEqual(['p2', 'p4', 'p6']);
    // No pair stopped by its legs drifting apart; no warning storm.
    expect(report.pairs.some((p) => p.reason?.startsWith('drift'))).toBe(false);
    expect(s.alerts.shadow_ledger_difference ?? 0).toBe(0);
    expect(r.html).toContain('pairs 3');
    out.remove();
  }, 120_000);
});
