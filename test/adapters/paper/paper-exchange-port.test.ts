import { describe, expect, it } from 'vitest';
import { binanceErrors } from '../../../shared/adapters/paper/errors.js';
import { PaperExchangePort } from '../../../shared/adapters/paper/paper-exchange-port.js';
import { dec } from '../../../shared/domain/money.js';
import type { LimitOrderRequest } from '../../../shared/domain/orders.js';
import {
  ExchangeError,
  type MarketStreamEvent,
  type UserStreamEvent,
} from '../../../shared/ports/exchange.js';
import { feed, T0, withAccount } from '../../support/paper.js';

const U = 'DOGE/USDC:USDC';
const d = dec;

async function port(hedge = true) {
  const built = withAccount({ dualSidePosition: hedge });
  await feed(built.ex, built.clock, 'DOGEUSDC', T0, ['0.20000 0.20000 0.20000 0.20000']);
  return { ...built, port: new PaperExchangePort(built.ex, 'a') };
}

function buy(over: Partial<LimitOrderRequest> = {}): LimitOrderRequest {
  return {
    account: 'a',
    symbol: U,
    clientOrderId: 'b1',
    side: 'buy',
    positionSide: 'LONG',
    type: 'limit',
    price: d('0.19000'),
    qty: d('100'),
    timeInForce: 'GTC',
    ...over,
  };
}

