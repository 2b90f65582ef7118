/**
 * Executions and the resting book. Every fill of every order goes through `executeFill`, which updates
 * the position, the wallet (realized PnL − fee, 8 decimals), the order, the trade history and income, and
 * emits ACCOUNT_UPDATE then ORDER_TRADE_UPDATE (Binance's order, as in the live capture).
 *
 * Entry points: `executeFill`, `closableQty` (what a close / reduce-only order may still fill),
 * `finishOrder` (cancel / expire with its event), `emitOrderUpdate`, `bookInsert` / `bookRemove`.
 *
 * Invariants: a fill never makes a hedge LONG negative or SHORT positive, never exceeds the order's
 * remaining quantity, and gets the next trade id of its symbol (ids strictly increase per symbol, and a
 * later id never carries an earlier time). A fill is stamped when it happens (`eventNow`: inside the candle
 * being replayed, else the clock).
 */
import { type Decimal, ZERO } from '../../domain/money.js';
import { applyFillToPosition, feeRatesFor, marketOf, positionOf, round8 } from './ledger.js';
import { retrack } from './order-totals.js';
import { type AccountState, type EngineCore, eventNow, type MarketState, type OrderRecord } from './state.js';
import type { ExecutionType, TradeView } from './types.js';
import { orderView, positionChange } from './views.js';

export function accountOf(core: EngineCore, id: string): AccountState {
  const a = core.accounts.get(id);
  if (!a) throw new Error(`paper exchange: unknown account ${JSON.stringify(id)}`);
  return a;
}

/** Open BUY / SELL notional of the account on a symbol (`b` / `a` of ORDER_TRADE_UPDATE). */
export function openNotional(account: AccountState, symbol: string): { bid: Decimal; ask: Decimal } {
  const t = account.orderTotals.get(symbol);
  return t ? { bid: t.bid, ask: t.ask } : { bid: ZERO, ask: ZERO };
}

export function emitOrderUpdate(
  core: EngineCore,
  account: AccountState,
  o: OrderRecord,
  executionType: ExecutionType,
  trade?: TradeView,
): void {
  const now = trade?.time ?? eventNow(core);
  const { bid, ask } = openNotional(account, o.symbol);
  core.hub.emitAccount(account.id, {
    type: 'orderUpdate',
    eventTime: now,
    transactionTime: now,
    executionType,
    order: orderView(o),
    trade,
    bidNotional: bid,
    askNotional: ask,
  });
}

// ---- the book ----------------------------------------------------------------------------------------

function before(a: OrderRecord, b: OrderRecord): boolean {
  const c = a.price.comparedTo(b.price);
  if (c !== 0) return a.side === 'BUY' ? c > 0 : c < 0;
  return a.seq < b.seq;
}

export function bookInsert(market: MarketState, o: OrderRecord): void {
  const book = o.side === 'BUY' ? market.buys : market.sells;
  let lo = 0;
  let hi = book.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(book[mid]!, o)) lo = mid + 1;
    else hi = mid;
  }
  book.splice(lo, 0, o);
}

export function bookRemove(market: MarketState, o: OrderRecord): void {
  const book = o.side === 'BUY' ? market.buys : market.sells;
  const i = book.indexOf(o);
  if (i >= 0) book.splice(i, 1);
}

/** Takes an order off the book and the open set, with a final status and its event. */
export function finishOrder(
  core: EngineCore,
  account: AccountState,
  o: OrderRecord,
  status: 'CANCELED' | 'EXPIRED',
): void {
  o.status = status;
  o.updateTime = eventNow(core);
  account.openOrders.delete(o.orderId);
  retrack(account, o);
  if (o.type === 'LIMIT') bookRemove(marketOf(core, o.symbol), o);
  emitOrderUpdate(core, account, o, status === 'CANCELED' ? 'CANCELED' : 'EXPIRED');
}

/**
 * How much of `qty` this order may fill now without breaking position rules: hedge-mode closes and
 * one-way reduce-only orders are capped by the position they reduce (0 when it is gone).
 */
