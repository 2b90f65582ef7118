/**
 * OKX v5 trade routes on the paper engine: `/trade/order` and `/trade/batch-orders` (place),
 * `/trade/cancel-order`, `/trade/cancel-batch-orders`, `/trade/amend-order`, `GET /trade/order`,
 * `/trade/orders-pending`, `/trade/orders-history`, `/trade/fills` and `/trade/fills-history`, and the algo
 * (conditional stop) routes `/trade/order-algo`, `/trade/cancel-algos`, `GET /trade/order-algo`,
 * `/trade/orders-algo-pending`, `/trade/orders-algo-history`.
 *
 * Semantics kept from OKX: sizes are contracts; `posSide` long / short in long/short mode, net in net mode;
 * `reduceOnly` applies in net mode only (ignored in long/short mode, where `posSide` makes a close a close);
 * a post-only order that would take is accepted and cancelled at once (`cancelSource` 31); an order call
 * that fails answers HTTP 200 with `code` 1 (all failed) or 2 (some failed) and each row's `sCode`.
 */

import { engineCall } from '../binance-server/routes-trading.js';
import type { PaperExchange } from '../engine.js';
import { PaperApiError } from '../errors.js';
import type { BinancePositionSide, OrderView } from '../types.js';
import { type ErrorContext, okxErrors, rowError } from './api-error.js';
import { algoRow, billIdOf, fillRow, orderRow } from './format.js';
import type { OkxInstrument } from './instruments.js';
import { intParam, type OkxReply, type OkxRoute, type OkxRouteContext } from './router.js';
import type { OkxVenueState } from './venue.js';

type Row = Record<string, unknown>;
type Body = Record<string, unknown>;

const POS_SIDES: Readonly<Record<string, BinancePositionSide>> = {
  long: 'LONG',
  short: 'SHORT',
  net: 'BOTH',
};
const ALGO_TYPES = new Set(['conditional', 'oco', 'trigger', 'move_order_stop', 'iceberg', 'twap']);

export function accountOf(ctx: OkxRouteContext): string {
  if (!ctx.account) throw okxErrors.invalidKey();
  return ctx.account;
}

const str = (b: Body, k: string): string | undefined =>
  typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined;

function bodyList(body: unknown): Body[] {
  if (Array.isArray(body)) return body.filter((b): b is Body => typeof b === 'object' && b !== null);
  if (body && typeof body === 'object') return [body as Body];
  throw okxErrors.param('body');
}

/** `code` 0 / 1 / 2 as OKX sets it for an order call from its rows. */
export function rowsReply(rows: Row[]): OkxReply {
  const failed = rows.filter((r) => r.sCode !== '0').length;
  if (failed === 0) return { data: rows };
  if (failed === rows.length) return { code: '1', msg: 'All operations failed', data: rows };
  return { code: '2', msg: 'Bulk operation partially succeeded', data: rows };
}

