/**
 * OKX v5 account and public routes on the paper engine. Account: `/account/config`,
 * `/account/set-position-mode`, `/account/set-leverage`, `/account/leverage-info`, `/account/balance`,
 * `/account/positions`, `/account/trade-fee`. Public: `/public/time`, `/public/instruments`,
 * `/public/mark-price`, `/public/funding-rate`, `/public/funding-rate-history`, `/public/position-tiers`,
 * `/market/ticker`, `/market/candles`, `/market/history-candles`.
 *
 * Position tiers: OKX states swap tiers in contracts; the engine keeps Binance-style notional brackets,
 * so a tier's `minSz` / `maxSz` are the bracket's notional floor / cap in contracts at the current mark.
 */
import { dec, fmt } from '../../../domain/money.js';
import { engineCall } from '../binance-server/routes-trading.js';
import { PaperApiError } from '../errors.js';
import { OkxApiError, okxErrors } from './api-error.js';
import { balanceBody, candleRow, positionRow } from './format.js';
import type { OkxInstrument } from './instruments.js';
import { intParam, type OkxRoute, type OkxRouteContext } from './router.js';
import { accountOf } from './routes-trade.js';
import type { OkxVenueState } from './venue.js';

type Body = Record<string, unknown>;

const BARS: Readonly<Record<string, { interval: string; ms: number }>> = {
  '1m': { interval: '1m', ms: 60_000 },
  '3m': { interval: '3m', ms: 180_000 },
  '5m': { interval: '5m', ms: 300_000 },
  '15m': { interval: '15m', ms: 900_000 },
  '30m': { interval: '30m', ms: 1_800_000 },
  '1H': { interval: '1h', ms: 3_600_000 },
  '2H': { interval: '2h', ms: 7_200_000 },
  '4H': { interval: '4h', ms: 14_400_000 },
  '6H': { interval: '6h', ms: 21_600_000 },
  '12H': { interval: '12h', ms: 43_200_000 },
  '1D': { interval: '1d', ms: 86_400_000 },
  '1Dutc': { interval: '1d', ms: 86_400_000 },
};

function body(ctx: OkxRouteContext): Body {
  if (!ctx.body || typeof ctx.body !== 'object' || Array.isArray(ctx.body)) throw okxErrors.param('body');
  return ctx.body as Body;
}

