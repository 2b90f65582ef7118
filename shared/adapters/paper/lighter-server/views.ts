/**
 * The read side of the Lighter server: engine views (orders, algo orders, trades, positions, balances)
 * turned into Lighter rows, with what the venue remembers of each order's tx.
 *
 * Status mapping (engine → Lighter): a resting order is `open`; filled `filled`; cancelled `canceled`; an
 * IOC leftover `canceled` (limit), `canceled-too-much-slippage` (market: nothing at or better than its worst
 * price), `canceled-reduce-only` (a reduce-only order cut to the position). A conditional order is `pending`
 * (trigger status `mark-price`) until it triggers; then `filled`, or `canceled-reduce-only` when there was
 * nothing (left) to close. A liquidation is a `liquidation` order and trade. The engine's USDT wallet is the
 * account's USDC collateral.
 *
 * Entry points: `activeOrderRows`, `inactiveOrderRows`, `tradeRows`, `accountRowOf`, `marketRowOf`.
 */
import { type Decimal, dec, ZERO } from '../../../domain/money.js';
import type { AlgoOrderView, OrderView, TradeView } from '../types.js';
import type { LighterAccount } from './accounts.js';
import { accountRow, marketRow, type OrderRowInput, orderRow, positionRow, tradeRow } from './format.js';
import type { LighterMarket } from './markets.js';
import {
  clientIndexOf,
  type LighterTimeInForce,
  type LighterVenue,
  ORDER_INDEX_BASE,
  STOP_INDEX_BASE,
  txHashOf,
} from './venue.js';

type Row = Record<string, unknown>;

/** The engine asset reported as Lighter's USDC collateral. */
export const ENGINE_QUOTE = 'USDT';

/** A row with what the listings sort and page by. */
export interface Keyed {
  readonly time: number;
  readonly id: number;
  readonly row: Row;
}

const isOpen = (o: OrderView): boolean => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
const isStopChild = (o: OrderView): boolean =>
  o.origType === 'STOP_MARKET' || o.origType === 'TAKE_PROFIT_MARKET';
const isLiquidation = (clientId: string): boolean => clientId.startsWith('autoclose-');

const TIF: Readonly<Record<OrderView['timeInForce'], LighterTimeInForce>> = {
  GTC: 'good-till-time',
  GTX: 'post-only',
  IOC: 'immediate-or-cancel',
};

function orderInput(venue: LighterVenue, a: LighterAccount, m: LighterMarket, o: OrderView): OrderRowInput {
  const meta = venue.orderMeta(a.account, o.orderId);
  const liquidation = isLiquidation(o.clientOrderId);
  const type = meta?.type ?? (liquidation ? 'liquidation' : o.type === 'MARKET' ? 'market' : 'limit');
  let status: string;
  if (isOpen(o)) status = 'open';
  else if (o.status === 'FILLED') status = 'filled';
  else if (o.status === 'CANCELED') status = 'canceled';
  else if (o.reduceOnly && o.executedQty.greaterThan(0)) status = 'canceled-reduce-only';
  else status = type === 'market' ? 'canceled-too-much-slippage' : 'canceled';
  return {
    account: a,
    market: m,
    orderIndex: ORDER_INDEX_BASE + o.orderId,
    clientOrderIndex: meta?.clientOrderIndex ?? clientIndexOf(o.clientOrderId),
    isAsk: o.side === 'SELL',
    type,
    timeInForce: meta?.timeInForce ?? (o.type === 'MARKET' ? 'immediate-or-cancel' : TIF[o.timeInForce]),
    reduceOnly: o.reduceOnly,
    initial: o.origQty,
    remaining: isOpen(o) ? o.origQty.minus(o.executedQty) : ZERO,
    filled: o.executedQty,
    filledQuote: o.cumQuote,
    price: meta?.price ?? o.price,
    triggerPrice: ZERO,
    orderExpiry: meta?.orderExpiry ?? 0,
    nonce: meta?.nonce ?? 0,
    status,
    triggerStatus: 'na',
    triggerTime: 0,
    created: o.time,
    updated: o.updateTime,
  };
}

