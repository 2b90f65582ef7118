/**
 * Order routes on the paper engine: `/fapi/v1/order` (POST / GET / DELETE / PUT), `openOrders`,
 * `openOrder`, `allOrders`, `allOpenOrders`, `userTrades` (`fromId`). Conditional types sent to `/order`
 * are refused with -4120, as Binance does since the algo migration (see `routes-algo.ts`).
 */
import type { PaperExchange } from '../engine.js';
import { binanceErrors } from '../errors.js';
import type { Operation } from '../faults.js';
import type { BinancePositionSide, BinanceSide, BinanceTimeInForce, OrderRef, OrderView } from '../types.js';
import { apiErrors, BinanceApiError } from './api-error.js';
import { orderJson, tradeJson } from './format-rest.js';
import { Params } from './params.js';
import type { Route, RouteContext } from './router.js';

export const SIDES: readonly BinanceSide[] = ['BUY', 'SELL'];
export const POSITION_SIDES: readonly BinancePositionSide[] = ['BOTH', 'LONG', 'SHORT'];
const TIFS: readonly BinanceTimeInForce[] = ['GTC', 'GTX', 'IOC'];
const CONDITIONAL_TYPES = [
  'STOP',
  'STOP_MARKET',
  'TAKE_PROFIT',
  'TAKE_PROFIT_MARKET',
  'TRAILING_STOP_MARKET',
];

export function accountOf(ctx: RouteContext): string {
  if (!ctx.account) throw apiErrors.rejectedApiKey();
  return ctx.account;
}

/** Honours the engine's injected call delays (on the engine clock) before a call reaches it. */
export async function engineCall<T>(
  engine: PaperExchange,
  account: string,
  op: Operation,
  fn: () => T,
): Promise<T> {
  const ms = engine.faults.takeCallDelay(account, op);
  if (ms > 0) await engine.clock.sleep(ms);
  return fn();
}

function orderRef(p: Params): OrderRef {
  const orderId = p.optInt('orderId');
  const clientOrderId = p.optStr('origClientOrderId');
  if (orderId === undefined && clientOrderId === undefined) {
    throw new BinanceApiError(
      400,
      -1102,
      "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
    );
  }
  return { orderId, clientOrderId };
}

export function tradingRoutes(engine: PaperExchange): Route[] {
  const rules = (symbol: string) => engine.marketRules(symbol);
  const signed = { security: 'signed' as const };
  /** A handler for one order of one symbol: the engine call under `op`, answered as Binance's order JSON. */
  const oneOrder =
    (op: Operation, call: (account: string, symbol: string, p: Params) => OrderView) =>
    async (ctx: RouteContext) => {
      const p = new Params(ctx.params);
      const account = accountOf(ctx);
      const symbol = p.str('symbol');
      const view = await engineCall(engine, account, op, () => call(account, symbol, p));
      return orderJson(view, rules(symbol));
    };
  return [
    {
      ...signed,
      method: 'POST',
      path: '/fapi/v1/order',
      weight: 0,
      order: true,
      handle: async (ctx) => {
        const p = new Params(ctx.params);
        const account = accountOf(ctx);
        const type = p.str('type');
        if (CONDITIONAL_TYPES.includes(type)) throw binanceErrors.useAlgoEndpoint();
        if (type !== 'LIMIT' && type !== 'MARKET') throw binanceErrors.invalidOrderType();
        const view = await engineCall(engine, account, 'placeOrder', () =>
          engine.placeOrder(account, {
            symbol: p.str('symbol'),
            side: p.oneOf('side', SIDES, binanceErrors.invalidSide),
            type,
            quantity: p.dec('quantity'),
            price: p.optDec('price'),
            timeInForce: p.optOneOf('timeInForce', TIFS, binanceErrors.invalidTimeInForce),
            positionSide: p.optOneOf('positionSide', POSITION_SIDES, () =>
              apiErrors.badParam('positionSide'),
            ),
            reduceOnly: p.optBool('reduceOnly'),
            newClientOrderId: p.optStr('newClientOrderId'),
          }),
        );
        return orderJson(view, rules(view.symbol));
      },
    },
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/order',
      weight: 1,
      handle: oneOrder('query', (account, symbol, p) => engine.order(account, symbol, orderRef(p))),
    },
    {
      ...signed,
      method: 'DELETE',
      path: '/fapi/v1/order',
      weight: 1,
      handle: oneOrder('cancelOrder', (account, symbol, p) =>
        engine.cancelOrder(account, symbol, orderRef(p)),
      ),
    },
    {
      ...signed,
      method: 'PUT',
      path: '/fapi/v1/order',
      weight: 1,
      order: true,
      handle: oneOrder('amendOrder', (account, symbol, p) =>
        engine.amendOrder(account, {
          ...orderRef(p),
          symbol,
          side: p.oneOf('side', SIDES, binanceErrors.invalidSide),
          quantity: p.dec('quantity'),
          price: p.dec('price'),
        }),
      ),
    },
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/openOrders',
      weight: (params) => (params.get('symbol') ? 1 : 40),
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const symbol = new Params(ctx.params).optStr('symbol');
        const views = await engineCall(engine, account, 'query', () => engine.openOrders(account, symbol));
        return views.map((v) => orderJson(v, rules(v.symbol)));
      },
    },
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/openOrder',
      weight: 1,
      handle: oneOrder('query', (account, symbol, p) => {
        const view = engine.order(account, symbol, orderRef(p));
        if (view.status !== 'NEW' && view.status !== 'PARTIALLY_FILLED') {
          throw new BinanceApiError(400, -2013, 'Order does not exist.');
        }
        return view;
      }),
    },
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/allOrders',
      weight: 5,
      handle: async (ctx) => {
        const p = new Params(ctx.params);
        const account = accountOf(ctx);
        const symbol = p.str('symbol');
        const orderId = p.optInt('orderId');
        const views = await engineCall(engine, account, 'query', () =>
          engine.allOrders(account, symbol, { ...p.window(), ...(orderId !== undefined ? { orderId } : {}) }),
        );
        return views.map((v) => orderJson(v, rules(symbol)));
      },
    },
    {
      ...signed,
      method: 'DELETE',
      path: '/fapi/v1/allOpenOrders',
      weight: 1,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const symbol = new Params(ctx.params).str('symbol');
        await engineCall(engine, account, 'cancelOrder', () => engine.cancelAllOrders(account, symbol));
        return { code: 200, msg: 'The operation of cancel all open order is done.' };
      },
    },
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/userTrades',
      weight: 5,
      handle: async (ctx) => {
        const p = new Params(ctx.params);
        const account = accountOf(ctx);
        const symbol = p.str('symbol');
        const fromId = p.optInt('fromId');
        const views = await engineCall(engine, account, 'query', () =>
          engine.userTrades(account, symbol, { ...p.window(), ...(fromId !== undefined ? { fromId } : {}) }),
        );
        return views.map((v) => tradeJson(v, rules(symbol)));
      },
    },
  ];
}
