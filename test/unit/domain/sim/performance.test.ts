import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Decimal, dec, sumDec, ZERO } from '../../../../shared/domain/money.js';
import {
  blockingOf,
  conditionEpisodes,
  DAY_MS,
  drawdownOf,
  type EquityPoint,
  matchRoundTrips,
  type PerfFill,
  performanceOf,
  periodRows,
  ratiosOf,
} from '../../../../shared/domain/sim/performance.js';

const T0 = Date.UTC(2025, 0, 6); // a Monday
const fill = (
  ts: number,
  side: 'buy' | 'sell',
  price: string,
  qty: string,
  fee = '0',
  leg?: string,
): PerfFill => ({
  ts,
  side,
  price: dec(price),
  qty: dec(qty),
  fee: dec(fee),
  level: price,
  ...(leg ? { leg } : {}),
});
const eq = (t: number, e: string): EquityPoint => ({ t, equity: dec(e) });

describe('matchRoundTrips (last in, first out)', () => {
  it('matches a sell against the newest buys first, net of pro-rata fees, and credits the entry level', () => {
    const r = matchRoundTrips(
      [
        fill(T0, 'buy', '100', '2', '0.2'),
        fill(T0 + 1000, 'buy', '90', '1', '0.09'),
        fill(T0 + 2000, 'sell', '110', '2.5', '0.25'),
      ],
      T0 + 10_000,
    );
    // 1 @90 → 110: +20; 1.5 @100 → 110: +15; fees: 0.09 + 0.2·1.5/2 + 0.25 = 0.49
    expect(r.gridProfit.toFixed()).toBe('34.51');
    expect(r.trades[2]!.closedQty.toFixed()).toBe('2.5');
    expect(r.trades[2]!.roundTripProfit!.toFixed()).toBe('34.51');
    expect(r.trades[0]!.roundTripProfit).toBeNull();
    // Half a coin of the dearer, older lot stays inventory.
    expect(r.openQty['']!.toFixed()).toBe('0.5');
    const at100 = r.levels.find((l) => l.level === '100')!;
    const at90 = r.levels.find((l) => l.level === '90')!;
    // The sell fee 0.25 splits 1/2.5 (0.1) to the piece of 90, 1.5/2.5 (0.15) to the piece of 100.
    expect(at90.profit.toFixed()).toBe('19.81');
    expect(at100.profit.toFixed()).toBe('14.7');
    expect(at90.timeLockedMs).toBe(1000);
    expect(at100.timeLockedMs).toBe(10_000); // a quarter still open at the end
    expect(r.wins).toBe(1);
    expect(r.grossLoss.isZero()).toBe(true);
  });

  it('keeps legs apart: a short leg opens with sells and closes with buys', () => {
    const r = matchRoundTrips(
      [fill(T0, 'sell', '100', '1', '0', 'short'), fill(T0 + 1, 'buy', '95', '1', '0', 'long')],
      T0 + 2,
    );
    expect(r.gridProfit.isZero()).toBe(true);
    const closed = matchRoundTrips(
      [fill(T0, 'sell', '100', '1', '0', 'short'), fill(T0 + 1, 'buy', '95', '1', '0', 'short')],
      T0 + 2,
    );
    expect(closed.gridProfit.toFixed()).toBe('5');
  });

  it('a losing round trip counts as a loss; no fills give zeros', () => {
    const r = matchRoundTrips([fill(T0, 'buy', '100', '1'), fill(T0 + 1, 'sell', '97', '1')], T0 + 2);
    expect(r.grossLoss.toFixed()).toBe('3');
    expect(r.losses).toBe(1);
    const none = matchRoundTrips([], T0);
    expect(none.trades).toEqual([]);
    expect(none.gridProfit.isZero()).toBe(true);
  });
});