function stopInput(
  venue: LighterVenue,
  a: LighterAccount,
  m: LighterMarket,
  s: AlgoOrderView,
  child: OrderView | undefined,
): OrderRowInput {
  const meta = venue.stopMeta(a.account, s.algoId);
  const pending = s.algoStatus === 'NEW';
  const initial = s.closePosition ? ZERO : s.quantity;
  const status: Readonly<Record<AlgoOrderView['algoStatus'], string>> = {
    NEW: 'pending',
    TRIGGERING: 'in-progress',
    TRIGGERED: 'in-progress',
    FINISHED: child?.status === 'FILLED' ? 'filled' : 'canceled-reduce-only',
    CANCELED: 'canceled',
    EXPIRED: 'canceled-expired',
    REJECTED: 'canceled-reduce-only',
  };
  return {
    account: a,
    market: m,
    orderIndex: STOP_INDEX_BASE + s.algoId,
    clientOrderIndex: meta?.clientOrderIndex ?? clientIndexOf(s.clientAlgoId),
    isAsk: s.side === 'SELL',
    type: s.orderType === 'STOP_MARKET' ? 'stop-loss' : 'take-profit',
    timeInForce: 'immediate-or-cancel',
    reduceOnly: s.reduceOnly || s.closePosition,
    initial,
    remaining: pending ? initial : ZERO,
    filled: child?.executedQty ?? ZERO,
    filledQuote: child?.cumQuote ?? ZERO,
    price: meta?.price ?? ZERO,
    triggerPrice: s.triggerPrice,
    orderExpiry: meta?.orderExpiry ?? 0,
    nonce: meta?.nonce ?? 0,
    status: status[s.algoStatus],
    triggerStatus: pending ? 'mark-price' : s.triggerTime > 0 ? 'ready' : 'na',
    triggerTime: s.triggerTime,
    created: s.createTime,
    updated: s.updateTime,
  };
}

/** `accountActiveOrders`: resting orders and untriggered conditional orders of one market, oldest first. */
export function activeOrderRows(venue: LighterVenue, a: LighterAccount, m: LighterMarket): Row[] {
  const engine = venue.engine;
  const orders = engine
    .openOrders(a.account, m.engineSymbol)
    .filter((o) => !isStopChild(o))
    .map((o) => orderInput(venue, a, m, o));
  const stops = engine
    .openAlgoOrders(a.account, m.engineSymbol)
    .map((s) => stopInput(venue, a, m, s, undefined));
  return [...orders, ...stops]
    .sort((x, y) => x.created - y.created || x.orderIndex - y.orderIndex)
    .map(orderRow);
}

/** `accountInactiveOrders`: finished orders and conditional orders of the markets, newest first. */
export function inactiveOrderRows(venue: LighterVenue, a: LighterAccount, markets: LighterMarket[]): Keyed[] {
  const engine = venue.engine;
  const out: OrderRowInput[] = [];
  for (const m of markets) {
    const orders = engine.allOrders(a.account, m.engineSymbol, { limit: 1000 });
    const byId = new Map(orders.map((o) => [o.orderId, o]));
    for (const o of orders) if (!isOpen(o) && !isStopChild(o)) out.push(orderInput(venue, a, m, o));
    for (const s of engine.allAlgoOrders(a.account, m.engineSymbol, { limit: 1000 })) {
      if (s.algoStatus === 'NEW') continue;
      const child =
        s.actualOrderId === null
          ? undefined
          : (byId.get(s.actualOrderId) ??
            engine.order(a.account, m.engineSymbol, { orderId: s.actualOrderId }));
      out.push(stopInput(venue, a, m, s, child));
    }
    for (const c of venue.autoCancelled(a.account, m.marketId))
      out.push({
        account: a,
        market: m,
        orderIndex: c.orderIndex,
        clientOrderIndex: c.clientOrderIndex,
        isAsk: c.side === 'SELL',
        type: c.type,
        timeInForce: c.timeInForce,
        reduceOnly: c.reduceOnly,
        initial: c.quantity,
        remaining: ZERO,
        filled: ZERO,
        filledQuote: ZERO,
        price: c.price,
        triggerPrice: ZERO,
        orderExpiry: c.orderExpiry,
        nonce: c.nonce,
        status: 'canceled-post-only',
        triggerStatus: 'na',
        triggerTime: 0,
        created: c.time,
        updated: c.time,
      });
  }
  return out
    .sort((x, y) => y.updated - x.updated || y.orderIndex - x.orderIndex)
    .map((x) => ({ time: x.updated, id: x.orderIndex, row: orderRow(x) }));
}

