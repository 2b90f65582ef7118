/**
 * Paper engine views → Binance REST bodies, field for field as `fapi` answers them (money as strings in
 * Binance's own decimals, ids and times as integers). Shapes follow Binance's documentation and the
 * examples ccxt's parser is written against.
 */
import type { Decimal } from '../../../domain/money.js';
import { fmt, ZERO } from '../../../domain/money.js';
import { formatPrice, formatQty, type MarketRules } from '../market-rules.js';
import type {
  AlgoOrderView,
  BalanceView,
  KlineView,
  LeverageBracket,
  OrderView,
  PositionView,
  TradeView,
} from '../types.js';

export type RulesOf = (symbol: string) => MarketRules;

/** Plain decimals at 8 places for balances, as Binance prints them. */
const amount = (d: Decimal): string => d.toFixed(8);

export function orderJson(o: OrderView, rules: MarketRules): Record<string, unknown> {
  return {
    orderId: o.orderId,
    symbol: o.symbol,
    status: o.status,
    clientOrderId: o.clientOrderId,
    price: formatPrice(rules, o.price),
    avgPrice: o.avgPrice.toFixed(Math.max(rules.priceDecimals, 5)),
    origQty: formatQty(rules, o.origQty),
    executedQty: formatQty(rules, o.executedQty),
    cumQty: formatQty(rules, o.executedQty),
    cumQuote: amount(o.cumQuote),
    timeInForce: o.timeInForce,
    type: o.type,
    reduceOnly: o.reduceOnly,
    closePosition: o.closePosition,
    side: o.side,
    positionSide: o.positionSide,
    stopPrice: formatPrice(rules, o.stopPrice),
    workingType: o.workingType,
    priceProtect: o.priceProtect,
    origType: o.origType,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    time: o.time,
    updateTime: o.updateTime,
  };
}

export function algoJson(a: AlgoOrderView, rules: MarketRules): Record<string, unknown> {
  return {
    algoId: a.algoId,
    clientAlgoId: a.clientAlgoId,
    algoType: a.algoType,
    orderType: a.orderType,
    symbol: a.symbol,
    side: a.side,
    positionSide: a.positionSide,
    timeInForce: a.timeInForce,
    quantity: formatQty(rules, a.quantity),
    algoStatus: a.algoStatus,
    actualOrderId: a.actualOrderId === null ? '' : String(a.actualOrderId),
    actualPrice: formatPrice(rules, a.actualAvgPrice),
    executedQty: formatQty(rules, a.executedQty),
    triggerPrice: formatPrice(rules, a.triggerPrice),
    price: formatPrice(rules, ZERO),
    icebergQuantity: null,
    tpTriggerPrice: '0.000',
    tpPrice: '0.000',
    slTriggerPrice: '0.000',
    slPrice: '0.000',
    tpOrderType: '',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    workingType: a.workingType,
    priceMatch: 'NONE',
    closePosition: a.closePosition,
    priceProtect: a.priceProtect,
    reduceOnly: a.reduceOnly,
    createTime: a.createTime,
    updateTime: a.updateTime,
    triggerTime: a.triggerTime,
    goodTillDate: 0,
  };
}

export function tradeJson(t: TradeView, rules: MarketRules): Record<string, unknown> {
  return {
    buyer: t.buyer,
    commission: amount(t.commission),
    commissionAsset: t.commissionAsset,
    id: t.id,
    maker: t.maker,
    orderId: t.orderId,
    price: formatPrice(rules, t.price),
    qty: formatQty(rules, t.qty),
    quoteQty: amount(t.quoteQty),
    realizedPnl: amount(t.realizedPnl),
    side: t.side,
    positionSide: t.positionSide,
    symbol: t.symbol,
    time: t.time,
  };
}

/** GET /fapi/v3/positionRisk row. */
export function positionV3Json(p: PositionView, rules: MarketRules): Record<string, unknown> {
  return {
    symbol: p.symbol,
    positionSide: p.positionSide,
    positionAmt: formatQty(rules, p.positionAmt),
    entryPrice: fmt(p.entryPrice),
    breakEvenPrice: fmt(p.breakEvenPrice),
    markPrice: fmt(p.markPrice),
    unRealizedProfit: amount(p.unRealizedProfit),
    liquidationPrice: fmt(p.liquidationPrice),
    isolatedMargin: '0',
    notional: fmt(p.notional),
    marginAsset: p.marginAsset,
    isolatedWallet: '0',
    initialMargin: fmt(p.initialMargin),
    maintMargin: fmt(p.maintMargin),
    positionInitialMargin: fmt(p.positionInitialMargin),
    openOrderInitialMargin: fmt(p.openOrderInitialMargin),
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    updateTime: p.updateTime,
  };
}

