/**
 * When things happen inside a candle: a candle is fed at its close, but its fills, stop triggers and
 * liquidations carry a time inside the candle (`openTime ≤ time < openTime + 60 s`), along its intrabar path.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/adapters/clock/virtual-clock.js';
import type { AlgoUpdateEvent, OrderUpdateEvent } from '../../../shared/adapters/paper/types.js';
import { dec } from '../../../shared/domain/money.js';
import { feed, T0, withAccount } from '../../support/paper.js';

const S = 'DOGEUSDC';
const MINUTE = 60_000;
const d = dec;

function limit(side: 'BUY' | 'SELL', price: string, qty = '100') {
  return {
    symbol: S,
    side,
    type: 'LIMIT' as const,
    price: d(price),
    quantity: d(qty),
    timeInForce: 'GTC' as const,
  };
}

const inside = (t: number, openTime: number) => t >= openTime && t < openTime + MINUTE;

describe('fill times inside a candle', () => {
  it('stamps a resting order filled by a candle with a time inside that candle, before the candle closed', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20100 0.19900 0.20050']);
    ex.placeOrder('a', limit('BUY', '0.19800'));
    const open = T0 + MINUTE;
    await feed(ex, clock, S, open, ['0.20050 0.20060 0.19700 0.19900']);
    const [t] = ex.userTrades('a', S);
    expect(clock.now()).toBe(open + MINUTE);
    expect(inside(t!.time, open)).toBe(true);
    const update = ex
      .events('a')
      .find((e): e is OrderUpdateEvent => e.type === 'orderUpdate' && e.executionType === 'TRADE');
    expect(update?.trade?.time).toBe(t!.time);
    expect(update?.eventTime).toBe(t!.time);
  });

  it('stamps fills in the order the path reaches them: a level reached later gets a later time', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
    // Path: open 0.2 → low 0.199 → high 0.203 → close 0.2025 (low first: it is nearer).
    ex.placeOrder('a', limit('BUY', '0.19950'));
    ex.placeOrder('a', limit('BUY', '0.19900'));
    ex.placeOrder('a', limit('SELL', '0.20200'));
    const open = T0 + MINUTE;
    await feed(ex, clock, S, open, ['0.20000 0.20300 0.19900 0.20250']);
    const trades = ex.userTrades('a', S);
    expect(trades.map((t) => t.price.toString())).toEqual(['0.1995', '0.199', '0.202']);
    const times = trades.map((t) => t.time);
    expect(times.every((t) => inside(t, open))).toBe(true);
    expect(times[0]).toBeLessThan(times[1]!);
    expect(times[1]).toBeLessThan(times[2]!);
  });

  it('stamps a gap fill at the candle open', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20100 0.19900 0.20050']);
    ex.placeOrder('a', limit('BUY', '0.19900'));
    const open = T0 + MINUTE;
    await feed(ex, clock, S, open, ['0.19500 0.19600 0.19400 0.19500']);
    expect(ex.userTrades('a', S)[0]?.time).toBe(open);
  });

  it('keeps each candle’s fills inside their own candle over consecutive candles', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
    ex.placeOrder('a', limit('BUY', '0.19900'));
    ex.placeOrder('a', limit('BUY', '0.19700'));
    await feed(ex, clock, S, T0 + MINUTE, ['0.20000 0.20000 0.19850 0.19900']);
    await feed(ex, clock, S, T0 + 2 * MINUTE, ['0.19900 0.19900 0.19650 0.19800']);
    const [first, second] = ex.userTrades('a', S);
    expect(inside(first!.time, T0 + MINUTE)).toBe(true);
    expect(inside(second!.time, T0 + 2 * MINUTE)).toBe(true);
  });

  it('never stamps a candle fill before an earlier trade of the symbol, so trade ids increase with time', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
    const open = T0 + MINUTE;
    // Mid-candle (before the candle is fed), a market order trades at the clock's time.
    await clock.advanceTo(open + 30_000);
    ex.placeOrder('a', { symbol: S, side: 'BUY', type: 'MARKET', quantity: d('100') });
    ex.placeOrder('a', limit('BUY', '0.19950'));
    await feed(ex, clock, S, open, ['0.20000 0.20000 0.19900 0.19950']);
    const trades = ex.userTrades('a', S);
    expect(trades).toHaveLength(2);
    expect(trades[0]!.time).toBe(open + 30_000);
    expect(trades[1]!.time).toBeGreaterThanOrEqual(trades[0]!.time);
    expect(trades[1]!.id).toBeGreaterThan(trades[0]!.id);
    expect(inside(trades[1]!.time, open)).toBe(true);
  });

  it('never stamps a fill before its order was placed, when the order was placed while the candle ran', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
    const open = T0 + MINUTE;
    await clock.advanceTo(open + 40_000);
    const placed = ex.placeOrder('a', limit('BUY', '0.19990'));
    // The path reaches 0.1999 early in the candle, before the order existed; the candle is fed at its close.
    await feed(ex, clock, S, open, ['0.20000 0.20000 0.19900 0.19950']);
    const [t] = ex.userTrades('a', S);
    expect(t?.orderId).toBe(placed.orderId);
    expect(t!.time).toBe(open + 40_000);
  });

  it('stamps a stop triggered inside a candle, and its fill, with a time inside that candle', async () => {
    const { ex, clock } = withAccount({ dualSidePosition: true });
    await feed(ex, clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
    ex.placeOrder('a', {
      symbol: S,
      side: 'BUY',
      type: 'MARKET',
      quantity: d('1000'),
      positionSide: 'LONG',
    });
    const a = ex.placeAlgoOrder('a', {
      symbol: S,
      side: 'SELL',
      type: 'STOP_MARKET',
      positionSide: 'LONG',
      triggerPrice: d('0.19000'),
      closePosition: true,
    });
    const open = T0 + MINUTE;
    await feed(ex, clock, S, open, ['0.20000 0.20100 0.18500 0.19500']);
    const done = ex.algoOrder('a', { algoId: a.algoId });
    expect(done.algoStatus).toBe('FINISHED');
    expect(inside(done.triggerTime, open)).toBe(true);
    const fill = ex.userTrades('a', S).at(-1)!;
    expect(fill.price.toString()).toBe('0.19');
    expect(inside(fill.time, open)).toBe(true);
    const triggered = ex
      .events('a')
      .find((e): e is AlgoUpdateEvent => e.type === 'algoUpdate' && e.algo.algoStatus === 'TRIGGERING');
    expect(inside(triggered!.eventTime, open)).toBe(true);
  });

  it('stamps a liquidation during a candle with a time inside that candle', async () => {
    const { ex, clock } = withAccount({ balances: { USDT: '100' } }, {}, new VirtualClock(0));
    await feed(ex, clock, 'BTCUSDT', 0, ['30000.0 30000.0 30000.0 30000.0']);
    ex.setLeverage('a', 'BTCUSDT', 50);
    ex.placeOrder('a', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: d('0.100') });
    await feed(ex, clock, 'BTCUSDT', MINUTE, ['29500.0 29500.0 28000.0 28100.0']);
    const liq = ex
      .events('a')
      .find((e): e is OrderUpdateEvent => e.type === 'orderUpdate' && e.executionType === 'CALCULATED');
    expect(liq?.trade).toBeDefined();
    expect(inside(liq!.trade!.time, MINUTE)).toBe(true);
    const clearance = ex.income('a', { incomeType: 'INSURANCE_CLEAR' });
    expect(clearance.length).toBeGreaterThan(0);
    expect(clearance.every((r) => inside(r.time, MINUTE))).toBe(true);
  });

  it('settles funding that fell due before a candle at that candle’s open', async () => {
    const fundingTime = T0 + 2 * MINUTE;
    const { ex, clock } = withAccount({}, {}, new VirtualClock(T0));
    ex.setFundingRates(S, [{ fundingTime, fundingRate: d('0.0001') }]);
    await feed(ex, clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
    ex.placeOrder('a', { symbol: S, side: 'BUY', type: 'MARKET', quantity: d('1000') });
    await feed(ex, clock, S, T0 + MINUTE, ['0.2 0.2 0.2 0.2', '0.2 0.2 0.2 0.2']);
    const [funding] = ex.income('a', { incomeType: 'FUNDING_FEE' });
    expect(funding?.time).toBe(fundingTime);
  });
});
