/**
 * A Key Level Grid on the `range` level source, through the simulator: the grid is laid on the expanded
 * prices (rounded to the tick), trades on them, and keeps every promise of its event log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation, type SimResult } from '../../shared/composition/sim.js';
import { rangeLevelPrices, snapToTick } from '../../shared/domain/analysis/index.js';
import { dec } from '../../shared/domain/money.js';
import { checkEventLog } from '../../shared/domain/sim/event-checks.js';
import { readEvents, simConfig, tempDir } from '../support/sim.js';

const out = tempDir();
let result: SimResult;
const range = { source: 'range', lower: '0.17', upper: '0.235', count: 27, spacing: 'geometric' } as const;

beforeAll(async () => {
  const config = simConfig(
    { symbol: 'DOGE/USDC:USDC', levels: range, base_amount_per_grid: '300' },
    { balances: { main: { USDC: 5000 } }, demo_market: { days: 2 } },
  );
  result = await runSimulation({ config: { config, dir: out.path }, store: 'memory', outDir: out.path });
});
afterAll(() => out.remove());

describe('the range level source in the simulator', () => {
  it('lays the grid on the expanded prices, on the tick, and trades on them', () => {
    const expected = snapToTick(
      rangeLevelPrices({ lower: dec(range.lower), upper: dec(range.upper), count: 27, spacing: 'geometric' }),
      dec('0.00001'),
    ).map((p) => p.toFixed());
    expect(expected).toHaveLength(27);
    const events = readEvents(`${out.path}/events.jsonl`);
    const levels = new Set(events.flatMap((e) => (e.level ? [dec(e.level).toFixed()] : [])));
    expect(levels.size).toBeGreaterThan(3);
    for (const l of levels) expect(expected).toContain(l);
    const s = result.summary.instances[0]!;
    expect(s.fills.buys).toBeGreaterThan(0);
    expect(s.violations).toEqual([]);
    expect(result.summary.jobFailures).toEqual([]);
  });

  it('keeps the promises of the grid on its event log', () => {
    const events = readEvents(`${out.path}/events.jsonl`);
    const feed = result.plan.feeds[0]!;
    expect(
      checkEventLog(events, {
        sellGuard: { minProfitPct: dec('0.005'), sellQuotaRatio: dec('0.7'), baseAmountPerGrid: dec('300') },
        tickSize: dec('0.00001'),
        stepSize: dec('1'),
        candles: feed.candles,
      }),
    ).toEqual([]);
  });
});