export function closableQty(account: AccountState, o: OrderRecord, qty: Decimal): Decimal {
  const closing =
    (o.positionSide === 'LONG' && o.side === 'SELL') ||
    (o.positionSide === 'SHORT' && o.side === 'BUY') ||
    (o.positionSide === 'BOTH' && o.reduceOnly);
  if (!closing) return qty;
  const pos = positionOf(account, o.symbol, o.positionSide).qty;
  if (o.positionSide === 'BOTH') {
    const reduces = o.side === 'SELL' ? pos.isPositive() : pos.isNegative();
    if (!reduces || pos.isZero()) return ZERO;
  }
  const cap = pos.abs();
  return qty.lessThan(cap) ? qty : cap;
}

export interface FillOptions {
  readonly maker: boolean;
  /** Liquidation fills are reported as `CALCULATED`. */
  readonly liquidation?: boolean;
}

/** Executes `qty` of order `o` at `price`. The caller has already clamped `qty` (see `closableQty`). */
export function executeFill(
  core: EngineCore,
  o: OrderRecord,
  qty: Decimal,
  price: Decimal,
  opts: FillOptions,
): TradeView {
  const account = accountOf(core, o.accountId);
  const market = marketOf(core, o.symbol);
  // Never before the symbol's previous trade: trade ids then increase with time, as on Binance.
  const now = Math.max(eventNow(core), market.lastTradeTime);
  market.lastTradeTime = now;
  const rates = feeRatesFor(core, account, market);
  const quote = price.times(qty);
  const commission = round8(quote.times(opts.maker ? rates.maker : rates.taker));
  const position = positionOf(account, o.symbol, o.positionSide);
  const delta = o.side === 'BUY' ? qty : qty.negated();
  const { realized } = applyFillToPosition(position, delta, price, commission);
  position.updateTime = now;

  const asset = market.rules.marginAsset;
  account.wallets.set(asset, (account.wallets.get(asset) ?? ZERO).plus(realized).minus(commission));
  account.walletUpdateTime = now;

  o.executedQty = o.executedQty.plus(qty);
  o.cumQuote = o.cumQuote.plus(quote);
  o.status = o.executedQty.greaterThanOrEqualTo(o.origQty) ? 'FILLED' : 'PARTIALLY_FILLED';
  o.updateTime = now;
  if (o.status === 'FILLED') {
    account.openOrders.delete(o.orderId);
    if (o.type === 'LIMIT') bookRemove(market, o);
  }
  retrack(account, o);

  const trade: TradeView = {
    symbol: o.symbol,
    id: market.nextTradeId++,
    orderId: o.orderId,
    clientOrderId: o.clientOrderId,
    side: o.side,
    positionSide: o.positionSide,
    price,
    qty,
    quoteQty: quote,
    commission,
    commissionAsset: asset,
    realizedPnl: realized,
    maker: opts.maker,
    buyer: o.side === 'BUY',
    time: now,
  };
  let list = account.trades.get(o.symbol);
  if (!list) {
    list = [];
    account.trades.set(o.symbol, list);
  }
  list.push(trade);
  if (!realized.isZero()) {
    account.income.push({
      symbol: o.symbol,
      incomeType: 'REALIZED_PNL',
      income: realized,
      asset,
      time: now,
      tranId: core.ids.nextTranId++,
      tradeId: trade.id,
    });
  }
  if (!commission.isZero()) {
    account.income.push({
      symbol: o.symbol,
      incomeType: 'COMMISSION',
      income: commission.negated(),
      asset,
      time: now,
      tranId: core.ids.nextTranId++,
      tradeId: trade.id,
    });
  }

  const wallet = account.wallets.get(asset)!;
  core.hub.emitAccount(account.id, {
    type: 'accountUpdate',
    eventTime: now,
    transactionTime: now,
    reason: 'ORDER',
    balances: [{ asset, walletBalance: wallet, crossWalletBalance: wallet, balanceChange: ZERO }],
    positions: [positionChange(core, position)],
  });
  emitOrderUpdate(core, account, o, opts.liquidation ? 'CALCULATED' : 'TRADE', trade);
  return trade;
}