/** Lighter's trade id: unique across markets (the engine numbers trades per symbol), growing per market. */
export const tradeIdOf = (m: LighterMarket, engineTradeId: number): number =>
  engineTradeId * 256 + m.marketId;

/** `trades` of the account on the markets in the time window, newest first. */
export function tradeRows(
  venue: LighterVenue,
  a: LighterAccount,
  markets: LighterMarket[],
  window: { startTime?: number; endTime?: number },
): Keyed[] {
  const engine = venue.engine;
  const out: Keyed[] = [];
  for (const m of markets) {
    const stopOf = new Map<number, number>();
    for (const s of engine.allAlgoOrders(a.account, m.engineSymbol, { limit: 1000 }))
      if (s.actualOrderId !== null) stopOf.set(s.actualOrderId, s.algoId);
    const rates = engine.feeRates(a.account, m.engineSymbol);
    const trades: TradeView[] = engine.userTrades(a.account, m.engineSymbol, { ...window, limit: 1000 });
    // Our position before each trade (Lighter's `*_position_size_before`, signed): walked back from the
    // position now through every later trade (one-way: a buy adds, a sell takes away).
    const before = new Map<number, Decimal>();
    let pos = engine
      .positions(a.account, m.engineSymbol)
      .filter((p) => p.positionSide === 'BOTH')
      .reduce((sum, p) => sum.plus(p.positionAmt), ZERO);
    const everyTrade = engine.userTrades(a.account, m.engineSymbol, { limit: 1000 });
    for (const t of [...everyTrade].sort((x, y) => y.time - x.time || y.id - x.id)) {
      pos = pos.minus(t.side === 'BUY' ? t.qty : t.qty.negated());
      before.set(t.id, pos);
    }
    for (const t of trades) {
      const stop = stopOf.get(t.orderId);
      const tradeId = tradeIdOf(m, t.id);
      const feeRate = t.maker ? rates.maker : rates.taker;
      out.push({
        time: t.time,
        id: tradeId,
        row: tradeRow({
          account: a,
          market: m,
          tradeId,
          txHash: txHashOf(`trade:${m.marketId}:${t.id}`),
          liquidation: isLiquidation(t.clientOrderId),
          size: t.qty,
          price: t.price,
          quote: t.quoteQty,
          orderIndex: stop === undefined ? ORDER_INDEX_BASE + t.orderId : STOP_INDEX_BASE + stop,
          clientOrderIndex: clientIndexOf(t.clientOrderId),
          isAsk: t.side === 'SELL',
          maker: t.maker,
          feePpm: feeRate.times(1_000_000).toDecimalPlaces(0).toFixed(0),
          positionBefore: before.get(t.id) ?? ZERO,
          time: t.time,
        }),
      });
    }
  }
  return out.sort((x, y) => y.time - x.time || y.id - x.id);
}

