/**
 * Immutable snapshots of internal records, in the shapes the Binance REST API answers with
 * (order, algo order, positionRisk v3, balance). Built on demand; never shared with the mutable state.
 */
import { ZERO } from '../../domain/money.js';
import {
  availableOf,
  breakEvenOf,
  leverageOf,
  liquidationOf,
  marginPool,
  markOf,
  unrealizedOf,
} from './ledger.js';
import { maintenanceMargin } from './leverage-brackets.js';
import { openingNotional } from './order-totals.js';
import type { AccountState, AlgoRecord, EngineCore, OrderRecord, PositionRecord } from './state.js';
import type { AlgoOrderView, BalanceView, OrderView, PositionChange, PositionView } from './types.js';

export function orderView(o: OrderRecord): OrderView {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    clientOrderId: o.clientOrderId,
    side: o.side,
    positionSide: o.positionSide,
    type: o.type,
    origType: o.origType,
    timeInForce: o.timeInForce,
    price: o.price,
    avgPrice: o.executedQty.isZero() ? ZERO : o.cumQuote.dividedBy(o.executedQty),
    origQty: o.origQty,
    executedQty: o.executedQty,
    cumQuote: o.cumQuote,
    status: o.status,
    reduceOnly: o.reduceOnly,
    closePosition: o.closePosition,
    stopPrice: o.stopPrice,
    workingType: o.workingType,
    priceProtect: o.priceProtect,
    time: o.time,
    updateTime: o.updateTime,
  };
}

export function algoView(core: EngineCore, a: AlgoRecord): AlgoOrderView {
  const account = core.accounts.get(a.accountId);
  const actual = a.actualOrderId === null ? undefined : account?.orders.get(a.actualOrderId);
  return {
    algoId: a.algoId,
    clientAlgoId: a.clientAlgoId,
    algoType: 'CONDITIONAL',
    orderType: a.orderType,
    symbol: a.symbol,
    side: a.side,
    positionSide: a.positionSide,
    timeInForce: a.closePosition ? 'GTE_GTC' : 'GTC',
    quantity: a.quantity,
    algoStatus: a.status,
    triggerPrice: a.triggerPrice,
    workingType: a.workingType,
    closePosition: a.closePosition,
    priceProtect: a.priceProtect,
    reduceOnly: a.reduceOnly,
    createTime: a.createTime,
    updateTime: a.updateTime,
    triggerTime: a.triggerTime,
    actualOrderId: a.actualOrderId,
    actualAvgPrice:
      actual && !actual.executedQty.isZero() ? actual.cumQuote.dividedBy(actual.executedQty) : ZERO,
    executedQty: actual?.executedQty ?? ZERO,
    failReason: a.failReason,
  };
}

export function positionView(core: EngineCore, account: AccountState, p: PositionRecord): PositionView {
  const market = core.markets.get(p.symbol)!;
  const mark = markOf(market);
  const lev = leverageOf(core, account, p.symbol);
  const notional = p.qty.times(mark);
  const posIm = notional.abs().dividedBy(lev);
  const t = account.orderTotals.get(p.symbol);
  const opening =
    p.positionSide === 'LONG'
      ? (t?.longOpen ?? ZERO)
      : p.positionSide === 'SHORT'
        ? (t?.shortOpen ?? ZERO)
        : openingNotional(account, p.symbol, p.qty);
  const orderIm = opening.dividedBy(lev);
  return {
    symbol: p.symbol,
    positionSide: p.positionSide,
    positionAmt: p.qty,
    entryPrice: p.entryPrice,
    breakEvenPrice: breakEvenOf(p),
    markPrice: mark,
    unRealizedProfit: unrealizedOf(p, mark),
    liquidationPrice: liquidationOf(core, account, p),
    notional,
    marginAsset: market.rules.marginAsset,
    leverage: lev,
    initialMargin: posIm.plus(orderIm),
    maintMargin: maintenanceMargin(market.brackets, notional.abs()),
    positionInitialMargin: posIm,
    openOrderInitialMargin: orderIm,
    cumRealized: p.cumRealized,
    updateTime: p.updateTime,
  };
}

export function positionChange(core: EngineCore, p: PositionRecord): PositionChange {
  const market = core.markets.get(p.symbol)!;
  return {
    symbol: p.symbol,
    positionSide: p.positionSide,
    positionAmt: p.qty,
    entryPrice: p.entryPrice,
    breakEvenPrice: breakEvenOf(p),
    cumRealized: p.cumRealized,
    unrealizedPnl: unrealizedOf(p, markOf(market)),
    marginAsset: market.rules.marginAsset,
  };
}

export function balanceView(core: EngineCore, account: AccountState, asset: string): BalanceView {
  const pool = marginPool(core, account, asset);
  const available = availableOf(pool);
  const wallet = pool.wallet;
  const maxWithdraw = available.lessThan(wallet) ? available : wallet;
  return {
    asset,
    walletBalance: wallet,
    unrealizedProfit: pool.unrealized,
    marginBalance: wallet.plus(pool.unrealized),
    maintMargin: pool.maintMargin,
    initialMargin: pool.positionInitialMargin.plus(pool.openOrderInitialMargin),
    positionInitialMargin: pool.positionInitialMargin,
    openOrderInitialMargin: pool.openOrderInitialMargin,
    crossWalletBalance: wallet,
    crossUnPnl: pool.unrealized,
    availableBalance: available,
    maxWithdrawAmount: maxWithdraw.isNegative() ? ZERO : maxWithdraw,
    updateTime: account.walletUpdateTime,
  };
}