describe('paper ExchangePort', () => {
  it('maps unified symbols to Binance ids and back', async () => {
    const { port: p } = await port();
    expect(p.symbols.toId('DOGE/USDC:USDC')).toBe('DOGEUSDC');
    expect(p.symbols.toUnified('BTCUSDT')).toBe('BTC/USDT:USDT');
    expect(() => p.symbols.toId('DOGE/USDC')).toThrow(/not a perpetual/);
  });

  it('loads rules from the real exchangeInfo with the account fee rates', async () => {
    const { port: p } = await port();
    const r = await p.loadRules(U);
    expect([
      r.symbol,
      r.tickSize.toString(),
      r.stepSize.toString(),
      r.minNotional.toString(),
      r.contractSize.toString(),
    ]).toEqual([U, '0.00001', '1', '5', '1']);
    expect(r.takerFee.toString()).toBe('0.0004');
  });

  it('submits a limit order, finds it by client id, amends and cancels it', async () => {
    const { port: p } = await port();
    const placed = await p.submit(buy());
    expect(placed.ok && placed.order.status).toBe('NEW');
    expect((await p.openOrders(U)).map((o) => o.clientOrderId)).toEqual(['b1']);
    const amended = await p.amend({
      symbol: U,
      clientOrderId: 'b1',
      side: 'buy',
      positionSide: 'LONG',
      price: d('0.19500'),
      qty: d('150'),
    });
    expect(amended.ok && amended.order.price?.toString()).toBe('0.195');
    const cancelled = await p.cancel(U, 'b1', 'limit');
    expect(cancelled.ok && cancelled.order?.status).toBe('CANCELED');
    expect((await p.order(U, 'b1'))?.status).toBe('CANCELED');
    expect(await p.order(U, 'unknown')).toBeNull();
  });

  it('returns Binance refusals as typed rejections', async () => {
    const { port: p } = await port();
    const r = await p.submit(buy({ price: d('0.20001'), timeInForce: 'GTX' }));
    expect(r).toEqual({
      ok: false,
      reason: 'post_only_would_take',
      code: '-5022',
      message: expect.stringContaining('Post Only'),
    });
    await p.submit(buy());
    const dup = await p.submit(buy());
    expect(!dup.ok && dup.reason).toBe('duplicate_client_id');
    const unknown = await p.cancel(U, 'nope', 'limit');
    expect(!unknown.ok && unknown.reason).toBe('unknown_order');
  });

  it('never sends reduceOnly in hedge mode, so a hedge close is accepted', async () => {
    const { port: p } = await port();
    await p.submit({
      account: 'a',
      symbol: U,
      clientOrderId: 'o',
      side: 'buy',
      positionSide: 'LONG',
      type: 'market',
      qty: d('100'),
    });
    const close = await p.submit({
      account: 'a',
      symbol: U,
      clientOrderId: 'c',
      side: 'sell',
      positionSide: 'LONG',
      type: 'market',
      qty: d('100'),
      reduceOnly: true,
    });
    expect(close.ok).toBe(true);
    expect((await p.position(U, 'LONG')).qty.isZero()).toBe(true);
  });

  it('places stops on the algo side and finds them as kind stop', async () => {
    const { port: p } = await port();
    const r = await p.submit({
      account: 'a',
      symbol: U,
      clientOrderId: 'sl',
      side: 'sell',
      positionSide: 'LONG',
      type: 'stop_market',
      triggerPrice: d('0.18000'),
      workingType: 'MARK_PRICE',
      closePosition: true,
    });
    expect(r.ok && r.order.kind).toBe('stop');
    expect((await p.openOrders(U)).map((o) => o.kind)).toEqual(['stop']);
    expect((await p.order(U, 'sl', 'stop'))?.triggerPrice?.toString()).toBe('0.18');
    const c = await p.cancel(U, 'sl', 'stop');
    expect(c.ok && c.order?.status).toBe('CANCELED');
  });

  it('reports position, balance, price, trades since a cursor and candles', async () => {
    const { ex, clock, port: p } = await port();
    await p.submit(buy({ price: d('0.19900') }));
    await feed(ex, clock, 'DOGEUSDC', T0 + 60_000, ['0.20000 0.20000 0.19800 0.19900']);
    await p.submit(buy({ clientOrderId: 'b2', price: d('0.19700') }));
    await feed(ex, clock, 'DOGEUSDC', T0 + 120_000, ['0.19900 0.19900 0.19600 0.19700']);
    const pos = await p.position(U, 'LONG');
    expect([pos.qty.toString(), pos.entryPrice.toString()]).toEqual(['200', '0.198']);
    const all = await p.tradesSince(U, null);
    expect(all.map((f) => f.clientOrderId)).toEqual(['b1', 'b2']);
    const after = await p.tradesSince(U, { tradeId: all[0]!.tradeId, time: all[0]!.time });
    expect(after.map((f) => f.clientOrderId)).toEqual(['b2']);
    const bal = await p.balance('USDC');
    expect(bal.wallet.toString()).toBe('1000');
    expect((await p.fetchPrice(U)).last.toString()).toBe('0.197');
    expect((await p.candles(U, '1m')).map((c) => c.close.toString())).toEqual(['0.2', '0.199', '0.197']);
    expect(await p.hedgeMode()).toBe(true);
  });

  it('turns injected failures into ExchangeErrors: 5xx on a write is an unknown outcome, 429 is rate limited', async () => {
    const { ex, port: p } = await port();
    ex.faults.rejectNext({ count: 1, error: binanceErrors.internal(), operations: ['placeOrder'] });
    await expect(p.submit(buy())).rejects.toMatchObject({ kind: 'unknown_outcome' });
    ex.faults.rejectNext({ count: 1, error: binanceErrors.internal(), operations: ['query'] });
    await expect(p.openOrders(U)).rejects.toMatchObject({ kind: 'retryable' });
    const { PaperApiError } = await import('../../../shared/adapters/paper/errors.js');
    ex.faults.rejectNext({
      count: 1,
      error: new PaperApiError(-1003, 'Too many requests.', 429),
      operations: ['query'],
    });
    const err = await p.balance('USDC').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeError);
    expect((err as ExchangeError).kind).toBe('rate_limited');
  });

  it('waits injected call delays on the engine clock', async () => {
    const { ex, clock, port: p } = await port();
    ex.faults.delayNextCalls({ count: 1, ms: 2_000, operations: ['placeOrder'] });
    let done = false;
    const pending = p.submit(buy()).then(() => {
      done = true;
    });
    await clock.advanceBy(1_000);
    expect(done).toBe(false);
    await clock.advanceBy(1_000);
    await pending;
    expect(done).toBe(true);
  });

  it('streams fills, orders, positions and balances, and tells about disconnects', async () => {
    const { ex, clock, port: p } = await port();
    const seen: UserStreamEvent['type'][] = [];
    const sub = await p.subscribeUser((e) => seen.push(e.type));
    await p.submit(buy({ price: d('0.19900') }));
    await feed(ex, clock, 'DOGEUSDC', T0 + 60_000, ['0.20000 0.20000 0.19800 0.19900']);
    expect(seen).toEqual(['connection', 'order', 'position', 'balance', 'fill', 'order']);
    ex.faults.disconnectStream('a');
    ex.faults.reconnectStream('a');
    expect(seen.slice(-2)).toEqual(['connection', 'connection']);
    await sub.close();
    await p.submit(buy({ clientOrderId: 'after' }));
    expect(seen).toHaveLength(8);
  });

  it('streams the market channels asked for', async () => {
    const { ex, clock, port: p } = await port();
    const seen: MarketStreamEvent['type'][] = [];
    await p.subscribeMarket(U, ['candles1m', 'markPrice'], (e) => seen.push(e.type));
    await feed(ex, clock, 'DOGEUSDC', T0 + 60_000, ['0.20000 0.20000 0.19800 0.19900']);
    expect(seen).toEqual(['connection', 'candle', 'markPrice']);
    await p.close();
  });
});
