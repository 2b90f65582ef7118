/**
 * The closer in the simulator (issue 16): `gridbot sim` opens a LONG and a SHORT by hand when the bot
 * starts and replays real BTCUSDT trade ticks (or, coarser, one-minute candles) through the production
 * path: the paper exchange's market streams, the stream worker, the closer, recon. The summary compares its
 * exits with one market order at the start; the report draws the slices on the price path.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimulation, SimInputError } from '../../shared/composition/sim.js';
import { decodeClientOrderId } from '../../shared/domain/client-order-id.js';
import { dec } from '../../shared/domain/money.js';
import { sharedData } from '../support/paper.js';
import { BTC, closerSimConfig } from '../support/strategies/closer.js';
import { TICK_FILES } from '../support/ticks.js';

const config = (
  positions: { side: 'LONG' | 'SHORT'; qty: string }[],
  instance: Record<string, unknown> = {},
) => closerSimConfig(positions, { instance });

interface LegReport {
  opened: string;
  marketAtStart: string;
  closed: string;
  left: string;
  averageExit: string | null;
  vsMarketBp: string | null;
  netVsMarketBp: string | null;
  slices: number;
  makerShare: string | null;
}

describe('the closer in the simulator', () => {
  it('works a LONG and a SHORT down on a real tick tape and reports its exits against one market order', async () => {
    const r = await runSimulation({
      config: config([
        { side: 'LONG', qty: '0.2' },
        { side: 'SHORT', qty: '0.2' },
      ]),
      ticks: { [BTC]: join(sharedData, 'ticks', TICK_FILES[1]) },
      store: 'memory',
    });
    const s = r.summary.instances[0]!;
    expect(s.violations).toEqual([]);
    const legs = (s.strategyReport as { legs: Record<string, LegReport> }).legs;
    for (const side of ['LONG', 'SHORT'] as const) {
      const leg = legs[`${BTC}#${side}`]!;
      expect(leg.opened).toBe('0.2');
      // What was closed and what is left make the position it started with.
      expect(dec(leg.closed).plus(leg.left).toFixed()).toBe('0.2');
      expect(dec(leg.closed).greaterThan(0)).toBe(true);
      expect(leg.slices).toBeGreaterThan(0);
      const maker = dec(leg.makerShare!);
      expect(maker.greaterThanOrEqualTo(0) && maker.lessThanOrEqualTo(1)).toBe(true);
      // The gross edge, recomputed from the average exit and the touch at the start.
      const avg = dec(leg.averageExit!);
      const start = dec(leg.marketAtStart);
      const edge = (side === 'LONG' ? avg.minus(start) : start.minus(avg)).dividedBy(start).times(10_000);
      expect(edge.toDecimalPlaces(2).toFixed()).toBe(leg.vsMarketBp);
    }
    // Every order the closer placed is a slice of one run, and every fill of ours is one of them.
    const events = r.eventsJsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; clientOrderId?: string; reason?: string });
    const placed = events.filter((e) => e.type === 'order_placed').map((e) => e.clientOrderId!);
    expect(placed.length).toBeGreaterThan(0);
    const runs = new Set(placed.map((id) => (decodeClientOrderId(id) as { kind: string; run: string }).run));
    expect(runs.size).toBe(1);
    expect(placed.every((id) => decodeClientOrderId(id)?.kind === 'slice')).toBe(true);
    // The report draws the tape as bars of seconds and lists each leg's exits.
    expect(r.html).toContain(`${BTC}#LONG`);
    expect(r.html).toContain('"barMs":1000');
  }, 120_000);

  it('works on one-minute candles as a coarser tape (their path as trades)', async () => {
    const r = await runSimulation({
      config: config([{ side: 'LONG', qty: '0.1' }], { execution: { base_mult: '20', max_mult: '100' } }),
      candles: { [BTC]: join(sharedData, 'ohlcv_1m', 'binance_usdm_BTCUSDT_1m_2025-05-04_2025-06-24.csv') },
      from: Date.parse('2025-05-05T00:00:00Z'),
      to: Date.parse('2025-05-05T06:00:00Z'),
      store: 'memory',
    });
    const s = r.summary.instances[0]!;
    expect(s.violations).toEqual([]);
    const leg = (s.strategyReport as { legs: Record<string, LegReport> }).legs[`${BTC}#LONG`]!;
    expect(leg.slices).toBeGreaterThan(0);
    expect(dec(leg.closed).greaterThan(0)).toBe(true);
  }, 120_000);

  it('refuses a position on an account the config does not have, naming the field', async () => {
    const bad = config([{ side: 'LONG', qty: '0.1' }]);
    const cfg = {
      ...bad,
      config: {
        ...bad.config,
        simulation: {
          ...bad.config.simulation!,
          positions: [{ account: 'nope', symbol: BTC, side: 'LONG' as const, qty: dec('0.1') }],
        },
      },
    };
    await expect(
      runSimulation({
        config: cfg,
        ticks: { [BTC]: join(sharedData, 'ticks', TICK_FILES[1]) },
        store: 'memory',
      }),
    ).rejects.toThrow(SimInputError);
    await expect(
      runSimulation({
        config: cfg,
        ticks: { [BTC]: join(sharedData, 'ticks', TICK_FILES[1]) },
        store: 'memory',
      }),
    ).rejects.toThrow(/simulation\.positions\[0\]\.account: no account "nope"/);
  });
});
