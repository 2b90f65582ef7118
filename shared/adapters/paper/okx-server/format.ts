/**
 * Paper engine views → OKX v5 rows (REST `data` entries and WebSocket pushes), sizes in contracts, money as
 * OKX prints it (plain decimals, fees negative when charged, times as millisecond strings).
 *
 * Shapes: OKX v5 documentation response examples for `GET /trade/order`, `/trade/orders-pending`,
 * `/trade/fills`, `/trade/order-algo`, `/account/positions`, `/account/balance`, `/market/candles`, and
 * the `orders` / `orders-algo` / `positions` / `account` / `bbo-tbt` / `trades` / `mark-price` /
 * `candle1m` channels; field lists checked against the captures in NautilusTrader's OKX test data
 * (crates/adapters/okx/test_data: ws_orders.json, ws_orders_algo.json, http_get_positions_long_short.json,
 * ws_orders_post_only_canceled_first.json).
 */
import { type Decimal, fmt, ZERO } from '../../../domain/money.js';
import type { AlgoOrderView, BalanceView, KlineView, OrderView, PositionView, TradeView } from '../types.js';
import type { OkxInstrument } from './instruments.js';

type Row = Record<string, unknown>;

const ms = (t: number): string => String(t);
const contracts = (inst: OkxInstrument, coins: Decimal): string => fmt(coins.dividedBy(inst.ctVal));
const side = (s: 'BUY' | 'SELL'): string => (s === 'BUY' ? 'buy' : 'sell');

export function posSideOf(ps: 'BOTH' | 'LONG' | 'SHORT'): string {
  return ps === 'LONG' ? 'long' : ps === 'SHORT' ? 'short' : 'net';
}

const ORDER_STATE: Readonly<Record<OrderView['status'], string>> = {
  NEW: 'live',
  PARTIALLY_FILLED: 'partially_filled',
  FILLED: 'filled',
  CANCELED: 'canceled',
  EXPIRED: 'canceled',
};

function ordType(o: OrderView): string {
  if (o.type === 'MARKET') return 'market';
  if (o.timeInForce === 'GTX') return 'post_only';
  if (o.timeInForce === 'IOC') return 'ioc';
  return 'limit';
}

/** What an order row needs besides the engine's view. */
export interface OrderExtras {
  readonly lever: number;
  /** Fees charged on the order so far (positive when paid). */
  readonly feePaid: Decimal;
  /** The last trade of the order, for the fill fields of a push. */
  readonly lastTrade?: TradeView | undefined;
  /** The stop that placed this order, when a stop triggered it. */
  readonly algo?: { readonly algoId: number; readonly algoClOrdId: string } | undefined;
  readonly cancelSource?: { readonly code: string; readonly reason: string } | undefined;
}

export function orderRow(o: OrderView, inst: OkxInstrument, x: OrderExtras): Row {
  const t = x.lastTrade;
  return {
    instType: 'SWAP',
    instId: inst.instId,
    tgtCcy: '',
    ccy: '',
    ordId: String(o.orderId),
    // A stop's child order carries the stop's ids, and no clOrdId of its own.
    clOrdId: x.algo ? '' : o.clientOrderId,
    algoClOrdId: x.algo?.algoClOrdId ?? '',
    algoId: x.algo ? String(x.algo.algoId) : '',
    tag: '',
    px: o.type === 'MARKET' ? '' : fmt(o.price),
    pxUsd: '',
    pxVol: '',
    pxType: '',
    sz: contracts(inst, o.origQty),
    pnl: '0',
    ordType: ordType(o),
    side: side(o.side),
    posSide: posSideOf(o.positionSide),
    tdMode: 'cross',
    accFillSz: contracts(inst, o.executedQty),
    fillPx: t ? fmt(t.price) : '',
    tradeId: t ? String(t.id) : '',
    fillSz: t ? contracts(inst, t.qty) : '0',
    fillTime: t ? ms(t.time) : '',
    fillFee: t ? fmt(t.commission.negated()) : '0',
    fillFeeCcy: t ? t.commissionAsset : '',
    fillPnl: t ? fmt(t.realizedPnl) : '0',
    execType: t ? (t.maker ? 'M' : 'T') : '',
    avgPx: o.executedQty.isZero() ? '' : fmt(o.avgPrice),
    state: ORDER_STATE[o.status],
    lever: String(x.lever),
    attachAlgoClOrdId: '',
    tpTriggerPx: '',
    tpTriggerPxType: '',
    tpOrdPx: '',
    slTriggerPx: '',
    slTriggerPxType: '',
    slOrdPx: '',
    attachAlgoOrds: [],
    linkedAlgoOrd: { algoId: x.algo ? String(x.algo.algoId) : '' },
    stpId: '',
    stpMode: 'cancel_maker',
    feeCcy: inst.settleCcy,
    fee: fmt(x.feePaid.negated()),
    rebateCcy: inst.settleCcy,
    rebate: '0',
    source: x.algo ? '13' : '',
    category: 'normal',
    reduceOnly: String(o.reduceOnly),
    isTpLimit: 'false',
    cancelSource: x.cancelSource?.code ?? '',
    cancelSourceReason: x.cancelSource?.reason ?? '',
    quickMgnType: '',
    uTime: ms(o.updateTime),
    cTime: ms(o.time),
  };
}

