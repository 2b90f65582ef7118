/**
 * Binance USD-M through ccxt `binanceusdm` (4.5).
 *
 * Traps handled here:
 *  - Hedge mode: a close is `positionSide` + the opposite side, never `reduceOnly` (Binance answers -1106
 *    when both are sent); `reduceOnly` is sent only in one-way mode (`positionSide: BOTH`).
 *  - Conditional orders (STOP_MARKET / TAKE_PROFIT_MARKET) go to the algo endpoints: ccxt routes a
 *    `stopLossPrice` / `takeProfitPrice` order to `POST /fapi/v1/algoOrder` with `clientAlgoId`; fetching
 *    and cancelling them needs `trigger: true`.
 *  - Post-only is `timeInForce=GTX` (ccxt's `postOnly: true`).
 *  - Amend is `PUT /fapi/v1/order` addressed by `origClientOrderId` (no exchange id needed).
 *  - Prices and quantities go out as exact decimal strings; answers are parsed from the raw `info`.
 */
import { leverageBracketsSchema } from '../../domain/analysis/leverage.js';
import { type Decimal, fmt } from '../../domain/money.js';
import type { OrderRequest } from '../../domain/orders.js';
import type { SymbolRules } from '../../domain/symbol-rules.js';
import { type AmendRequest, ExchangeError, type MarketChannel } from '../../ports/exchange.js';
import {
  binanceRules,
  parseBinanceBalance,
  parseBinanceKline,
  parseBinanceOrder,
  parseBinancePosition,
  parseBinanceTrade,
} from './binance-parse.js';
import { parseBinanceMarketMessage, parseBinanceUserMessage } from './binance-stream-parse.js';
import type { CcxtClient } from './client.js';
import type { OrderCall, VenueDialect } from './dialect.js';
import { asRaw, boolField, decField, idField, MalformedPayloadError, rawList, timeField } from './raw.js';

type Params = Record<string, unknown>;

/** The ccxt implicit endpoints this dialect calls directly (raw bodies, no float parsing). */
interface BinanceImplicit {
  fapiPrivateGetSymbolConfig(p: Params): Promise<unknown>;
  fapiPrivateGetCommissionRate(p: Params): Promise<unknown>;
  fapiPublicGetKlines(p: Params): Promise<unknown>;
  fapiPublicGetPremiumIndex(p: Params): Promise<unknown>;
  fapiPublicGetTickerPrice(p: Params): Promise<unknown>;
  fapiPrivateV3GetPositionRisk(p: Params): Promise<unknown>;
  fapiPrivateV3GetAccount(p: Params): Promise<unknown>;
  fapiPrivateGetUserTrades(p: Params): Promise<unknown>;
  fapiPrivateGetPositionSideDual(p: Params): Promise<unknown>;
  fapiPrivatePostPositionSideDual(p: Params): Promise<unknown>;
  fapiPrivateGetLeverageBracket(p: Params): Promise<unknown>;
}

function implicit(ex: CcxtClient): BinanceImplicit {
  return ex as unknown as BinanceImplicit;
}

function marketId(ex: CcxtClient, symbol: string): string {
  return ex.market(symbol).id as string;
}

/** Coins → venue contracts as exact text; off-step quantities are left for the venue's filters to refuse. */
function contracts(coins: Decimal, rules: SymbolRules): string {
  return fmt(coins.dividedBy(rules.contractSize));
}

export function binanceOrderCall(req: OrderRequest, rules: SymbolRules): OrderCall {
  const hedge = req.positionSide !== 'BOTH';
  const params: Params = { positionSide: req.positionSide, clientOrderId: req.clientOrderId };
  switch (req.type) {
    case 'limit':
      if (req.timeInForce === 'GTX') params.postOnly = true;
      else params.timeInForce = req.timeInForce;
      if (req.reduceOnly && !hedge) params.reduceOnly = true;
      return {
        type: 'limit',
        side: req.side,
        amount: contracts(req.qty, rules),
        price: fmt(req.price),
        params,
      };
    case 'market':
      if (req.reduceOnly && !hedge) params.reduceOnly = true;
      return { type: 'market', side: req.side, amount: contracts(req.qty, rules), price: undefined, params };
    case 'stop_market':
    case 'take_profit_market': {
      params[req.type === 'stop_market' ? 'stopLossPrice' : 'takeProfitPrice'] = fmt(req.triggerPrice);
      params.workingType = req.workingType;
      if (req.closePosition) {
        params.closePosition = true;
        return { type: 'market', side: req.side, amount: undefined, price: undefined, params };
      }
      if (!req.qty) throw new Error(`stop ${req.clientOrderId} needs qty or closePosition`);
      if (!hedge) params.reduceOnly = true;
      return { type: 'market', side: req.side, amount: contracts(req.qty, rules), price: undefined, params };
    }
  }
}

function watchUser(ex: CcxtClient): Promise<unknown> {
  return ex.watchOrders();
}

function watchMarket(ex: CcxtClient, symbol: string, channel: MarketChannel): Promise<unknown> {
  switch (channel) {
    case 'bookTop':
      return ex.watchBidsAsks([symbol]);
    case 'trades':
      return ex.watchTrades(symbol, undefined, undefined, { name: 'aggTrade' });
    case 'markPrice':
      return ex.watchMarkPrice(symbol);
    case 'candles1m':
      return ex.watchOHLCV(symbol, '1m');
  }
}

