/**
 * Normal (non-algo) orders: place, cancel, amend — validated like Binance USD-M, in Binance's order of
 * checks, then matched against the synthetic book (`prices.ts`).
 *
 * Entry points: `placeOrder`, `cancelOrder`, `cancelAllOrders`, `amendOrder`, and for triggered algo
 * orders `createOrderRecord` + `matchNewOrder`.
 *
 * Rules: hedge mode needs positionSide LONG/SHORT and refuses the `reduceOnly` parameter (-1106); one-way
 * mode needs BOTH (-4061). A close (hedge SELL LONG / BUY SHORT, one-way reduceOnly) above the position is
 * rejected (-2022). GTX that would take is rejected (-5022) and not recorded. IOC leftovers expire.
 * Client order ids are unique among open orders (-4116). Opening orders need available margin (-2019) and
 * must fit the leverage's notional cap (-2027).
 */
import { type Decimal, ZERO } from '../../domain/money.js';
import { binanceErrors } from './errors.js';
import {
  accountOf,
  bookInsert,
  bookRemove,
  closableQty,
  emitOrderUpdate,
  executeFill,
  finishOrder,
} from './fills.js';
import {
  checkClientId,
  checkMinNotional,
  checkPercentPrice,
  checkPrice,
  checkQty,
  checkTakerPercentPrice,
} from './filters.js';
import { availableOf, isOpening, leverageOf, marginPool, marketOf } from './ledger.js';
import { maxNotionalFor } from './leverage-brackets.js';
import { openingNotional, retrack, totalsOf } from './order-totals.js';
import { isMarketable, touchPrice, withSlippage } from './prices.js';
import {
  type AccountState,
  clientKey,
  type EngineCore,
  eventNow,
  type OrderRecord,
  positionKey,
} from './state.js';
import type { AmendOrder, BinancePositionSide, NewOrder, OrderRef, OrderView } from './types.js';
import { orderView } from './views.js';

export function resolvePositionSide(
  account: AccountState,
  requested: BinancePositionSide | undefined,
): BinancePositionSide {
  const ps = requested ?? 'BOTH';
  if (account.dualSidePosition ? ps === 'BOTH' : ps !== 'BOTH') throw binanceErrors.positionSideMismatch();
  return ps;
}

export function nextClientId(core: EngineCore, prefix: string): string {
  return `${prefix}${String(core.ids.nextGeneratedClientId++).padStart(12, '0')}`;
}

export function createOrderRecord(
  core: EngineCore,
  account: AccountState,
  fields: Pick<
    OrderRecord,
    | 'symbol'
    | 'clientOrderId'
    | 'side'
    | 'positionSide'
    | 'type'
    | 'origType'
    | 'timeInForce'
    | 'reduceOnly'
    | 'closePosition'
    | 'stopPrice'
    | 'workingType'
    | 'priceProtect'
  > & { price: Decimal; origQty: Decimal },
): OrderRecord {
  const now = eventNow(core);
  const o: OrderRecord = {
    ...fields,
    accountId: account.id,
    orderId: core.ids.nextOrderId++,
    executedQty: ZERO,
    cumQuote: ZERO,
    status: 'NEW',
    time: now,
    updateTime: now,
    seq: core.ids.nextBookSeq++,
  };
  account.orders.set(o.orderId, o);
  account.ordersByClientId.set(clientKey(o.symbol, o.clientOrderId), o);
  account.openOrders.set(o.orderId, o);
  retrack(account, o);
  return o;
}

function isClose(o: { side: string; positionSide: BinancePositionSide }): boolean {
  return (o.positionSide === 'LONG' && o.side === 'SELL') || (o.positionSide === 'SHORT' && o.side === 'BUY');
}

/** A new or amended opening order must fit the available margin and the leverage's notional cap. */
function checkMargin(core: EngineCore, account: AccountState, symbol: string, addNotional: Decimal): void {
  const market = marketOf(core, symbol);
  const lev = leverageOf(core, account, symbol);
  const pool = marginPool(core, account, market.rules.marginAsset);
  if (availableOf(pool).lessThan(addNotional.dividedBy(lev))) throw binanceErrors.marginInsufficient();
  const mark = market.mark ?? market.last ?? ZERO;
  const both = account.positions.get(positionKey(symbol, 'BOTH'))?.qty ?? ZERO;
  let exposure = addNotional.plus(openingNotional(account, symbol, both));
  for (const side of ['BOTH', 'LONG', 'SHORT'] as const) {
    const p = account.positions.get(positionKey(symbol, side));
    if (p) exposure = exposure.plus(p.qty.abs().times(mark));
  }
  if (exposure.greaterThan(maxNotionalFor(market.brackets, lev))) throw binanceErrors.maxPosition();
}