export function accountRoutes(venue: OkxVenueState): OkxRoute[] {
  const engine = venue.engine;
  const priv = { private: true as const };
  const pub = { private: false as const };
  const instOf = (ctx: OkxRouteContext): OkxInstrument | undefined => venue.optInst(ctx.query);

  return [
    {
      ...priv,
      method: 'GET',
      path: '/api/v5/account/config',
      limit: 5,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const mode = await engineCall(engine, account, 'query', () => engine.positionMode(account));
        return {
          data: [
            {
              uid: account,
              mainUid: account,
              acctLv: '2',
              acctStpMode: 'cancel_maker',
              posMode: mode.dualSidePosition ? 'long_short_mode' : 'net_mode',
              autoLoan: false,
              greeksType: 'PA',
              level: 'Lv1',
              levelTmp: '',
              ctIsoMode: 'automatic',
              mgnIsoMode: 'automatic',
              roleType: '0',
              traderInsts: [],
              spotRoleType: '0',
              spotTraderInsts: [],
              opAuth: '0',
              kycLv: '2',
              label: 'gridbot paper',
              ip: '',
              perm: 'read_only,trade',
              liquidationGear: '-1',
              enableSpotBorrow: false,
              spotBorrowAutoRepay: false,
              type: '0',
            },
          ],
        };
      },
    },
    {
      ...priv,
      method: 'POST',
      path: '/api/v5/account/set-position-mode',
      limit: 5,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const posMode = body(ctx).posMode;
        if (posMode !== 'long_short_mode' && posMode !== 'net_mode') throw okxErrors.param('posMode');
        try {
          await engineCall(engine, account, 'configure', () =>
            engine.setPositionMode(account, posMode === 'long_short_mode'),
          );
        } catch (err) {
          if (!(err instanceof PaperApiError)) throw err;
          // Asking for the mode in force is a success on OKX; open orders or positions block a change.
          if (err.code === -4067 || err.code === -4068) throw okxErrors.settingsBlocked();
          if (err.code !== -4059) throw err;
        }
        return { data: [{ posMode }] };
      },
    },
    {
      ...priv,
      method: 'POST',
      path: '/api/v5/account/set-leverage',
      limit: 20,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const b = body(ctx);
        const inst = venue.inst(typeof b.instId === 'string' ? b.instId : undefined);
        const lever = typeof b.lever === 'number' ? b.lever : Number(b.lever);
        if (!Number.isInteger(lever) || lever < 1) throw okxErrors.param('lever');
        const mgnMode = b.mgnMode === 'isolated' ? 'isolated' : b.mgnMode === 'cross' ? 'cross' : null;
        if (mgnMode === null) throw okxErrors.param('mgnMode');
        try {
          await engineCall(engine, account, 'configure', () =>
            engine.setLeverage(account, inst.engineSymbol, lever),
          );
        } catch (err) {
          if (err instanceof PaperApiError && err.code === -4028)
            throw new OkxApiError(
              200,
              '59102',
              'Leverage exceeds the maximum leverage. Adjust the leverage.',
            );
          throw err;
        }
        return {
          data: [{ instId: inst.instId, lever: String(lever), mgnMode, posSide: String(b.posSide ?? '') }],
        };
      },
    },
    {
      ...priv,
      method: 'GET',
      path: '/api/v5/account/leverage-info',
      limit: 20,
      handle: (ctx) => {
        accountOf(ctx);
        const inst = venue.inst(ctx.query.get('instId') ?? undefined);
        const mgnMode = ctx.query.get('mgnMode') ?? 'cross';
        return {
          data: [
            {
              instId: inst.instId,
              mgnMode,
              posSide: 'net',
              lever: String(engine.leverage(ctx.account!, inst.engineSymbol)),
            },
          ],
        };
      },
    },
    {
      ...priv,
      method: 'GET',
      path: '/api/v5/account/balance',
      limit: 10,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const balances = await engineCall(engine, account, 'query', () => engine.balances(account));
        const ccy = ctx.query.get('ccy') ?? undefined;
        return { data: [balanceBody(balances, ctx.now, ccy)] };
      },
    },
    {
      ...priv,
      method: 'GET',
      path: '/api/v5/account/positions',
      limit: 10,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const inst = instOf(ctx);
        const views = await engineCall(engine, account, 'query', () =>
          engine.positions(account, inst?.engineSymbol),
        );
        // OKX lists open positions only.
        return {
          data: views
            .filter(
              (p) =>
                !p.positionAmt.isZero() && venue.instruments.all().some((i) => i.engineSymbol === p.symbol),
            )
            .map((p) => positionRow(p, venue.instruments.ofEngine(p.symbol))),
        };
      },
    },
    {
      ...priv,
      method: 'GET',
      path: '/api/v5/account/trade-fee',
      limit: 5,
      handle: (ctx) => {
        const account = accountOf(ctx);
        const family = ctx.query.get('instFamily') ?? ctx.query.get('uly');
        const inst =
          venue.instruments.all().find((i) => i.instFamily === family) ??
          instOf(ctx) ??
          venue.instruments.all()[0];
        if (!inst) throw okxErrors.instrument();
        const r = engine.feeRates(account, inst.engineSymbol);
        const maker = fmt(r.maker.negated());
        const taker = fmt(r.taker.negated());
        return {
          data: [
            {
              category: '1',
              delivery: '',
              exercise: '',
              instType: 'SWAP',
              level: 'Lv1',
              maker: '',
              taker: '',
              makerU: maker,
              takerU: taker,
              makerUSDC: maker,
              takerUSDC: taker,
              ruleType: 'normal',
              ts: String(ctx.now),
              fiat: [],
            },
          ],
        };
      },
    },
    {
      ...pub,
      method: 'GET',
      path: '/api/v5/public/time',
      limit: 10,
      handle: (ctx) => ({ data: [{ ts: String(ctx.now) }] }),
    },
    {
      ...pub,
      method: 'GET',
      path: '/api/v5/public/instruments',
      limit: 20,
      handle: (ctx) => {
        const type = ctx.query.get('instType');
        if (!type) throw okxErrors.param('instType');
        const id = ctx.query.get('instId');
        return {
          data: venue.instruments.rows.filter((r) => {
            const row = r as Body;
            return row.instType === type && (id === null || row.instId === id);
          }),
        };
      },
    },
    {
      ...pub,
      method: 'GET',
      path: '/api/v5/public/mark-price',
      limit: 10,
      handle: (ctx) => {
        const insts = instOf(ctx) ? [instOf(ctx)!] : venue.instruments.all();
        return {
          data: insts
            .filter((i) => engine.lastPrice(i.engineSymbol) !== undefined)
            .map((i) => {
              const m = engine.markPrice(i.engineSymbol);
              return { instType: 'SWAP', instId: i.instId, markPx: fmt(m.markPrice), ts: String(m.time) };
            }),
        };
      },
    },
    {
      ...pub,
      method: 'GET',
      path: '/api/v5/public/funding-rate',
      limit: 10,
      handle: (ctx) => {
        const inst = venue.inst(ctx.query.get('instId') ?? undefined);
        const m = engine.markPrice(inst.engineSymbol);
        return {
          data: [
            {
              instType: 'SWAP',
              instId: inst.instId,
              method: 'current_period',
              formulaType: 'withRate',
              fundingRate: fmt(m.lastFundingRate),
              nextFundingRate: '',
              fundingTime: String(m.nextFundingTime),
              nextFundingTime: String(m.nextFundingTime + 8 * 3_600_000),
              settState: 'settled',
              settFundingRate: fmt(m.lastFundingRate),
              premium: '0',
              interestRate: '0',
              ts: String(ctx.now),
            },
          ],
        };
      },
    },
    {
      ...pub,
      method: 'GET',
      path: '/api/v5/public/funding-rate-history',
      limit: 10,
      handle: (ctx) => {
        const inst = venue.inst(ctx.query.get('instId') ?? undefined);
        const before = intParam(ctx.query, 'before');
        const after = intParam(ctx.query, 'after');
        const limit = Math.min(intParam(ctx.query, 'limit') ?? 100, 400);
        const rows = engine
          .fundingHistory(inst.engineSymbol, { limit: 1000 })
          .filter(
            (r) =>
              (before === undefined || r.fundingTime > before) &&
              (after === undefined || r.fundingTime < after),
          )
          .reverse()
          .slice(0, limit);
        return {
          data: rows.map((r) => ({
            instType: 'SWAP',
            instId: inst.instId,
            formulaType: 'withRate',
            fundingRate: fmt(r.fundingRate),
            realizedRate: fmt(r.fundingRate),
            fundingTime: String(r.fundingTime),
            method: 'current_period',
          })),
        };
      },
    },
    {
      ...pub,
      method: 'GET',
      path: '/api/v5/public/position-tiers',
      limit: 10,
      handle: (ctx) => {
        if (ctx.query.get('instType') !== 'SWAP') throw okxErrors.param('instType');
        const family = ctx.query.get('instFamily') ?? ctx.query.get('uly');
        const inst = venue.instruments.all().find((i) => i.instFamily === family) ?? instOf(ctx);
        if (!inst) throw okxErrors.param('instFamily');
        const mark = engine.markPrice(inst.engineSymbol).markPrice;
        const perContract = mark.times(inst.ctVal);
        const [row] = engine.leverageBrackets(inst.engineSymbol);
        const sz = (notional: ReturnType<typeof dec>) =>
          perContract.isZero() ? '0' : fmt(notional.dividedBy(perContract).toDecimalPlaces(0, 1));
        return {
          data: (row?.brackets ?? []).map((b) => ({
            instFamily: inst.instFamily,
            uly: inst.instFamily,
            instId: '',
            tier: String(b.bracket),
            minSz: sz(b.notionalFloor),
            maxSz: sz(b.notionalCap),
            mmr: fmt(b.maintMarginRatio),
            imr: fmt(dec(1).dividedBy(b.initialLeverage)),
            maxLever: String(b.initialLeverage),
            optMgnFactor: '',
            quoteMaxLoan: '',
            baseMaxLoan: '',
          })),
        };
      },
    },
    {
      ...pub,
      method: 'GET',
      path: '/api/v5/market/ticker',
      limit: 20,
      handle: (ctx) => {
        const inst = venue.inst(ctx.query.get('instId') ?? undefined);
        const last = engine.lastPrice(inst.engineSymbol);
        const top = engine.bookTop(inst.engineSymbol);
        if (last === undefined) return { data: [] };
        const c = (d: ReturnType<typeof dec>) => fmt(d.dividedBy(inst.ctVal));
        return {
          data: [
            {
              instType: 'SWAP',
              instId: inst.instId,
              last: fmt(last),
              lastSz: '0',
              askPx: top ? fmt(top.ask) : '',
              askSz: top ? c(top.askQty) : '',
              bidPx: top ? fmt(top.bid) : '',
              bidSz: top ? c(top.bidQty) : '',
              open24h: fmt(last),
              high24h: fmt(last),
              low24h: fmt(last),
              volCcy24h: '0',
              vol24h: '0',
              sodUtc0: fmt(last),
              sodUtc8: fmt(last),
              ts: String(top?.time ?? ctx.now),
            },
          ],
        };
      },
    },
    ...['/api/v5/market/candles', '/api/v5/market/history-candles'].map(
      (path): OkxRoute => ({
        ...pub,
        method: 'GET',
        path,
        limit: path.includes('history') ? 20 : 40,
        handle: (ctx) => {
          const inst = venue.inst(ctx.query.get('instId') ?? undefined);
          const bar = BARS[ctx.query.get('bar') ?? '1m'];
          if (!bar) throw okxErrors.param('bar');
          const max = path.includes('history') ? 100 : 300;
          const limit = Math.min(intParam(ctx.query, 'limit') ?? 100, max);
          const before = intParam(ctx.query, 'before');
          const after = intParam(ctx.query, 'after');
          // Newest first: `after` pages back in time (older than), `before` forward (newer than).
          const rows = engine
            .klines(inst.engineSymbol, bar.interval, {
              ...(before !== undefined ? { startTime: before + 1 } : {}),
              ...(after !== undefined ? { endTime: after - 1 } : {}),
              limit: 1500,
            })
            .filter(
              (k) =>
                (before === undefined || k.openTime > before) &&
                (after === undefined || k.openTime < after) &&
                // `/market/candles` serves the latest 1 440 bars; older ones only `/market/history-candles`.
                (path.includes('history') || k.openTime >= ctx.now - 1_440 * bar.ms),
            );
          const newest = rows.slice(-limit).reverse();
          return { data: newest.map((k) => candleRow(k, inst, k.closeTime < ctx.now)) };
        },
      }),
    ),
  ];
}
