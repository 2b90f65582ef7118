import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/adapters/clock/virtual-clock.js';
import { loadTrades } from '../../../shared/adapters/paper/data-files.js';
import { PaperApiError } from '../../../shared/adapters/paper/errors.js';
import type { MarketEvent } from '../../../shared/adapters/paper/types.js';
import { dec } from '../../../shared/domain/money.js';
import { feed, sharedData, T0, withAccount } from '../../support/paper.js';

const d = dec;
const S = 'BTCUSDT';
const tape = resolve(sharedData, 'ticks/binance_usdm_BTCUSDT_trades_2024-07-18T2357_2024-07-19T0005.csv');

function code(fn: () => unknown): number | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof PaperApiError) return err.code;
    throw err;
  }
}

describe('fills from trade ticks', () => {
  it('fills a resting order partially, sharing each trade quantity', async () => {
    const { ex } = withAccount({ balances: { USDT: '100000' } }, {}, new VirtualClock(0));
    ex.applyTrade(S, { price: d('60000.0'), qty: d('1'), buyerIsMaker: true });
    const o = ex.placeOrder('a', {
      symbol: S,
      side: 'BUY',
      type: 'LIMIT',
      price: d('59990.0'),
      quantity: d('0.050'),
      timeInForce: 'GTC',
    });
    ex.applyTrade(S, { price: d('59990.0'), qty: d('0.020'), buyerIsMaker: true });
    expect(ex.order('a', S, { orderId: o.orderId }).status).toBe('PARTIALLY_FILLED');
    expect(ex.order('a', S, { orderId: o.orderId }).executedQty.toString()).toBe('0.02');
    ex.applyTrade(S, { price: d('59980.0'), qty: d('0.100'), buyerIsMaker: true });
    const done = ex.order('a', S, { orderId: o.orderId });
    expect(done.status).toBe('FILLED');
    expect(done.avgPrice.toString()).toBe('59990');
    expect(ex.userTrades('a', S).map((t) => t.qty.toString())).toEqual(['0.02', '0.03']);
  });

  it('does not fill a bid from a buyer-initiated trade at the same price', () => {
    const { ex } = withAccount({ balances: { USDT: '100000' } }, {}, new VirtualClock(0));
    ex.applyTrade(S, { price: d('60000.0'), qty: d('1'), buyerIsMaker: true });
    ex.placeOrder('a', {
      symbol: S,
      side: 'BUY',
      type: 'LIMIT',
      price: d('59990.0'),
      quantity: d('0.050'),
      timeInForce: 'GTC',
    });
    ex.applyTrade(S, { price: d('59990.0'), qty: d('1'), buyerIsMaker: false });
    expect(ex.userTrades('a', S)).toHaveLength(0);
  });

  it('replays a real tape: fills at order prices inside the traded range, our trade ids after the tape ids', () => {
    const trades = loadTrades(tape);
    expect(trades.length).toBe(10_701);
    const clock = new VirtualClock(trades[0]!.time);
    const { ex } = withAccount({ balances: { USDT: '100000' }, dualSidePosition: true }, {}, clock);
    const first = trades[0]!;
    ex.applyTrade(S, first);
    for (let i = 1; i <= 5; i++) {
      ex.placeOrder('a', {
        symbol: S,
        side: 'BUY',
        type: 'LIMIT',
        price: first.price.minus(d('10').times(i)),
        quantity: d('0.010'),
        timeInForce: 'GTC',
        positionSide: 'LONG',
      });
      ex.placeOrder('a', {
        symbol: S,
        side: 'SELL',
        type: 'LIMIT',
        price: first.price.plus(d('10').times(i)),
        quantity: d('0.010'),
        timeInForce: 'GTC',
        positionSide: 'SHORT',
      });
    }
    let lo = first.price;
    let hi = first.price;
    for (const t of trades.slice(1)) {
      clock.setTime(Math.max(clock.now(), t.time));
      ex.applyTrade(S, t);
      lo = t.price.lessThan(lo) ? t.price : lo;
      hi = t.price.greaterThan(hi) ? t.price : hi;
    }
    const fills = ex.userTrades('a', S);
    expect(fills.length).toBeGreaterThan(0);
    for (const f of fills) {
      expect(f.price.greaterThanOrEqualTo(lo) && f.price.lessThanOrEqualTo(hi)).toBe(true);
      expect(f.id).toBeGreaterThan(first.id);
    }
    expect(ex.klines(S, '1m').length).toBeGreaterThanOrEqual(7);
  });

  it('publishes trades, book ticker, klines and (once a second) the mark price to market subscribers', () => {
    const { ex } = withAccount({}, {}, new VirtualClock(0));
    const seen: MarketEvent['type'][] = [];
    ex.subscribeMarket(S, { onEvent: (e) => seen.push(e.type) });
    ex.applyTrade(S, { price: d('60000.0'), qty: d('1'), buyerIsMaker: false, id: 5, time: 1_000 });
    expect(seen).toEqual(['kline', 'trade', 'bookTicker', 'markPrice']);
    // Within the same second: no second mark price (`markPrice@1s`); a second later, one.
    ex.applyTrade(S, { price: d('60000.1'), qty: d('1'), buyerIsMaker: false, id: 6, time: 1_500 });
    expect(seen.filter((t) => t === 'markPrice')).toHaveLength(1);
    ex.applyTrade(S, { price: d('60000.2'), qty: d('1'), buyerIsMaker: false, id: 7, time: 2_000 });
    expect(seen.filter((t) => t === 'markPrice')).toHaveLength(2);
    expect(ex.bookTop(S)?.ask.toString()).toBe('60000.2');
    expect(ex.bookTop(S)?.bid.toString()).toBe('60000.1');
  });

  it('publishes a candle path as trades with their book top (a coarse tape), then the close', () => {
    const { ex } = withAccount({}, {}, new VirtualClock(T0 + 60_000));
    const seen: string[] = [];
    ex.subscribeMarket(S, {
      onEvent: (e) => {
        if (e.type === 'trade') seen.push(`trade ${e.price} ${e.buyerIsMaker ? 'sell' : 'buy'}`);
        else if (e.type === 'bookTicker') seen.push(`book ${e.book.bid}/${e.book.ask}`);
        else seen.push(e.type);
      },
    });
    // Open 100, low 99 first (closer to the open), then high 102, close 101.
    ex.applyCandle(S, {
      openTime: T0,
      open: d('100'),
      high: d('102'),
      low: d('99'),
      close: d('101'),
      volume: d('8'),
    });
    expect(seen).toEqual([
      'trade 100 sell',
      'book 100/100.1',
      'trade 99 sell',
      'book 99/99.1',
      'trade 102 buy',
      'book 101.9/102',
      'trade 101 sell',
      'book 101/101.1',
      'kline',
      'markPrice',
      'book 101/101.1',
    ]);
  });
});

