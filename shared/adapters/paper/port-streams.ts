/**
 * The paper engine's feeds as the Exchange port's streams. A TRADE order update becomes a `fill` then an
 * `order` event; an ACCOUNT_UPDATE becomes `position` and `balance` events (read from the engine when
 * delivered, i.e. right after the call that caused them); an ALGO_UPDATE an `order` of kind `stop`.
 * Market events are filtered to the channels asked for.
 */
import type { MarketChannel, MarketStreamEvent, UserStreamEvent } from '../../ports/exchange.js';
import type { PaperExchange } from './engine.js';
import {
  algoToExchangeOrder,
  toBalance,
  toCandle,
  toExchangeOrder,
  toFill,
  toPosition,
} from './port-mapping.js';
import type { SymbolMap } from './symbol-map.js';
import type { AccountEvent, MarketEvent } from './types.js';

export function userEvents(
  engine: PaperExchange,
  accountId: string,
  symbols: SymbolMap,
  e: AccountEvent,
  receivedAt: number,
): UserStreamEvent[] {
  switch (e.type) {
    case 'orderUpdate': {
      const symbol = symbols.toUnified(e.order.symbol);
      const order: UserStreamEvent = { type: 'order', order: toExchangeOrder(e.order, symbol), receivedAt };
      return e.trade ? [{ type: 'fill', fill: toFill(e.trade, symbol), receivedAt }, order] : [order];
    }
    case 'algoUpdate':
      return [
        {
          type: 'order',
          order: algoToExchangeOrder(e.algo, symbols.toUnified(e.algo.symbol)),
          receivedAt,
        },
      ];
    case 'accountUpdate': {
      const out: UserStreamEvent[] = [];
      for (const p of e.positions) {
        const view = engine.positions(accountId, p.symbol).find((x) => x.positionSide === p.positionSide);
        if (view)
          out.push({
            type: 'position',
            position: toPosition(view, symbols.toUnified(p.symbol)),
            receivedAt,
          });
      }
      for (const b of e.balances)
        out.push({
          type: 'balance',
          balance: toBalance(engine.balance(accountId, b.asset)),
          receivedAt,
        });
      return out;
    }
    case 'accountConfigUpdate':
      return [];
  }
}

export function marketEvent(
  e: MarketEvent,
  symbol: string,
  want: ReadonlySet<MarketChannel>,
): MarketStreamEvent | undefined {
  switch (e.type) {
    case 'trade':
      if (!want.has('trades')) return undefined;
      return {
        type: 'trade',
        symbol,
        id: String(e.tradeId),
        price: e.price,
        qty: e.qty,
        takerSide: e.buyerIsMaker ? 'sell' : 'buy',
        time: e.time,
      };
    case 'bookTicker':
      if (!want.has('bookTop')) return undefined;
      return {
        type: 'bookTop',
        symbol,
        bid: e.book.bid,
        bidQty: e.book.bidQty,
        ask: e.book.ask,
        askQty: e.book.askQty,
        time: e.book.time,
      };
    case 'markPrice':
      if (!want.has('markPrice')) return undefined;
      return {
        type: 'markPrice',
        symbol,
        mark: e.mark.markPrice,
        fundingRate: e.mark.lastFundingRate,
        time: e.mark.time,
      };
    case 'kline':
      if (!want.has('candles1m')) return undefined;
      return { type: 'candle', symbol, candle: toCandle(e.kline), closed: e.closed };
  }
}