describe('drawdownOf', () => {
  it('finds the deepest fall, its peak, trough and recovery, and the longest time under a peak', () => {
    const d = drawdownOf([
      eq(0, '100'),
      eq(1, '120'),
      eq(2, '90'), // −25%
      eq(3, '110'),
      eq(4, '121'), // recovered (spell 1 → 4: 3)
      eq(5, '115'),
      eq(9, '118'), // still under at the end (spell 4 → 9: 5)
    ]);
    expect(d.max.toFixed()).toBe('0.25');
    expect(d.peakAt).toBe(1);
    expect(d.troughAt).toBe(2);
    expect(d.recoveredAt).toBe(4);
    expect(d.longestMs).toBe(5);
    expect([d.longestFrom, d.longestTo]).toEqual([4, 9]);
  });

  it('agrees with the definition on random equity tracks: the deepest fall from a running peak, where, and when it is made good', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 60 }), (values) => {
        const points = values.map((v, i) => eq(i, String(v)));
        let best = ZERO;
        let peakAt: number | null = null;
        let troughAt: number | null = null;
        let peak: Decimal | null = null;
        let runAt = 0;
        for (const p of points) {
          if (peak === null || p.equity.greaterThanOrEqualTo(peak)) {
            peak = p.equity;
            runAt = p.t;
          } else if (peak.greaterThan(0)) {
            const down = peak.minus(p.equity).dividedBy(peak);
            if (down.greaterThan(best)) [best, peakAt, troughAt] = [down, runAt, p.t];
          }
        }
        const top = peakAt === null ? null : points[peakAt]!.equity;
        const recovered =
          top === null
            ? null
            : (points.find((p) => p.t > troughAt! && p.equity.greaterThanOrEqualTo(top))?.t ?? null);
        const d = drawdownOf(points);
        expect(d.max.equals(best)).toBe(true);
        expect([d.peakAt, d.troughAt, d.recoveredAt]).toEqual([peakAt, troughAt, recovered]);
      }),
      { numRuns: 1000 },
    );
  });

  it('is 0 for no samples and for a start balance of 0', () => {
    expect(drawdownOf([]).max.isZero()).toBe(true);
    expect(drawdownOf([eq(0, '0'), eq(1, '0')]).max.isZero()).toBe(true);
  });
});

describe('periodRows and ratiosOf', () => {
  it('closes each UTC day on its last sample (midnight closes the day before), from the start balance', () => {
    const rows = periodRows(
      [
        eq(T0 + 3_600_000, '101'),
        eq(T0 + DAY_MS, '102'),
        eq(T0 + DAY_MS + 60_000, '99'),
        eq(T0 + 2 * DAY_MS, '103'),
      ],
      dec(100),
      [],
      [],
      'day',
    );
    expect(
      rows.map((r) => [r.period, r.openEquity.toFixed(), r.closeEquity.toFixed(), r.pnl.toFixed()]),
    ).toEqual([
      ['2025-01-06', '100', '102', '2'],
      ['2025-01-07', '102', '103', '1'],
    ]);
    const weeks = periodRows(
      [eq(T0 + DAY_MS * 6, '110'), eq(T0 + DAY_MS * 8, '105')],
      dec(100),
      [],
      [],
      'week',
    );
    expect(weeks.map((w) => w.period)).toEqual(['2025-01-06', '2025-01-13']);
  });

  it('computes Sharpe, Sortino and Calmar by hand', () => {
    const r = ratiosOf(
      [0.01, -0.01, 0.02],
      { start: dec(100), end: dec(102), periodMs: 3 * DAY_MS },
      dec('0.01'),
    );
    const mean = 0.02 / 3;
    const sd = Math.sqrt(((0.01 - mean) ** 2 + (-0.01 - mean) ** 2 + (0.02 - mean) ** 2) / 2);
    expect(r.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(365), 10);
    expect(r.sortino).toBeCloseTo((mean / Math.sqrt(0.0001 / 3)) * Math.sqrt(365), 10);
    const annual = 1.02 ** (365 / 3) - 1;
    expect(r.annualizedReturn).toBeCloseTo(annual, 6);
    expect(r.calmar).toBeCloseTo(annual / 0.01, 3);
  });

  it('is null, never NaN or Infinity, for one day, zero variance, no down day, no drawdown, start 0', () => {
    const one = ratiosOf([0.01], { start: dec(100), end: dec(101), periodMs: DAY_MS }, ZERO);
    expect([one.sharpe, one.sortino, one.calmar]).toEqual([null, null, null]);
    const flat = ratiosOf([0.01, 0.01, 0.01], { start: dec(100), end: dec(103), periodMs: 3 * DAY_MS }, ZERO);
    expect(flat.sharpe).toBeNull();
    expect(flat.sortino).toBeNull();
    const broke = ratiosOf([], { start: ZERO, end: ZERO, periodMs: DAY_MS }, ZERO);
    expect(broke.annualizedReturn).toBeNull();
  });
});