export function tradeRoutes(
  venue: OkxVenueState,
  onAutoCancel: (account: string, row: Row) => void,
): OkxRoute[] {
  const engine = venue.engine;
  const priv = { private: true as const };

  const posSideOf = (account: string, b: Body): BinancePositionSide => {
    const ps = str(b, 'posSide');
    if (ps === undefined) return engine.positionMode(account).dualSidePosition ? 'LONG' : 'BOTH';
    const mapped = POS_SIDES[ps];
    if (!mapped) throw okxErrors.param('posSide');
    return mapped;
  };

  const sideOf = (b: Body): 'BUY' | 'SELL' => {
    const s = str(b, 'side');
    if (s === 'buy') return 'BUY';
    if (s === 'sell') return 'SELL';
    throw okxErrors.param('side');
  };

  const failRow = (err: unknown, context: ErrorContext, b: Body, ids: Row): Row => {
    const e = rowError(err, context, { side: str(b, 'side') });
    return { ...ids, tag: '', ts: '', sCode: e.sCode, sMsg: e.sMsg };
  };

  async function place(account: string, b: Body, now: number): Promise<Row> {
    const clOrdId = str(b, 'clOrdId') ?? '';
    try {
      const inst = venue.inst(str(b, 'instId'));
      const ordType = str(b, 'ordType');
      if (ordType === undefined || !['market', 'limit', 'post_only', 'ioc'].includes(ordType))
        throw okxErrors.param('ordType');
      if (str(b, 'tdMode') === undefined) throw okxErrors.param('tdMode');
      const positionSide = posSideOf(account, b);
      const reduce = b.reduceOnly === true || b.reduceOnly === 'true';
      const order = {
        symbol: inst.engineSymbol,
        side: sideOf(b),
        type: ordType === 'market' ? ('MARKET' as const) : ('LIMIT' as const),
        quantity: venue.coins(inst, b.sz),
        price: ordType === 'market' ? undefined : venue.price(b.px),
        timeInForce:
          ordType === 'post_only' ? ('GTX' as const) : ordType === 'ioc' ? ('IOC' as const) : undefined,
        positionSide,
        // OKX honours reduceOnly in net mode only.
        reduceOnly: positionSide === 'BOTH' && reduce ? true : undefined,
        newClientOrderId: clOrdId || undefined,
      };
      try {
        const view = await engineCall(engine, account, 'placeOrder', () => engine.placeOrder(account, order));
        return {
          ordId: String(view.orderId),
          clOrdId,
          tag: str(b, 'tag') ?? '',
          ts: String(now),
          sCode: '0',
          sMsg: 'Order placed',
        };
      } catch (err) {
        if (!(err instanceof PaperApiError) || err.code !== -5022) throw err;
        const row = venue.autoCancel(
          account,
          inst,
          {
            side: String(b.side),
            posSide: String(b.posSide ?? 'net'),
            sz: String(b.sz),
            px: String(b.px),
            clOrdId,
          },
          now,
        );
        onAutoCancel(account, row);
        return { ordId: row.ordId, clOrdId, tag: '', ts: String(now), sCode: '0', sMsg: 'Order placed' };
      }
    } catch (err) {
      return failRow(err, 'place', b, { ordId: '', clOrdId });
    }
  }

  async function cancel(account: string, b: Body): Promise<Row> {
    const ids = { ordId: str(b, 'ordId') ?? '', clOrdId: str(b, 'clOrdId') ?? '' };
    try {
      const inst = venue.inst(str(b, 'instId'));
      if (!ids.ordId && !ids.clOrdId) throw okxErrors.param('ordId');
      const view = await engineCall(engine, account, 'cancelOrder', () =>
        engine.cancelOrder(account, inst.engineSymbol, venue.orderRef(ids)),
      );
      return { ordId: String(view.orderId), clOrdId: view.clientOrderId, ts: '', sCode: '0', sMsg: '' };
    } catch (err) {
      return failRow(err, 'cancel', b, ids);
    }
  }

  async function amend(account: string, b: Body): Promise<Row> {
    const ids = {
      ordId: str(b, 'ordId') ?? '',
      clOrdId: str(b, 'clOrdId') ?? '',
      reqId: str(b, 'reqId') ?? '',
    };
    try {
      const inst = venue.inst(str(b, 'instId'));
      if (!ids.ordId && !ids.clOrdId) throw okxErrors.param('ordId');
      if (b.newSz === undefined && b.newPx === undefined) throw okxErrors.param('newSz');
      const view = await engineCall(engine, account, 'amendOrder', () => {
        const o = venue.order(account, inst, ids);
        return engine.amendOrder(account, {
          symbol: inst.engineSymbol,
          orderId: o.orderId,
          side: o.side,
          quantity: b.newSz === undefined ? o.origQty : venue.coins(inst, b.newSz, 'newSz'),
          price: b.newPx === undefined ? o.price : venue.price(b.newPx, 'newPx'),
        });
      });
      return {
        ...ids,
        ordId: String(view.orderId),
        clOrdId: view.clientOrderId,
        ts: '',
        sCode: '0',
        sMsg: '',
      };
    } catch (err) {
      return failRow(err, 'amend', b, ids);
    }
  }

  async function placeAlgo(account: string, b: Body, now: number): Promise<Row> {
    const algoClOrdId = str(b, 'algoClOrdId') ?? '';
    try {
      const inst = venue.inst(str(b, 'instId'));
      if (str(b, 'ordType') !== 'conditional') throw okxErrors.param('ordType');
      const sl = str(b, 'slTriggerPx');
      const tp = str(b, 'tpTriggerPx');
      if ((sl === undefined) === (tp === undefined)) throw okxErrors.param('slTriggerPx');
      // Market execution on trigger only (`-1`), which is all a protective stop needs.
      if (str(b, sl ? 'slOrdPx' : 'tpOrdPx') !== '-1') throw okxErrors.param(sl ? 'slOrdPx' : 'tpOrdPx');
      const pxType = str(b, sl ? 'slTriggerPxType' : 'tpTriggerPxType') ?? 'last';
      if (!['last', 'mark', 'index'].includes(pxType)) throw okxErrors.param('slTriggerPxType');
      const positionSide = posSideOf(account, b);
      const whole = str(b, 'closeFraction') === '1';
      if (!whole && b.sz === undefined) throw okxErrors.param('sz');
      const view = await engineCall(engine, account, 'placeAlgoOrder', () =>
        engine.placeAlgoOrder(account, {
          symbol: inst.engineSymbol,
          side: sideOf(b),
          type: sl ? 'STOP_MARKET' : 'TAKE_PROFIT_MARKET',
          triggerPrice: venue.price(sl ?? tp, sl ? 'slTriggerPx' : 'tpTriggerPx'),
          workingType: pxType === 'last' ? 'CONTRACT_PRICE' : 'MARK_PRICE',
          positionSide,
          closePosition: whole ? true : undefined,
          quantity: whole ? undefined : venue.coins(inst, b.sz),
          reduceOnly:
            !whole && positionSide === 'BOTH' && (b.reduceOnly === true || b.reduceOnly === 'true')
              ? true
              : undefined,
          clientAlgoId: algoClOrdId || undefined,
        }),
      );
      venue.noteAlgo(account, view.clientAlgoId, view.algoId);
      return {
        algoId: String(view.algoId),
        algoClOrdId: view.clientAlgoId,
        clOrdId: '',
        tag: '',
        ts: String(now),
        sCode: '0',
        sMsg: 'Order placed',
      };
    } catch (err) {
      return failRow(err, 'algo', b, { algoId: '', algoClOrdId, clOrdId: '' });
    }
  }

  async function cancelAlgo(account: string, b: Body): Promise<Row> {
    const ids = { algoId: str(b, 'algoId') ?? '', algoClOrdId: str(b, 'algoClOrdId') ?? '' };
    try {
      const inst = venue.inst(str(b, 'instId'));
      if (!ids.algoId && !ids.algoClOrdId) throw okxErrors.param('algoId');
      if (ids.algoId && !/^\d{1,16}$/.test(ids.algoId)) throw okxErrors.param('algoId');
      const view = await engineCall(engine, account, 'cancelAlgoOrder', () =>
        engine.cancelAlgoOrder(
          account,
          ids.algoId ? { algoId: Number(ids.algoId) } : { clientAlgoId: ids.algoClOrdId },
          inst.engineSymbol,
        ),
      );
      return { algoId: String(view.algoId), algoClOrdId: view.clientAlgoId, sCode: '0', sMsg: '' };
    } catch (err) {
      // OKX reports an unknown or finished algo order as a parameter error of its id.
      const e =
        err instanceof PaperApiError && (err.code === -2011 || err.code === -2013)
          ? { sCode: '51000', sMsg: 'Parameter algoId error' }
          : rowError(err, 'cancel');
      return { ...ids, ...e };
    }
  }

  const each =
    (fn: (account: string, b: Body, now: number) => Promise<Row>) => async (ctx: OkxRouteContext) => {
      const account = accountOf(ctx);
      const rows: Row[] = [];
      for (const b of bodyList(ctx.body)) rows.push(await fn(account, b, ctx.now));
      return rowsReply(rows);
    };
  const single =
    (fn: (account: string, b: Body, now: number) => Promise<Row>) => async (ctx: OkxRouteContext) => {
      if (Array.isArray(ctx.body)) throw okxErrors.param('body');
      return each(fn)(ctx);
    };

  const instOfQuery = (ctx: OkxRouteContext): OkxInstrument | undefined => venue.optInst(ctx.query);
  const hostedSymbols = (inst: OkxInstrument | undefined): OkxInstrument[] =>
    inst ? [inst] : venue.instruments.all();

  const orderRows = (account: string, views: OrderView[]): Row[] =>
    views.map((v) => orderRow(v, venue.instruments.ofEngine(v.symbol), venue.extras(account, v)));

  return [
    { ...priv, method: 'POST', path: '/api/v5/trade/order', limit: 60, handle: single(place) },
    { ...priv, method: 'POST', path: '/api/v5/trade/batch-orders', limit: 300, handle: each(place) },
    { ...priv, method: 'POST', path: '/api/v5/trade/cancel-order', limit: 60, handle: single(cancel) },
    { ...priv, method: 'POST', path: '/api/v5/trade/cancel-batch-orders', limit: 300, handle: each(cancel) },
    { ...priv, method: 'POST', path: '/api/v5/trade/amend-order', limit: 60, handle: single(amend) },
    { ...priv, method: 'POST', path: '/api/v5/trade/order-algo', limit: 20, handle: single(placeAlgo) },
    { ...priv, method: 'POST', path: '/api/v5/trade/cancel-algos', limit: 20, handle: each(cancelAlgo) },
    {
      ...priv,
      method: 'GET',
      path: '/api/v5/trade/order',
      limit: 60,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const inst = venue.inst(ctx.query.get('instId') ?? undefined);
        const ref = {
          ordId: ctx.query.get('ordId') ?? undefined,
          clOrdId: ctx.query.get('clOrdId') ?? undefined,
        };
        if (!ref.ordId && !ref.clOrdId) throw okxErrors.param('ordId');
        try {
          const view = await engineCall(engine, account, 'query', () => venue.order(account, inst, ref));
          return { data: orderRows(account, [view]) };
        } catch (err) {
          const cancelled = venue.cancelledRow(account, ref);
          if (cancelled) return { data: [cancelled] };
          if (err instanceof PaperApiError && (err.code === -2013 || err.code === -2011))
            throw okxErrors.orderMissing();
          throw err;
        }
      },
    },
    {
      ...priv,
      method: 'GET',
      path: '/api/v5/trade/orders-pending',
      limit: 60,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const inst = instOfQuery(ctx);
        const types = (ctx.query.get('ordType') ?? '').split(',').filter((t) => t.length > 0);
        const views = await engineCall(engine, account, 'query', () =>
          engine.openOrders(account, inst?.engineSymbol),
        );
        const rows = orderRows(account, views)
          .filter((r) => types.length === 0 || types.includes(String(r.ordType)))
          .reverse();
        return { data: rows.slice(0, Math.min(intParam(ctx.query, 'limit') ?? 100, 100)) };
      },
    },
    {
      ...priv,
      method: 'GET',
      path: '/api/v5/trade/orders-history',
      limit: 40,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const views = await engineCall(engine, account, 'query', () =>
          hostedSymbols(instOfQuery(ctx)).flatMap((i) =>
            engine.allOrders(account, i.engineSymbol, { limit: 1000 }),
          ),
        );
        const done = views.filter((v) => v.status !== 'NEW' && v.status !== 'PARTIALLY_FILLED');
        return {
          data: orderRows(account, done)
            .reverse()
            .slice(0, Math.min(intParam(ctx.query, 'limit') ?? 100, 100)),
        };
      },
    },
    ...['/api/v5/trade/fills', '/api/v5/trade/fills-history'].map(
      (path): OkxRoute => ({
        ...priv,
        method: 'GET',
        path,
        limit: path.endsWith('history') ? 10 : 60,
        handle: async (ctx) => {
          const account = accountOf(ctx);
          const num = (k: string): number | undefined => intParam(ctx.query, k);
          const [begin, end, after, before] = [num('begin'), num('end'), num('after'), num('before')];
          const limit = Math.min(num('limit') ?? 100, 100);
          // `/trade/fills` keeps the last 3 days, `/trade/fills-history` the last 3 months.
          const keepMs = (path.endsWith('history') ? 90 : 3) * 86_400_000;
          const rows = await engineCall(engine, account, 'query', () =>
            hostedSymbols(instOfQuery(ctx)).flatMap((inst) => {
              const trades = engine.userTrades(account, inst.engineSymbol, {
                ...(begin !== undefined ? { startTime: begin } : {}),
                ...(end !== undefined ? { endTime: end } : {}),
                limit: 1000,
              });
              const clientIds = new Map<number, string>();
              const clientOf = (orderId: number, fallback: string): string => {
                let id = clientIds.get(orderId);
                if (id === undefined) {
                  const o = engine.order(account, inst.engineSymbol, { orderId });
                  // A stop's child order has no clOrdId of its own on OKX.
                  id = o.origType === 'STOP_MARKET' || o.origType === 'TAKE_PROFIT_MARKET' ? '' : fallback;
                  clientIds.set(orderId, id);
                }
                return id;
              };
              return trades
                .filter(
                  (t) =>
                    t.time >= ctx.now - keepMs &&
                    (after === undefined || billIdOf(t.id) < after) &&
                    (before === undefined || billIdOf(t.id) > before),
                )
                .map((t) => ({ id: t.id, row: fillRow(t, inst, clientOf(t.orderId, t.clientOrderId)) }));
            }),
          );
          rows.sort((a, b) => b.id - a.id);
          return { data: rows.slice(0, limit).map((r) => r.row) };
        },
      }),
    ),
    {
      ...priv,
      method: 'GET',
      path: '/api/v5/trade/order-algo',
      limit: 20,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const algoId = ctx.query.get('algoId') ?? '';
        const algoClOrdId = ctx.query.get('algoClOrdId') ?? '';
        if (!algoId && !algoClOrdId) throw okxErrors.param('algoId');
        if (algoId && !/^\d{1,16}$/.test(algoId)) throw okxErrors.param('algoId');
        try {
          const view = await engineCall(engine, account, 'query', () =>
            engine.algoOrder(account, algoId ? { algoId: Number(algoId) } : { clientAlgoId: algoClOrdId }),
          );
          const inst = venue.instruments.ofEngine(view.symbol);
          return { data: [algoRow(view, inst, engine.leverage(account, view.symbol))] };
        } catch (err) {
          if (err instanceof PaperApiError && (err.code === -2013 || err.code === -2011))
            throw okxErrors.orderMissing();
          throw err;
        }
      },
    },
    {
      ...priv,
      method: 'GET',
      path: '/api/v5/trade/orders-algo-pending',
      limit: 20,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const types = (ctx.query.get('ordType') ?? '').split(',').filter((t) => t.length > 0);
        if (types.length === 0 || types.some((t) => !ALGO_TYPES.has(t))) throw okxErrors.param('ordType');
        if (!types.includes('conditional')) return { data: [] };
        const inst = instOfQuery(ctx);
        const views = await engineCall(engine, account, 'query', () =>
          engine.openAlgoOrders(account, inst?.engineSymbol),
        );
        return {
          data: views
            .map((v) => algoRow(v, venue.instruments.ofEngine(v.symbol), engine.leverage(account, v.symbol)))
            .reverse(),
        };
      },
    },
    {
      ...priv,
      method: 'GET',
      path: '/api/v5/trade/orders-algo-history',
      limit: 20,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const types = (ctx.query.get('ordType') ?? '').split(',').filter((t) => t.length > 0);
        if (types.length === 0 || types.some((t) => !ALGO_TYPES.has(t))) throw okxErrors.param('ordType');
        const state = ctx.query.get('state');
        const views = await engineCall(engine, account, 'query', () =>
          hostedSymbols(instOfQuery(ctx)).flatMap((i) =>
            engine.allAlgoOrders(account, i.engineSymbol, { limit: 1000 }),
          ),
        );
        const rows = views
          .map((v) => algoRow(v, venue.instruments.ofEngine(v.symbol), engine.leverage(account, v.symbol)))
          .filter((r) => r.state !== 'live' && (state === null || r.state === state));
        return { data: types.includes('conditional') ? rows.reverse().slice(0, 100) : [] };
      },
    },
  ];
}

export type { PaperExchange };
