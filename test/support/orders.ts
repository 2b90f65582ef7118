/** Order commands and leftover exchange orders for tests of the guard rails. */
import type { OrderCommand } from '../../shared/domain/commands.js';
import { dec } from '../../shared/domain/money.js';
import type { LimitOrderRequest, MarketOrderRequest, StopOrderRequest } from '../../shared/domain/orders.js';
import type { PaperApp } from './app.js';

/** A limit order of instance `i1` on BTC/USDT LONG, as the pipeline's pre-trade step receives it. */
export function placeCommand(
  side: 'buy' | 'sell',
  price: string,
  qty: string,
): Extract<OrderCommand, { kind: 'PlaceOrder' }> {
  return {
    kind: 'PlaceOrder',
    instanceId: 'i1',
    level: 0,
    request: {
      type: 'limit',
      account: 'main',
      symbol: 'BTC/USDT:USDT',
      clientOrderId: 'gbi1L0B1',
      side,
      positionSide: 'LONG',
      price: dec(price),
      qty: dec(qty),
      timeInForce: 'GTC',
    },
    reason: 'test',
  };
}

/** A closePosition stop placed straight on the paper venue (left by an earlier life of an instance). */
export function leftoverStop(
  app: PaperApp,
  account: string,
  positionSide: 'LONG' | 'SHORT',
  triggerPrice: string,
  clientAlgoId: string,
): void {
  app.ex.placeAlgoOrder(account, {
    symbol: 'DOGEUSDC',
    side: positionSide === 'LONG' ? 'SELL' : 'BUY',
    type: 'STOP_MARKET',
    triggerPrice: dec(triggerPrice),
    workingType: 'MARK_PRICE',
    positionSide,
    closePosition: true,
    clientAlgoId,
  });
}

/**
 * Request builders for the ccxt adapter tests of either venue: a GTC buy on BTC/USDT LONG, a market buy
 * there, and a LONG closePosition stop on the mark, each with a fresh client id from `nextId`.
 */
export function orderRequests(nextId: (tag: string) => string) {
  return {
    /** A taker buy of `qty` coins opening LONG. */
    market(qty: string, over: Partial<MarketOrderRequest> = {}): MarketOrderRequest {
      return {
        account: 'acct-a',
        symbol: 'BTC/USDT:USDT',
        clientOrderId: nextId('M'),
        side: 'buy',
        positionSide: 'LONG',
        type: 'market',
        qty: dec(qty),
        ...over,
      };
    },
    limit(over: Partial<LimitOrderRequest> = {}): LimitOrderRequest {
      return {
        account: 'acct-a',
        symbol: 'BTC/USDT:USDT',
        clientOrderId: nextId('L'),
        side: 'buy',
        positionSide: 'LONG',
        type: 'limit',
        price: dec('90000.0'),
        qty: dec('0.002'),
        timeInForce: 'GTC',
        ...over,
      };
    },
    /** A STOP_MARKET on the LONG side, on the mark: closePosition, or for `qty` coins. */
    longStop(trigger: string, over: Partial<StopOrderRequest> = {}): StopOrderRequest {
      return {
        account: 'acct-a',
        symbol: 'BTC/USDT:USDT',
        clientOrderId: nextId('T'),
        side: 'sell',
        positionSide: 'LONG',
        type: 'stop_market',
        triggerPrice: dec(trigger),
        workingType: 'MARK_PRICE',
        closePosition: true,
        ...over,
      };
    },
  };
}