/** GET /fapi/v2/positionRisk row (has leverage and margin type, no margin breakdown). */
export function positionV2Json(p: PositionView, rules: MarketRules): Record<string, unknown> {
  return {
    symbol: p.symbol,
    positionAmt: formatQty(rules, p.positionAmt),
    entryPrice: fmt(p.entryPrice),
    breakEvenPrice: fmt(p.breakEvenPrice),
    markPrice: fmt(p.markPrice),
    unRealizedProfit: amount(p.unRealizedProfit),
    liquidationPrice: fmt(p.liquidationPrice),
    leverage: String(p.leverage),
    maxNotionalValue: '0',
    marginType: 'cross',
    isolatedMargin: '0.00000000',
    isAutoAddMargin: 'false',
    positionSide: p.positionSide,
    notional: fmt(p.notional),
    isolatedWallet: '0',
    updateTime: p.updateTime,
  };
}

export function balanceAssetJson(b: BalanceView): Record<string, unknown> {
  return {
    asset: b.asset,
    walletBalance: amount(b.walletBalance),
    unrealizedProfit: amount(b.unrealizedProfit),
    marginBalance: amount(b.marginBalance),
    maintMargin: amount(b.maintMargin),
    initialMargin: amount(b.initialMargin),
    positionInitialMargin: amount(b.positionInitialMargin),
    openOrderInitialMargin: amount(b.openOrderInitialMargin),
    crossWalletBalance: amount(b.crossWalletBalance),
    crossUnPnl: amount(b.crossUnPnl),
    availableBalance: amount(b.availableBalance),
    maxWithdrawAmount: amount(b.maxWithdrawAmount),
    marginAvailable: true,
    updateTime: b.updateTime,
  };
}

/** GET /fapi/v2/balance row. */
export function balanceRowJson(b: BalanceView, accountAlias: string): Record<string, unknown> {
  return {
    accountAlias,
    asset: b.asset,
    balance: amount(b.walletBalance),
    crossWalletBalance: amount(b.crossWalletBalance),
    crossUnPnl: amount(b.crossUnPnl),
    availableBalance: amount(b.availableBalance),
    maxWithdrawAmount: amount(b.maxWithdrawAmount),
    marginAvailable: true,
    updateTime: b.updateTime,
  };
}

function sum(values: readonly Decimal[]): Decimal {
  return values.reduce((s, v) => s.plus(v), ZERO);
}

/** GET /fapi/v3/account (single-asset mode totals are over every asset, as the paper engine keeps them). */
export function accountJson(
  balances: readonly BalanceView[],
  positions: readonly PositionView[],
  rulesOf: RulesOf,
): Record<string, unknown> {
  const total = (pick: (b: BalanceView) => Decimal): string => amount(sum(balances.map(pick)));
  return {
    totalInitialMargin: total((b) => b.initialMargin),
    totalMaintMargin: total((b) => b.maintMargin),
    totalWalletBalance: total((b) => b.walletBalance),
    totalUnrealizedProfit: total((b) => b.unrealizedProfit),
    totalMarginBalance: total((b) => b.marginBalance),
    totalPositionInitialMargin: total((b) => b.positionInitialMargin),
    totalOpenOrderInitialMargin: total((b) => b.openOrderInitialMargin),
    totalCrossWalletBalance: total((b) => b.crossWalletBalance),
    totalCrossUnPnl: total((b) => b.crossUnPnl),
    availableBalance: total((b) => b.availableBalance),
    maxWithdrawAmount: total((b) => b.maxWithdrawAmount),
    assets: balances.map(balanceAssetJson),
    positions: positions.map((p) => ({
      symbol: p.symbol,
      positionSide: p.positionSide,
      positionAmt: formatQty(rulesOf(p.symbol), p.positionAmt),
      unrealizedProfit: amount(p.unRealizedProfit),
      isolatedMargin: '0',
      notional: fmt(p.notional),
      isolatedWallet: '0',
      initialMargin: fmt(p.initialMargin),
      maintMargin: fmt(p.maintMargin),
      updateTime: p.updateTime,
    })),
  };
}

export function klineRow(k: KlineView, rules: MarketRules): unknown[] {
  return [
    k.openTime,
    formatPrice(rules, k.open),
    formatPrice(rules, k.high),
    formatPrice(rules, k.low),
    formatPrice(rules, k.close),
    formatQty(rules, k.volume),
    k.closeTime,
    amount(k.quoteVolume),
    k.trades,
    '0',
    '0',
    '0',
  ];
}

/** Leverage brackets: Binance sends these as JSON numbers; the values are short exact decimals. */
export function bracketJson(b: LeverageBracket): Record<string, unknown> {
  return {
    bracket: b.bracket,
    initialLeverage: b.initialLeverage,
    notionalCap: Number(fmt(b.notionalCap)),
    notionalFloor: Number(fmt(b.notionalFloor)),
    maintMarginRatio: Number(fmt(b.maintMarginRatio)),
    cum: Number(fmt(b.cum)),
  };
}