const ALGO_STATE: Readonly<Record<AlgoOrderView['algoStatus'], string>> = {
  NEW: 'live',
  TRIGGERING: 'live',
  TRIGGERED: 'effective',
  FINISHED: 'effective',
  CANCELED: 'canceled',
  EXPIRED: 'canceled',
  REJECTED: 'order_failed',
};

export function algoRow(a: AlgoOrderView, inst: OkxInstrument, lever: number): Row {
  const sl = a.orderType === 'STOP_MARKET';
  const pxType = a.workingType === 'MARK_PRICE' ? 'mark' : 'last';
  const trigger = fmt(a.triggerPrice);
  return {
    instType: 'SWAP',
    instId: inst.instId,
    ccy: '',
    ordId: '',
    ordIdList: a.actualOrderId === null ? [] : [String(a.actualOrderId)],
    algoId: String(a.algoId),
    clOrdId: '',
    sz: a.closePosition ? '' : contracts(inst, a.quantity),
    closeFraction: a.closePosition ? '1' : '',
    ordType: 'conditional',
    side: side(a.side),
    posSide: posSideOf(a.positionSide),
    tdMode: 'cross',
    tgtCcy: '',
    state: ALGO_STATE[a.algoStatus],
    lever: String(lever),
    tpTriggerPx: sl ? '' : trigger,
    tpTriggerPxType: sl ? '' : pxType,
    tpOrdPx: sl ? '' : '-1',
    slTriggerPx: sl ? trigger : '',
    slTriggerPxType: sl ? pxType : '',
    slOrdPx: sl ? '-1' : '',
    triggerPx: '',
    triggerPxType: '',
    ordPx: '',
    actualSz: a.executedQty.isZero() ? '' : contracts(inst, a.executedQty),
    actualPx: a.actualAvgPrice.isZero() ? '' : fmt(a.actualAvgPrice),
    actualSide: a.algoStatus === 'TRIGGERED' || a.algoStatus === 'FINISHED' ? (sl ? 'sl' : 'tp') : '',
    triggerTime: a.triggerTime === 0 ? '' : ms(a.triggerTime),
    algoClOrdId: a.clientAlgoId,
    reduceOnly: String(a.reduceOnly || a.closePosition),
    tag: '',
    failCode: a.algoStatus === 'REJECTED' ? '1' : '',
    cTime: ms(a.createTime),
    uTime: ms(a.updateTime),
  };
}

/**
 * OKX's bill id of a trade: its own sequence, growing with the trade ids but never equal to one (a client
 * that pages by trade id where OKX wants the bill id fails here as it would on OKX).
 */
export function billIdOf(tradeId: number): number {
  return tradeId * 4 + 3;
}

