/**
 * Conditional (algo) order routes on the paper engine, where Binance keeps STOP_MARKET and
 * TAKE_PROFIT_MARKET since its algo migration: `algoOrder` (POST / GET / DELETE), `openAlgoOrders`,
 * `allAlgoOrders`, `algoOpenOrders`. Orders are addressed by `algoId` or `clientAlgoId`.
 */
import type { PaperExchange } from '../engine.js';
import { binanceErrors } from '../errors.js';
import type { BinanceAlgoOrderType } from '../types.js';
import { apiErrors, BinanceApiError } from './api-error.js';
import { algoJson } from './format-rest.js';
import { Params } from './params.js';
import type { Route } from './router.js';
import { accountOf, engineCall, POSITION_SIDES, SIDES } from './routes-trading.js';

const ALGO_TYPES: readonly BinanceAlgoOrderType[] = ['STOP_MARKET', 'TAKE_PROFIT_MARKET'];

function algoRef(p: Params): { algoId?: number; clientAlgoId?: string } {
  const algoId = p.optInt('algoId');
  const clientAlgoId = p.optStr('clientAlgoId');
  if (algoId === undefined && clientAlgoId === undefined) {
    throw new BinanceApiError(
      400,
      -1102,
      "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!",
    );
  }
  return {
    ...(algoId !== undefined ? { algoId } : {}),
    ...(clientAlgoId !== undefined ? { clientAlgoId } : {}),
  };
}

export function algoRoutes(engine: PaperExchange): Route[] {
  const rules = (symbol: string) => engine.marketRules(symbol);
  const signed = { security: 'signed' as const };
  return [
    {
      ...signed,
      method: 'POST',
      path: '/fapi/v1/algoOrder',
      weight: 0,
      order: true,
      handle: async (ctx) => {
        const p = new Params(ctx.params);
        const account = accountOf(ctx);
        if (p.str('algoType') !== 'CONDITIONAL') throw apiErrors.badParam('algoType');
        const view = await engineCall(engine, account, 'placeAlgoOrder', () =>
          engine.placeAlgoOrder(account, {
            symbol: p.str('symbol'),
            side: p.oneOf('side', SIDES, binanceErrors.invalidSide),
            type: p.oneOf('type', ALGO_TYPES, binanceErrors.invalidOrderType),
            triggerPrice: p.dec('triggerPrice'),
            workingType: p.optOneOf('workingType', ['MARK_PRICE', 'CONTRACT_PRICE'] as const, () =>
              apiErrors.badParam('workingType'),
            ),
            positionSide: p.optOneOf('positionSide', POSITION_SIDES, () =>
              apiErrors.badParam('positionSide'),
            ),
            closePosition: p.optBool('closePosition'),
            quantity: p.optDec('quantity'),
            reduceOnly: p.optBool('reduceOnly'),
            priceProtect: p.optBool('priceProtect'),
            clientAlgoId: p.optStr('clientAlgoId'),
          }),
        );
        return algoJson(view, rules(view.symbol));
      },
    },
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/algoOrder',
      weight: 1,
      handle: async (ctx) => {
        const p = new Params(ctx.params);
        const account = accountOf(ctx);
        const view = await engineCall(engine, account, 'query', () =>
          engine.algoOrder(account, algoRef(p), p.optStr('symbol')),
        );
        return algoJson(view, rules(view.symbol));
      },
    },
    {
      ...signed,
      method: 'DELETE',
      path: '/fapi/v1/algoOrder',
      weight: 1,
      handle: async (ctx) => {
        const p = new Params(ctx.params);
        const account = accountOf(ctx);
        const view = await engineCall(engine, account, 'cancelAlgoOrder', () =>
          engine.cancelAlgoOrder(account, algoRef(p), p.optStr('symbol')),
        );
        return { algoId: view.algoId, clientAlgoId: view.clientAlgoId, code: '200', msg: 'success' };
      },
    },
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/openAlgoOrders',
      weight: (params) => (params.get('symbol') ? 1 : 40),
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const symbol = new Params(ctx.params).optStr('symbol');
        const views = await engineCall(engine, account, 'query', () =>
          engine.openAlgoOrders(account, symbol),
        );
        return views.map((v) => algoJson(v, rules(v.symbol)));
      },
    },
    {
      ...signed,
      method: 'GET',
      path: '/fapi/v1/allAlgoOrders',
      weight: 5,
      handle: async (ctx) => {
        const p = new Params(ctx.params);
        const account = accountOf(ctx);
        const symbol = p.str('symbol');
        const views = await engineCall(engine, account, 'query', () =>
          engine.allAlgoOrders(account, symbol, p.window()),
        );
        return views.map((v) => algoJson(v, rules(symbol)));
      },
    },
    {
      ...signed,
      method: 'DELETE',
      path: '/fapi/v1/algoOpenOrders',
      weight: 1,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const symbol = new Params(ctx.params).str('symbol');
        await engineCall(engine, account, 'cancelAlgoOrder', () =>
          engine.cancelAllAlgoOrders(account, symbol),
        );
        return { code: 200, msg: 'The operation of cancel all open order is done.' };
      },
    },
  ];
}