export function placeOrder(core: EngineCore, accountId: string, req: NewOrder): OrderView {
  const account = accountOf(core, accountId);
  const market = marketOf(core, req.symbol);
  const rules = market.rules;
  if (req.side !== 'BUY' && req.side !== 'SELL') throw binanceErrors.invalidSide();
  if (req.type !== 'LIMIT' && req.type !== 'MARKET') {
    const t = req.type as string;
    throw t === 'STOP_MARKET' ||
      t === 'TAKE_PROFIT_MARKET' ||
      t === 'STOP' ||
      t === 'TAKE_PROFIT' ||
      t === 'TRAILING_STOP_MARKET'
      ? binanceErrors.useAlgoEndpoint()
      : binanceErrors.invalidOrderType();
  }
  const positionSide = resolvePositionSide(account, req.positionSide);
  if (account.dualSidePosition && req.reduceOnly !== undefined) throw binanceErrors.notRequired('reduceonly');
  const reduceOnly = req.reduceOnly === true;
  const clientOrderId = req.newClientOrderId ?? nextClientId(core, 'paper');
  checkClientId(clientOrderId);
  const prior = account.ordersByClientId.get(clientKey(req.symbol, clientOrderId));
  if (prior && account.openOrders.has(prior.orderId)) throw binanceErrors.duplicateClientOrderId();

  const isMarket = req.type === 'MARKET';
  let tif = req.timeInForce ?? 'GTC';
  if (isMarket) {
    if (req.price !== undefined) throw binanceErrors.notRequired('price');
    tif = 'GTC';
  } else {
    if (req.price === undefined) throw binanceErrors.mandatory('price');
    if (tif !== 'GTC' && tif !== 'GTX' && tif !== 'IOC') throw binanceErrors.invalidTimeInForce();
    checkPrice(rules, req.price);
  }
  checkQty(rules, req.quantity, isMarket);
  const execRef = isMarket ? withSlippage(core, market, req.side, touchPrice(market, req.side)) : req.price!;
  if (isMarket) checkTakerPercentPrice(rules, req.side, execRef, market.mark);
  else checkPercentPrice(rules, req.side, execRef, market.mark);

  const closing = isClose({ side: req.side, positionSide }) || reduceOnly;
  checkMinNotional(rules, execRef, req.quantity, closing);
  if (closing) {
    const probe = { side: req.side, positionSide, reduceOnly, symbol: req.symbol } as OrderRecord;
    if (closableQty(account, probe, req.quantity).lessThan(req.quantity))
      throw binanceErrors.reduceOnlyRejected();
  }
  if (!isMarket) {
    if (totalsOf(account, req.symbol).count >= rules.maxNumOrders) throw binanceErrors.maxOpenOrders();
  }
  if (!closing) {
    const probe = { side: req.side, positionSide, reduceOnly, symbol: req.symbol } as OrderRecord;
    if (isOpening(account, probe)) checkMargin(core, account, req.symbol, execRef.times(req.quantity));
  }
  if (!isMarket && tif === 'GTX' && isMarketable(market, req.side, req.price!))
    throw binanceErrors.postOnlyWouldTake();

  const o = createOrderRecord(core, account, {
    symbol: req.symbol,
    clientOrderId,
    side: req.side,
    positionSide,
    type: req.type,
    origType: req.type,
    timeInForce: tif,
    price: isMarket ? ZERO : req.price!,
    origQty: req.quantity,
    reduceOnly,
    closePosition: false,
    stopPrice: ZERO,
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
  });
  emitOrderUpdate(core, account, o, 'NEW');
  matchNewOrder(core, account, o);
  return orderView(o);
}

/**
 * Immediate execution of a just-created (or amended) order: MARKET at the touch with slippage (or at
 * `marketRef`, the path price of a triggered stop); a marketable LIMIT at the touch as taker; the rest of
 * a GTC rests on the book, the rest of an IOC (or a capped close) expires.
 */
