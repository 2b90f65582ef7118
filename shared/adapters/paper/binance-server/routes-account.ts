/**
 * Account and market-data routes on the paper engine: positionRisk (v2, v3), account (v2, v3), balance
 * (v2, v3), leverageBracket, leverage, positionSide/dual, commissionRate, income; and the public
 * exchangeInfo-adjacent market data: klines, fundingRate, premiumIndex, ticker/price (v1, v2),
 * ticker/bookTicker.
 */
import { fmt } from '../../../domain/money.js';
import type { PaperExchange } from '../engine.js';
import { formatPrice, formatQty } from '../market-rules.js';
import { apiErrors, BinanceApiError } from './api-error.js';
import {
  accountJson,
  balanceRowJson,
  bracketJson,
  klineRow,
  positionV2Json,
  positionV3Json,
} from './format-rest.js';
import { Params } from './params.js';
import type { Route } from './router.js';
import { accountOf, engineCall } from './routes-trading.js';

const KLINE_INTERVALS = new Set([
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
]);

function klineWeight(params: URLSearchParams): number {
  const limit = Number(params.get('limit') ?? '500');
  return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

export function accountRoutes(engine: PaperExchange): Route[] {
  const rules = (symbol: string) => engine.marketRules(symbol);
  const signed = { security: 'signed' as const };
  const positionRisk = (version: 2 | 3): Route => ({
    ...signed,
    method: 'GET',
    path: `/fapi/v${version}/positionRisk`,
    weight: 5,
    handle: async (ctx) => {
      const account = accountOf(ctx);
      const symbol = new Params(ctx.params).optStr('symbol');
      const views = await engineCall(engine, account, 'query', () => engine.positions(account, symbol));
      return views.map((v) =>
        version === 3 ? positionV3Json(v, rules(v.symbol)) : positionV2Json(v, rules(v.symbol)),
      );
    },
  });
  const accountInfo = (version: 2 | 3): Route => ({
    ...signed,
    method: 'GET',
    path: `/fapi/v${version}/account`,
    weight: 5,
    handle: async (ctx) => {
      const account = accountOf(ctx);
      const [balances, positions] = await engineCall(
        engine,
        account,
        'query',
        () => [engine.balances(account), engine.positions(account)] as const,
      );
      return {
        ...(version === 2
          ? {
              feeTier: 0,
              canTrade: true,
              canDeposit: true,
              canWithdraw: true,
              updateTime: 0,
              multiAssetsMargin: false,
              tradeGroupId: -1,
            }
          : {}),
        ...accountJson(balances, positions, rules),
      };
    },
  });
  const balance = (version: 2 | 3): Route => ({
    ...signed,
    method: 'GET',
    path: `/fapi/v${version}/balance`,
    weight: 5,
    handle: async (ctx) => {
      const account = accountOf(ctx);
      const balances = await engineCall(engine, account, 'query', () => engine.balances(account));
      return balances.map((b) => balanceRowJson(b, account));
    },
  });
  return [
    positionRisk(2),
    positionRisk(3),
    accountInfo(2),
    accountInfo(3),
    balance(2),
    balance(3),
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/leverageBracket',
      weight: 1,
      handle: (ctx) => {
        accountOf(ctx);
        const symbol = new Params(ctx.params).optStr('symbol');
        const rows = engine
          .leverageBrackets(symbol)
          .map((r) => ({ symbol: r.symbol, notionalCoef: 1.0, brackets: r.brackets.map(bracketJson) }));
        return symbol === undefined ? rows : rows;
      },
    },
    {
      // The leverage of a symbol when no position shows it (v3 positionRisk dropped the field).
      ...signed,
      method: 'GET',
      path: '/fapi/v1/symbolConfig',
      weight: 5,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const symbol = new Params(ctx.params).optStr('symbol');
        const symbols = symbol === undefined ? engine.symbols() : [symbol];
        return engineCall(engine, account, 'query', () =>
          symbols.map((s) => ({
            symbol: s,
            marginType: 'CROSSED',
            isAutoAddMargin: 'false',
            leverage: engine.leverage(account, s),
            maxNotionalValue: 'INF',
          })),
        );
      },
    },
    {
      ...signed,
      method: 'POST',
      path: '/fapi/v1/leverage',
      weight: 1,
      handle: async (ctx) => {
        const p = new Params(ctx.params);
        const account = accountOf(ctx);
        const leverage = p.optInt('leverage');
        if (leverage === undefined) throw apiErrors.mandatory('leverage');
        const r = await engineCall(engine, account, 'configure', () =>
          engine.setLeverage(account, p.str('symbol'), leverage),
        );
        return { leverage: r.leverage, maxNotionalValue: fmt(r.maxNotionalValue), symbol: r.symbol };
      },
    },
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/positionSide/dual',
      weight: 30,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        return engineCall(engine, account, 'query', () => engine.positionMode(account));
      },
    },
    {
      ...signed,
      method: 'POST',
      path: '/fapi/v1/positionSide/dual',
      weight: 1,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const dual = new Params(ctx.params).optBool('dualSidePosition');
        if (dual === undefined) throw apiErrors.mandatory('dualSidePosition');
        await engineCall(engine, account, 'configure', () => engine.setPositionMode(account, dual));
        return { code: 200, msg: 'success' };
      },
    },
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/commissionRate',
      weight: 20,
      handle: (ctx) => {
        accountOf(ctx);
        const symbol = new Params(ctx.params).str('symbol');
        const r = engine.feeRates(accountOf(ctx), symbol);
        return {
          symbol,
          makerCommissionRate: fmt(r.maker),
          takerCommissionRate: fmt(r.taker),
          rpiCommissionRate: '0',
        };
      },
    },
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/income',
      weight: 30,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const p = new Params(ctx.params);
        const records = await engineCall(engine, account, 'query', () => engine.income(account, p.window()));
        return records.map((r) => ({
          symbol: r.symbol,
          incomeType: r.incomeType,
          income: r.income.toFixed(8),
          asset: r.asset,
          info: r.incomeType,
          time: r.time,
          tranId: r.tranId,
          tradeId: r.tradeId === null ? '' : String(r.tradeId),
        }));
      },
    },
    ...marketDataRoutes(engine),
  ];
}