describe('conditions that block trading', () => {
  it('pairs a condition with its resolution and keeps one still raised open to the end', () => {
    const alerts = [
      { ts: 10, code: 'grid_unit_below_minimum', severity: 'warning' as const, message: 'below min' },
      { ts: 30, code: 'grid_unit_below_minimum_resolved', severity: 'info' as const, message: 'ok' },
      { ts: 50, code: 'grid_unit_below_minimum', severity: 'warning' as const, message: 'below min' },
      { ts: 60, code: 'reverse_reconciliation', severity: 'info' as const, message: 'fyi' },
      { ts: 70, code: 'something_else', severity: 'critical' as const, message: 'x' },
    ];
    const e = conditionEpisodes(alerts, 110);
    expect(e.map((x) => [x.code, x.from, x.to, x.durationMs])).toEqual([
      ['grid_unit_below_minimum', 10, 30, 20],
      ['grid_unit_below_minimum', 50, null, 60],
      ['something_else', 70, null, 40],
    ]);
    const b = blockingOf(e, 10, 110);
    expect(b.map((x) => [x.code, x.share])).toEqual([
      ['grid_unit_below_minimum', 0.2],
      ['grid_unit_below_minimum', 0.6],
    ]);
    expect(b[0]!.blocks).toMatch(/below the exchange minimum/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties.

const priceArb = fc.integer({ min: 1, max: 100_000 }).map((n) => dec(n).dividedBy(100));
const qtyArb = fc.integer({ min: 1, max: 10_000 }).map((n) => dec(n).dividedBy(10));
const feeArb = fc.integer({ min: 0, max: 1000 }).map((n) => dec(n).dividedBy(1000));
const fillsArb = fc
  .array(
    fc.record({
      dt: fc.integer({ min: 0, max: 3 * DAY_MS }),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      price: priceArb,
      qty: qtyArb,
      fee: feeArb,
      leg: fc.constantFrom(undefined, 'long', 'short'),
    }),
    { maxLength: 40 },
  )
  .map((xs) => {
    let t = T0;
    return xs.map((x) => {
      t += x.dt;
      return {
        ts: t,
        side: x.side,
        price: x.price,
        qty: x.qty,
        fee: x.fee,
        leg: x.leg,
        level: x.price.toFixed(),
      };
    });
  });
const equityArb = fc
  .array(fc.record({ dt: fc.integer({ min: 1, max: DAY_MS }), e: fc.integer({ min: 1, max: 1_000_000 }) }), {
    minLength: 1,
    maxLength: 60,
  })
  .map((xs) => {
    let t = T0;
    return xs.map((x) => {
      t += x.dt;
      return eq(t, String(x.e));
    });
  });

const sum = (xs: readonly Decimal[]) => sumDec(xs);

describe('properties', () => {
  it('grid profit + inventory PnL = trading PnL; Σ level profit = Σ trade profit = grid profit', () => {
    fc.assert(
      fc.property(fillsArb, fc.integer({ min: -100_000, max: 100_000 }), (fills, total) => {
        const p = performanceOf({
          fills,
          equity: [eq(T0, '1000')],
          startBalance: dec(1000),
          from: T0,
          to: T0 + 200 * DAY_MS,
          firstPrice: null,
          lastPrice: null,
          tradingPnl: dec(total),
        });
        expect(p.gridProfit.plus(p.inventoryPnl).equals(dec(total))).toBe(true);
        // Pro-rata fees can be non-terminating: grid profit is carried to 12 places, the rows in full.
        const near = (a: Decimal) => a.minus(p.gridProfit).abs().lessThan('1e-12');
        expect(near(sum(p.trips.levels.map((l) => l.profit)))).toBe(true);
        expect(near(sum(p.trips.trades.map((t) => t.roundTripProfit ?? ZERO)))).toBe(true);
        expect(near(p.trips.grossProfit.minus(p.trips.grossLoss))).toBe(true);
      }),
    );
  });

  it('every fill is in exactly one trade row, and closed + still open = what was traded per leg', () => {
    fc.assert(
      fc.property(fillsArb, (fills) => {
        const r = matchRoundTrips(fills, T0 + 1000 * DAY_MS);
        expect(r.trades).toHaveLength(fills.length);
        const key = (x: { ts: number; side: string; price: Decimal; qty: Decimal }) =>
          `${x.ts}|${x.side}|${x.price.toFixed()}|${x.qty.toFixed()}`;
        expect(r.trades.map((x) => key({ ...x, ts: x.t })).sort()).toEqual(fills.map(key).sort());
        for (const [leg, open] of Object.entries(r.openQty)) {
          const mine = fills.filter((f) => (f.leg ?? '') === leg);
          const net = sum(mine.map((f) => (f.side === 'buy' ? f.qty : f.qty.negated())));
          expect(open.equals(net)).toBe(true);
        }
      }),
    );
  });

  it('drawdown is in [0, 1], and 0 for non-decreasing equity', () => {
    fc.assert(
      fc.property(equityArb, (points) => {
        const d = drawdownOf(points);
        expect(d.max.greaterThanOrEqualTo(0) && d.max.lessThanOrEqualTo(1)).toBe(true);
        const sorted = [...points.map((p) => p.equity)].sort((a, b) => a.comparedTo(b));
        const rising = points.map((p, i) => ({ t: p.t, equity: sorted[i]! }));
        expect(drawdownOf(rising).max.isZero()).toBe(true);
        expect(drawdownOf(rising).longestMs).toBe(0);
      }),
    );
  });

  it('the daily and weekly PnL sum to end equity − start balance', () => {
    fc.assert(
      fc.property(equityArb, fc.integer({ min: 1, max: 1_000_000 }), (points, start) => {
        const total = points[points.length - 1]!.equity.minus(start);
        for (const unit of ['day', 'week'] as const) {
          const rows = periodRows(points, dec(start), [], [], unit);
          expect(sum(rows.map((r) => r.pnl)).equals(total)).toBe(true);
        }
      }),
    );
  });

  it('Sharpe follows the sign of the mean daily return, and is never NaN or Infinity', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -500, max: 500 }), { maxLength: 60 }), (bps) => {
        const returns = bps.map((b) => b / 10_000);
        const r = ratiosOf(returns, { start: dec(100), end: dec(100), periodMs: DAY_MS }, ZERO);
        for (const x of [r.sharpe, r.sortino, r.calmar]) expect(x === null || Number.isFinite(x)).toBe(true);
        if (r.sharpe !== null && r.meanDailyReturn !== null) {
          expect(Math.sign(r.sharpe)).toBe(Math.sign(r.meanDailyReturn));
          if (r.sortino !== null) expect(Math.sign(r.sortino)).toBe(Math.sign(r.meanDailyReturn));
        }
      }),
    );
  });
});