export const binanceDialect: VenueDialect = {
  venue: 'binanceusdm',
  supportsAmend: true,
  stopParams: { trigger: true },

  async loadRules(ex, symbol) {
    await ex.loadMarkets();
    const market = ex.market(symbol);
    const fees = asRaw(
      await implicit(ex).fapiPrivateGetCommissionRate({ symbol: market.id }),
      'commissionRate',
    );
    return binanceRules(market.symbol, asRaw(market.info, 'market info'), {
      maker: decField(fees, 'makerCommissionRate'),
      taker: decField(fees, 'takerCommissionRate'),
    });
  },

  orderCall: binanceOrderCall,

  amendCall(req: AmendRequest, rules: SymbolRules): OrderCall {
    return {
      type: 'limit',
      side: req.side,
      amount: contracts(req.qty, rules),
      price: fmt(req.price),
      params: { clientOrderId: req.clientOrderId },
    };
  },

  clientIdParams: (clientOrderId) => ({ clientOrderId }),

  parseOrder: (info, symbol) => parseBinanceOrder(info, symbol),

  parseCancel(info, symbol) {
    const raw = asRaw(info, 'cancel answer');
    if (raw.algoId !== undefined && raw.algoStatus === undefined) return null;
    return parseBinanceOrder(raw, symbol);
  },

  async fetchPosition(ex, symbol) {
    const rows = rawList(
      await implicit(ex).fapiPrivateV3GetPositionRisk({ symbol: marketId(ex, symbol) }),
      'positionRisk',
    );
    return rows.map((r) => parseBinancePosition(r, symbol));
  },

  async fetchLeverage(ex, symbol) {
    const rows = rawList(
      await implicit(ex).fapiPrivateGetSymbolConfig({ symbol: marketId(ex, symbol) }),
      'symbolConfig',
    );
    const row = rows.map((r) => asRaw(r, 'symbolConfig')).find((r) => r.symbol === marketId(ex, symbol));
    if (!row) return null;
    const leverage = decField(row, 'leverage', 'symbolConfig.leverage');
    if (!leverage.greaterThan(0))
      throw new MalformedPayloadError('symbolConfig.leverage must be greater than 0');
    return leverage;
  },

  async fetchBalance(ex, asset) {
    return parseBinanceBalance(await implicit(ex).fapiPrivateV3GetAccount({}), asset);
  },

  async fetchTrades(ex, symbol, cursor, limit, _rules, clientIdOf) {
    const params: Params = { symbol: marketId(ex, symbol), limit };
    if (cursor) params.fromId = (BigInt(cursor.tradeId) + 1n).toString();
    const rows = rawList(await implicit(ex).fapiPrivateGetUserTrades(params), 'userTrades');
    const fills = [];
    for (const r of rows) {
      const raw = asRaw(r, 'userTrade');
      const id = idField(raw, 'id');
      if (cursor && BigInt(id) <= BigInt(cursor.tradeId)) continue;
      fills.push(parseBinanceTrade(raw, symbol, await clientIdOf(idField(raw, 'orderId'))));
    }
    return fills.sort((a, b) => (BigInt(a.tradeId) < BigInt(b.tradeId) ? -1 : 1));
  },

  async fetchCandles(ex, symbol, timeframe, since, limit) {
    const params: Params = { symbol: marketId(ex, symbol), interval: timeframe };
    if (since !== undefined) params.startTime = since;
    if (limit !== undefined) params.limit = limit;
    return rawList(await implicit(ex).fapiPublicGetKlines(params), 'klines').map(parseBinanceKline);
  },

  async fetchPrice(ex, symbol) {
    const id = marketId(ex, symbol);
    const [premium, ticker] = await Promise.all([
      implicit(ex).fapiPublicGetPremiumIndex({ symbol: id }),
      implicit(ex).fapiPublicGetTickerPrice({ symbol: id }),
    ]);
    const p = asRaw(premium, 'premiumIndex');
    const t = asRaw(ticker, 'ticker/price');
    return { last: decField(t, 'price'), mark: decField(p, 'markPrice'), time: timeField(p, 'time') };
  },

  async setHedgeMode(ex, on) {
    await implicit(ex).fapiPrivatePostPositionSideDual({ dualSidePosition: on ? 'true' : 'false' });
  },

  async fetchLeverageBrackets(ex, symbol) {
    const id = marketId(ex, symbol);
    const rows = rawList(await implicit(ex).fapiPrivateGetLeverageBracket({ symbol: id }), 'leverageBracket');
    const row = rows.map((r) => asRaw(r, 'leverageBracket')).find((r) => r.symbol === id);
    if (!row) throw new ExchangeError('fatal', `no leverage brackets for ${symbol} in the venue's answer`);
    const parsed = leverageBracketsSchema.safeParse(row.brackets);
    if (!parsed.success)
      throw new ExchangeError(
        'fatal',
        `leverage brackets of ${symbol} are malformed: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
      );
    return parsed.data;
  },

  async fetchHedgeMode(ex) {
    return boolField(
      asRaw(await implicit(ex).fapiPrivateGetPositionSideDual({}), 'positionSide/dual'),
      'dualSidePosition',
    );
  },

  parseUserMessage: (message, ex) =>
    parseBinanceUserMessage(message, (id) => ex.safeSymbol(id, undefined, undefined, 'swap')),
  parseMarketMessage: (message, ex) =>
    parseBinanceMarketMessage(message, (id) => ex.safeSymbol(id, undefined, undefined, 'swap')),
  watchUser,
  watchMarket,
  isUserUrl: (url) => url.includes('listenKey=') || url.includes('/private/'),
  resetUserAuth(ex) {
    const future = (ex.options.future ?? {}) as Record<string, unknown>;
    ex.options.future = { ...future, listenKey: undefined, lastAuthenticatedTime: 0 };
  },
};