describe('amend', () => {
  async function withBuy(tif: 'GTC' | 'GTX' = 'GTC') {
    const built = withAccount({}, {}, new VirtualClock(T0));
    await feed(built.ex, built.clock, 'DOGEUSDC', T0, ['0.20000 0.20000 0.20000 0.20000']);
    const o = built.ex.placeOrder('a', {
      symbol: 'DOGEUSDC',
      side: 'BUY',
      type: 'LIMIT',
      price: d('0.19000'),
      quantity: d('100'),
      timeInForce: tif,
      newClientOrderId: 'b1',
    });
    return { ...built, o };
  }

  it('changes price and quantity of a resting limit, keeping its ids, with an AMENDMENT event', async () => {
    const { ex, o } = await withBuy();
    const a = ex.amendOrder('a', {
      symbol: 'DOGEUSDC',
      clientOrderId: 'b1',
      side: 'BUY',
      price: d('0.19500'),
      quantity: d('200'),
    });
    expect([a.orderId, a.clientOrderId, a.price.toString(), a.origQty.toString()]).toEqual([
      o.orderId,
      'b1',
      '0.195',
      '200',
    ]);
    const last = ex.events('a').at(-1);
    expect(last?.type === 'orderUpdate' && last.executionType).toBe('AMENDMENT');
  });

  it('rejects an amend that changes nothing (-5027) or breaks a filter, keeping the order', async () => {
    const { ex } = await withBuy();
    expect(
      code(() =>
        ex.amendOrder('a', {
          symbol: 'DOGEUSDC',
          clientOrderId: 'b1',
          side: 'BUY',
          price: d('0.19000'),
          quantity: d('100'),
        }),
      ),
    ).toBe(-5027);
    expect(
      code(() =>
        ex.amendOrder('a', {
          symbol: 'DOGEUSDC',
          clientOrderId: 'b1',
          side: 'BUY',
          price: d('0.190001'),
          quantity: d('100'),
        }),
      ),
    ).toBe(-4014);
    expect(ex.order('a', 'DOGEUSDC', { clientOrderId: 'b1' }).status).toBe('NEW');
  });

  it('cancels a post-only order amended to a price that would take', async () => {
    const { ex } = await withBuy('GTX');
    const a = ex.amendOrder('a', {
      symbol: 'DOGEUSDC',
      clientOrderId: 'b1',
      side: 'BUY',
      price: d('0.20001'),
      quantity: d('100'),
    });
    expect(a.status).toBe('CANCELED');
  });

  it('fills a GTC order amended through the touch as taker', async () => {
    const { ex } = await withBuy();
    const a = ex.amendOrder('a', {
      symbol: 'DOGEUSDC',
      clientOrderId: 'b1',
      side: 'BUY',
      price: d('0.20010'),
      quantity: d('100'),
    });
    expect(a.status).toBe('FILLED');
    expect(a.avgPrice.toString()).toBe('0.20001');
  });

  it('refuses to amend what is not an open order (-2013)', async () => {
    const { ex } = await withBuy();
    ex.cancelOrder('a', 'DOGEUSDC', { clientOrderId: 'b1' });
    expect(
      code(() =>
        ex.amendOrder('a', {
          symbol: 'DOGEUSDC',
          clientOrderId: 'b1',
          side: 'BUY',
          price: d('0.19500'),
          quantity: d('100'),
        }),
      ),
    ).toBe(-2013);
  });
});