function marketDataRoutes(engine: PaperExchange): Route[] {
  const rules = (symbol: string) => engine.marketRules(symbol);
  const none = { security: 'none' as const };
  const noPrice = () => new BinanceApiError(400, -1121, 'Invalid symbol.');
  const premium = (symbol: string) => {
    const m = engine.markPrice(symbol);
    return {
      symbol,
      markPrice: m.markPrice.toFixed(8),
      indexPrice: m.indexPrice.toFixed(8),
      estimatedSettlePrice: m.markPrice.toFixed(8),
      lastFundingRate: m.lastFundingRate.toFixed(8),
      interestRate: '0.00010000',
      nextFundingTime: m.nextFundingTime,
      time: m.time,
    };
  };
  const tickerPrice = (version: 1 | 2): Route => ({
    ...none,
    method: 'GET',
    path: `/fapi/v${version}/ticker/price`,
    weight: (params) => (params.get('symbol') ? 1 : 2),
    handle: ({ params, now }) => {
      const one = (symbol: string) => {
        const last = engine.lastPrice(symbol);
        if (last === undefined) throw noPrice();
        return { symbol, price: formatPrice(rules(symbol), last), time: now };
      };
      const symbol = new Params(params).optStr('symbol');
      return symbol === undefined
        ? engine
            .symbols()
            .filter((s) => engine.lastPrice(s))
            .map(one)
        : one(symbol);
    },
  });
  return [
    {
      ...none,
      method: 'GET',
      path: '/fapi/v1/klines',
      weight: klineWeight,
      handle: ({ params }) => {
        const p = new Params(params);
        const symbol = p.str('symbol');
        const interval = p.str('interval');
        if (!KLINE_INTERVALS.has(interval)) throw apiErrors.badInterval();
        return engine.klines(symbol, interval, p.window()).map((k) => klineRow(k, rules(symbol)));
      },
    },
    {
      ...none,
      method: 'GET',
      path: '/fapi/v1/fundingRate',
      weight: 1,
      handle: ({ params }) => {
        const p = new Params(params);
        const symbol = p.str('symbol');
        // Settled rates only, oldest first; from startTime (up to limit) or the latest limit (100, ≤ 1000).
        return engine.fundingHistory(symbol, p.window()).map((r) => ({
          symbol: r.symbol,
          fundingTime: r.fundingTime,
          fundingRate: r.fundingRate.toFixed(8),
          markPrice: r.markPrice?.toFixed(8) ?? '',
        }));
      },
    },
    {
      ...none,
      method: 'GET',
      path: '/fapi/v1/premiumIndex',
      weight: (params) => (params.get('symbol') ? 1 : 10),
      handle: ({ params }) => {
        const symbol = new Params(params).optStr('symbol');
        return symbol === undefined ? engine.symbols().map(premium) : premium(symbol);
      },
    },
    tickerPrice(1),
    tickerPrice(2),
    {
      ...none,
      method: 'GET',
      path: '/fapi/v1/ticker/bookTicker',
      weight: (params) => (params.get('symbol') ? 2 : 5),
      handle: ({ params }) => {
        const symbol = new Params(params).str('symbol');
        const top = engine.bookTop(symbol);
        if (!top) throw noPrice();
        const r = rules(symbol);
        return {
          symbol,
          bidPrice: formatPrice(r, top.bid),
          bidQty: formatQty(r, top.bidQty),
          askPrice: formatPrice(r, top.ask),
          askQty: formatQty(r, top.askQty),
          time: top.time,
        };
      },
    },
  ];
}