/** A `/trade/fills` row. */
export function fillRow(t: TradeView, inst: OkxInstrument, clOrdId: string): Row {
  return {
    instType: 'SWAP',
    instId: inst.instId,
    tradeId: String(t.id),
    ordId: String(t.orderId),
    clOrdId,
    billId: String(billIdOf(t.id)),
    subType: t.side === 'BUY' ? '1' : '2',
    tag: '',
    fillPx: fmt(t.price),
    fillSz: contracts(inst, t.qty),
    fillIdxPx: fmt(t.price),
    fillPnl: fmt(t.realizedPnl),
    fillPxVol: '',
    fillPxUsd: '',
    fillMarkVol: '',
    fillFwdPx: '',
    fillMarkPx: fmt(t.price),
    side: side(t.side),
    posSide: posSideOf(t.positionSide),
    execType: t.maker ? 'M' : 'T',
    feeCcy: t.commissionAsset,
    fee: fmt(t.commission.negated()),
    feeRate: '',
    ts: ms(t.time),
    fillTime: ms(t.time),
  };
}

export function positionRow(p: PositionView, inst: OkxInstrument): Row {
  const net = p.positionSide === 'BOTH';
  const size = net ? p.positionAmt : p.positionAmt.abs();
  return {
    instType: 'SWAP',
    instId: inst.instId,
    mgnMode: 'cross',
    posId: `${inst.instId}-${posSideOf(p.positionSide)}`,
    posSide: posSideOf(p.positionSide),
    pos: contracts(inst, size),
    availPos: contracts(inst, size.abs()),
    posCcy: '',
    ccy: inst.settleCcy,
    avgPx: p.positionAmt.isZero() ? '' : fmt(p.entryPrice),
    markPx: fmt(p.markPrice),
    last: fmt(p.markPrice),
    upl: fmt(p.unRealizedProfit),
    uplRatio: '',
    lever: String(p.leverage),
    liqPx: p.liquidationPrice.isZero() ? '' : fmt(p.liquidationPrice),
    imr: fmt(p.initialMargin),
    mmr: fmt(p.maintMargin),
    margin: '',
    mgnRatio: '',
    notionalUsd: fmt(p.notional.abs()),
    adl: '1',
    realizedPnl: fmt(p.cumRealized),
    pnl: fmt(p.cumRealized),
    fee: '0',
    fundingFee: '0',
    closeOrderAlgo: [],
    cTime: ms(p.updateTime),
    uTime: ms(p.updateTime),
  };
}

export function balanceBody(balances: readonly BalanceView[], now: number, ccy?: string): Row {
  const shown = ccy === undefined ? balances : balances.filter((b) => b.asset === ccy);
  const total = shown.reduce((s, b) => s.plus(b.marginBalance), ZERO);
  return {
    adjEq: fmt(total),
    totalEq: fmt(total),
    imr: fmt(shown.reduce((s, b) => s.plus(b.initialMargin), ZERO)),
    mmr: fmt(shown.reduce((s, b) => s.plus(b.maintMargin), ZERO)),
    isoEq: '0',
    mgnRatio: '',
    notionalUsd: '',
    ordFroz: fmt(shown.reduce((s, b) => s.plus(b.openOrderInitialMargin), ZERO)),
    uTime: ms(now),
    details: shown.map((b) => ({
      ccy: b.asset,
      eq: fmt(b.marginBalance),
      cashBal: fmt(b.walletBalance),
      availBal: fmt(b.availableBalance),
      availEq: fmt(b.availableBalance),
      upl: fmt(b.unrealizedProfit),
      frozenBal: fmt(b.initialMargin),
      ordFrozen: fmt(b.openOrderInitialMargin),
      imr: fmt(b.initialMargin),
      mmr: fmt(b.maintMargin),
      disEq: fmt(b.marginBalance),
      eqUsd: fmt(b.marginBalance),
      isoEq: '0',
      liab: '0',
      crossLiab: '0',
      uTime: ms(b.updateTime),
    })),
  };
}

/** `[ts, o, h, l, c, vol (contracts), volCcy (coins), volCcyQuote, confirm]`. */
export function candleRow(k: KlineView, inst: OkxInstrument, closed: boolean): string[] {
  return [
    ms(k.openTime),
    fmt(k.open),
    fmt(k.high),
    fmt(k.low),
    fmt(k.close),
    contracts(inst, k.volume),
    fmt(k.volume),
    fmt(k.quoteVolume),
    closed ? '1' : '0',
  ];
}