export function matchNewOrder(
  core: EngineCore,
  account: AccountState,
  o: OrderRecord,
  marketRef?: Decimal,
): void {
  const market = marketOf(core, o.symbol);
  const remaining = o.origQty.minus(o.executedQty);
  if (o.type === 'MARKET') {
    const price = withSlippage(core, market, o.side, marketRef ?? touchPrice(market, o.side));
    const qty = closableQty(account, o, remaining);
    if (qty.greaterThan(0)) executeFill(core, o, qty, price, { maker: false });
    if (o.status !== 'FILLED') finishOrder(core, account, o, 'EXPIRED');
    return;
  }
  if (isMarketable(market, o.side, o.price)) {
    const qty = closableQty(account, o, remaining);
    if (qty.greaterThan(0)) executeFill(core, o, qty, touchPrice(market, o.side), { maker: false });
    if (o.status !== 'FILLED') finishOrder(core, account, o, 'EXPIRED');
    return;
  }
  if (o.timeInForce === 'IOC') {
    finishOrder(core, account, o, 'EXPIRED');
    return;
  }
  bookInsert(market, o);
}

export function findOrder(account: AccountState, symbol: string, ref: OrderRef): OrderRecord | undefined {
  if (ref.orderId !== undefined) {
    const o = account.orders.get(ref.orderId);
    return o && o.symbol === symbol ? o : undefined;
  }
  if (ref.clientOrderId !== undefined)
    return account.ordersByClientId.get(clientKey(symbol, ref.clientOrderId));
  throw binanceErrors.mandatory('orderId');
}

export function cancelOrder(core: EngineCore, accountId: string, symbol: string, ref: OrderRef): OrderView {
  const account = accountOf(core, accountId);
  marketOf(core, symbol);
  const o = findOrder(account, symbol, ref);
  if (!o || !account.openOrders.has(o.orderId)) throw binanceErrors.unknownOrderSent();
  finishOrder(core, account, o, 'CANCELED');
  return orderView(o);
}

export function cancelAllOrders(core: EngineCore, accountId: string, symbol: string): OrderView[] {
  const account = accountOf(core, accountId);
  marketOf(core, symbol);
  const out: OrderView[] = [];
  for (const o of [...account.openOrders.values()]) {
    if (o.symbol !== symbol) continue;
    finishOrder(core, account, o, 'CANCELED');
    out.push(orderView(o));
  }
  return out;
}

export function amendOrder(core: EngineCore, accountId: string, req: AmendOrder): OrderView {
  const account = accountOf(core, accountId);
  const market = marketOf(core, req.symbol);
  const o = findOrder(account, req.symbol, req);
  if (!o || !account.openOrders.has(o.orderId)) throw binanceErrors.orderDoesNotExist();
  if (o.type !== 'LIMIT') throw binanceErrors.onlyLimitAmend();
  if (req.side !== o.side) throw binanceErrors.invalidSide();
  checkPrice(market.rules, req.price);
  checkQty(market.rules, req.quantity, false);
  checkPercentPrice(market.rules, o.side, req.price, market.mark);
  if (req.price.equals(o.price) && req.quantity.equals(o.origQty)) throw binanceErrors.noNeedToModify();
  if (req.quantity.lessThanOrEqualTo(o.executedQty)) {
    finishOrder(core, account, o, 'CANCELED');
    return orderView(o);
  }
  const newRemaining = req.quantity.minus(o.executedQty);
  const closing = isClose(o) || o.reduceOnly;
  if (closing && closableQty(account, o, newRemaining).lessThan(newRemaining))
    throw binanceErrors.reduceOnlyRejected();
  if (!closing && isOpening(account, o)) {
    const extra = newRemaining.times(req.price).minus(o.origQty.minus(o.executedQty).times(o.price));
    if (extra.greaterThan(0)) checkMargin(core, account, o.symbol, extra);
  }
  if (o.timeInForce === 'GTX' && isMarketable(market, o.side, req.price)) {
    finishOrder(core, account, o, 'CANCELED');
    return orderView(o);
  }
  bookRemove(market, o);
  o.price = req.price;
  o.origQty = req.quantity;
  o.seq = core.ids.nextBookSeq++;
  o.updateTime = core.clock.now();
  retrack(account, o);
  emitOrderUpdate(core, account, o, 'AMENDMENT');
  matchNewOrder(core, account, o);
  return orderView(o);
}
