import { describe, expect, it } from 'vitest';
import { intrabarPath } from '../../../shared/adapters/paper/intrabar-path.js';
import { dec } from '../../../shared/domain/money.js';
import { candle, feed, T0, withAccount } from '../../support/paper.js';

const S = 'DOGEUSDC';
const d = dec;

function limit(side: 'BUY' | 'SELL', price: string, qty: string, positionSide?: 'LONG' | 'SHORT') {
  return {
    symbol: S,
    side,
    type: 'LIMIT' as const,
    price: d(price),
    quantity: d(qty),
    timeInForce: 'GTC' as const,
    positionSide,
  };
}

describe('intrabar path', () => {
  it('visits the nearer extreme first', () => {
    const p = intrabarPath(candle(0, '0.20000 0.20010 0.19000 0.19500'));
    expect(p.map(String)).toEqual(['0.2', '0.2001', '0.19', '0.195']);
  });

  it('visits the low first on a rising candle when both extremes are equally far', () => {
    const p = intrabarPath(candle(0, '0.20000 0.20100 0.19900 0.20050'));
    expect(p.map(String)).toEqual(['0.2', '0.199', '0.201', '0.2005']);
  });

  it('visits the high first on a falling candle when both extremes are equally far', () => {
    const p = intrabarPath(candle(0, '0.20000 0.20100 0.19900 0.19950'));
    expect(p.map(String)).toEqual(['0.2', '0.201', '0.199', '0.1995']);
  });

  it('collapses repeated points of a flat candle', () => {
    expect(intrabarPath(candle(0, '0.2 0.2 0.2 0.2')).map(String)).toEqual(['0.2']);
  });
});

describe('fills from candles', () => {
  it('fills a resting buy at its own price as maker when the candle trades down to it', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20100 0.19900 0.20050']);
    const placed = ex.placeOrder('a', limit('BUY', '0.19800', '100'));
    expect(placed.status).toBe('NEW');
    await feed(ex, clock, S, T0 + 60_000, ['0.20050 0.20060 0.19700 0.19900']);
    const o = ex.order('a', S, { orderId: placed.orderId });
    expect(o.status).toBe('FILLED');
    const [t] = ex.userTrades('a', S);
    expect(t?.price.toString()).toBe('0.198');
    expect(t?.maker).toBe(true);
  });

  it('leaves a buy below the candle low untouched', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20100 0.19900 0.20050']);
    const placed = ex.placeOrder('a', limit('BUY', '0.19600', '100'));
    await feed(ex, clock, S, T0 + 60_000, ['0.20050 0.20060 0.19700 0.19900']);
    expect(ex.order('a', S, { orderId: placed.orderId }).status).toBe('NEW');
    expect(ex.userTrades('a', S)).toHaveLength(0);
  });

  it('fills a buy touched exactly at the candle low', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20100 0.19900 0.20050']);
    const placed = ex.placeOrder('a', limit('BUY', '0.19700', '100'));
    await feed(ex, clock, S, T0 + 60_000, ['0.20050 0.20060 0.19700 0.19900']);
    expect(ex.order('a', S, { orderId: placed.orderId }).status).toBe('FILLED');
  });

  it('fills a resting buy at the opening price when the next candle gaps below it', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20100 0.19900 0.20050']);
    ex.placeOrder('a', limit('BUY', '0.19900', '100'));
    await feed(ex, clock, S, T0 + 60_000, ['0.19500 0.19600 0.19400 0.19500']);
    expect(ex.userTrades('a', S)[0]?.price.toString()).toBe('0.195');
  });

  it('fills buys and sells in the order the path reaches them', async () => {
    const { ex, clock } = withAccount({ dualSidePosition: true });
    await feed(ex, clock, S, T0, ['0.20000 0.20010 0.19990 0.20000']);
    const buy = ex.placeOrder('a', limit('BUY', '0.19900', '100', 'LONG'));
    const sell = ex.placeOrder('a', limit('SELL', '0.20100', '100', 'SHORT'));
    // open 0.2 → high 0.2014 first (nearer) → low 0.1985 → close
    await feed(ex, clock, S, T0 + 60_000, ['0.20000 0.20140 0.19850 0.20000']);
    const ids = ex.userTrades('a', S).map((t) => t.orderId);
    expect(ids).toEqual([sell.orderId, buy.orderId]);
  });

  it('gives fills strictly increasing trade ids per symbol', async () => {
    const { ex, clock } = withAccount({ dualSidePosition: true });
    await feed(ex, clock, S, T0, ['0.20000 0.20010 0.19990 0.20000']);
    for (const p of ['0.19950', '0.19900', '0.19850']) ex.placeOrder('a', limit('BUY', p, '30', 'LONG'));
    await feed(ex, clock, S, T0 + 60_000, ['0.20000 0.20000 0.19800 0.19800']);
    const ids = ex.userTrades('a', S).map((t) => t.id);
    expect(ids).toHaveLength(3);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
  });

  it('fills a market order at the touch plus the configured slippage', async () => {
    const { ex, clock } = withAccount({}, { slippage: '0.001' });
    await feed(ex, clock, S, T0, ['0.20000 0.20100 0.19900 0.20000']);
    const o = ex.placeOrder('a', { symbol: S, side: 'BUY', type: 'MARKET', quantity: d('100') });
    // ask = close + tick = 0.20001; × 1.001 = 0.20021001 → up to the tick 0.20022
    expect(o.status).toBe('FILLED');
    expect(o.avgPrice.toString()).toBe('0.20022');
    expect(ex.userTrades('a', S)[0]?.maker).toBe(false);
  });

  it('fills a marketable limit at once as taker at the touch', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20100 0.19900 0.20000']);
    const o = ex.placeOrder('a', limit('BUY', '0.20100', '100'));
    expect(o.status).toBe('FILLED');
    expect(o.avgPrice.toString()).toBe('0.20001');
    expect(ex.userTrades('a', S)[0]?.maker).toBe(false);
  });

  it('expires the unfilled rest of an IOC order', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20100 0.19900 0.20000']);
    const o = ex.placeOrder('a', { ...limit('BUY', '0.19000', '100'), timeInForce: 'IOC' });
    expect(o.status).toBe('EXPIRED');
    expect(ex.openOrders('a', S)).toHaveLength(0);
  });

  it('refuses candles that go back in time or are not valid bars', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.2 0.21 0.19 0.2']);
    expect(() => ex.applyCandle(S, candle(T0, '0.2 0.21 0.19 0.2'))).toThrow(/openTime must be after/);
    expect(() => ex.applyCandle(S, candle(T0 + 60_000, '0.2 0.19 0.18 0.2'))).toThrow(/high/);
  });

  it('serves the candles it was fed as klines, aggregated to larger intervals', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.2 0.21 0.19 0.2', '0.2 0.22 0.2 0.21', '0.21 0.21 0.18 0.19']);
    expect(ex.klines(S, '1m')).toHaveLength(3);
    const [k] = ex.klines(S, '5m');
    expect(k?.high.toString()).toBe('0.22');
    expect(k?.low.toString()).toBe('0.18');
    expect(k?.open.toString()).toBe('0.2');
    expect(k?.close.toString()).toBe('0.19');
    expect(k?.volume.toString()).toBe('3000');
  });
});