/** The `accounts[]` entry of `account`: USDT wallet as USDC collateral, one position row per market used. */
export function accountRowOf(venue: LighterVenue, a: LighterAccount, now: number): Row {
  const engine = venue.engine;
  const balance = engine.balances(a.account).find((b) => b.asset === ENGINE_QUOTE);
  const positions = engine.positions(a.account);
  const rows: Row[] = [];
  let openOrders = 0;
  let pendingOrders = 0;
  for (const m of venue.markets.all()) {
    const p = positions.find((x) => x.symbol === m.engineSymbol && x.positionSide === 'BOTH');
    const open = engine.openOrders(a.account, m.engineSymbol).length;
    const stops = engine.openAlgoOrders(a.account, m.engineSymbol);
    openOrders += open;
    pendingOrders += stops.length;
    const used =
      (p !== undefined && !p.positionAmt.isZero()) ||
      open > 0 ||
      stops.length > 0 ||
      venue.hasImf(a.account, m.marketId) ||
      engine.userTrades(a.account, m.engineSymbol, { limit: 1 }).length > 0;
    if (!used) continue;
    rows.push(
      positionRow({
        market: m,
        imfText: venue.imfText(a.account, m),
        size: p?.positionAmt ?? ZERO,
        entryPrice: p?.entryPrice ?? ZERO,
        value: p?.notional.abs() ?? ZERO,
        unrealizedPnl: p?.unRealizedProfit ?? ZERO,
        realizedPnl: p?.cumRealized ?? ZERO,
        liquidationPrice: p?.liquidationPrice ?? ZERO,
        openOrders: open,
        pendingOrders: stops.filter((s) => !s.closePosition).length,
        tiedOrders: stops.filter((s) => s.closePosition).length,
      }),
    );
  }
  return accountRow({
    account: a,
    collateral: balance?.walletBalance ?? ZERO,
    available: balance?.availableBalance ?? ZERO,
    totalAssetValue: balance?.marginBalance ?? ZERO,
    initialMargin: balance?.initialMargin ?? ZERO,
    maintenanceMargin: balance?.maintMargin ?? ZERO,
    openOrders,
    pendingOrders,
    positions: rows,
    now,
  });
}

/** An `order_book_details` entry: rules, fees and margin fractions, last price and 24 h statistics. */
export function marketRowOf(
  venue: LighterVenue,
  m: LighterMarket,
  defaultLeverage: number,
  now: number,
): Row {
  const engine = venue.engine;
  const feeAccount = venue.accounts.all()[0]?.account;
  const rates = feeAccount ? engine.feeRates(feeAccount, m.engineSymbol) : { maker: ZERO, taker: ZERO };
  const [brackets] = engine.leverageBrackets(m.engineSymbol);
  const first = brackets?.brackets[0];
  const day = engine.klines(m.engineSymbol, '1h', { startTime: now - 86_400_000, endTime: now });
  const last = engine.lastPrice(m.engineSymbol) ?? ZERO;
  const open = day[0]?.open;
  return marketRow({
    market: m,
    takerFee: rates.taker,
    makerFee: rates.maker,
    liquidationFeePct: m.rules.liquidationFee.times(100),
    defaultImf: Math.round(10_000 / defaultLeverage),
    minImf: first ? Math.round(10_000 / first.initialLeverage) : Math.round(10_000 / defaultLeverage),
    maintenanceMf: first ? Number(first.maintMarginRatio.times(10_000).toFixed(0)) : 0,
    last,
    daily: {
      trades: day.reduce((n, k) => n + k.trades, 0),
      baseVolume: day.reduce((s, k) => s.plus(k.volume), ZERO),
      quoteVolume: day.reduce((s, k) => s.plus(k.quoteVolume), ZERO).toDecimalPlaces(6),
      low: day.reduce((lo, k) => (k.low.lessThan(lo) ? k.low : lo), day[0]?.low ?? ZERO),
      high: day.reduce((hi, k) => (k.high.greaterThan(hi) ? k.high : hi), day[0]?.high ?? ZERO),
      changePct:
        open === undefined || open.isZero()
          ? ZERO
          : last.minus(open).dividedBy(open).times(dec(100)).toDecimalPlaces(8),
    },
  });
}
