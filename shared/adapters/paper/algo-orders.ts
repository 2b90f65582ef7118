/**
 * Conditional orders, kept apart from normal orders as Binance's Algo Service keeps them
 * (POST /fapi/v1/algoOrder, ALGO_UPDATE events, own ids). STOP_MARKET and TAKE_PROFIT_MARKET, with
 * `closePosition` or a quantity, triggered by the mark price (MARK_PRICE) or the last price
 * (CONTRACT_PRICE, Binance's default).
 *
 * Entry points: `placeAlgoOrder`, `cancelAlgoOrder`, `cancelAllAlgoOrders`, `triggerCondition`
 * (does a price satisfy the trigger?), `fireAlgo` (trigger: NEW → TRIGGERING → TRIGGERED → FINISHED,
 * placing a MARKET order that executes at the given path price with slippage).
 *
 * Rules: -2021 when it would trigger at once; -4130 for a second open closePosition order of the same
 * type, side and position side; -4045 beyond MAX_NUM_ALGO_ORDERS; closePosition refuses `quantity` and
 * `reduceOnly` (-1106); hedge mode refuses `reduceOnly` (-1106). A closePosition order with nothing to
 * close when it fires is REJECTED with `Reduce Only reject`, placing nothing.
 */
import { type Decimal, ZERO } from '../../domain/money.js';
import { binanceErrors } from './errors.js';
import { accountOf, closableQty, emitOrderUpdate } from './fills.js';
import { checkClientId, checkPrice, checkQty } from './filters.js';
import { marketOf, positionOf } from './ledger.js';
import { createOrderRecord, matchNewOrder, nextClientId, resolvePositionSide } from './order-entry.js';
import {
  type AccountState,
  type AlgoRecord,
  clientKey,
  type EngineCore,
  eventNow,
  type OrderRecord,
} from './state.js';
import type {
  AlgoOrderRef,
  AlgoOrderView,
  BinanceAlgoOrderType,
  BinanceSide,
  NewAlgoOrder,
} from './types.js';
import { algoView } from './views.js';

/** STOP: a SELL fires at or below the trigger, a BUY at or above; TAKE_PROFIT the other way round. */
export function triggerCondition(
  type: BinanceAlgoOrderType,
  side: BinanceSide,
  trigger: Decimal,
  price: Decimal,
): boolean {
  const firesBelow = (type === 'STOP_MARKET') === (side === 'SELL');
  return firesBelow ? price.lessThanOrEqualTo(trigger) : price.greaterThanOrEqualTo(trigger);
}

function emitAlgo(core: EngineCore, a: AlgoRecord): void {
  const now = eventNow(core);
  core.hub.emitAccount(a.accountId, {
    type: 'algoUpdate',
    eventTime: now,
    transactionTime: now,
    algo: algoView(core, a),
  });
}

function closeAlgo(
  core: EngineCore,
  account: AccountState,
  a: AlgoRecord,
  status: AlgoRecord['status'],
): void {
  a.status = status;
  a.updateTime = eventNow(core);
  account.openAlgos.delete(a.algoId);
  const list = marketOf(core, a.symbol).algos;
  const i = list.indexOf(a);
  if (i >= 0) list.splice(i, 1);
  emitAlgo(core, a);
}

export function placeAlgoOrder(core: EngineCore, accountId: string, req: NewAlgoOrder): AlgoOrderView {
  const account = accountOf(core, accountId);
  const market = marketOf(core, req.symbol);
  const rules = market.rules;
  if (req.side !== 'BUY' && req.side !== 'SELL') throw binanceErrors.invalidSide();
  if (req.type !== 'STOP_MARKET' && req.type !== 'TAKE_PROFIT_MARKET') throw binanceErrors.invalidOrderType();
  const positionSide = resolvePositionSide(account, req.positionSide);
  if (account.dualSidePosition && req.reduceOnly !== undefined) throw binanceErrors.notRequired('reduceonly');
  const closePosition = req.closePosition === true;
  if (closePosition && req.quantity !== undefined) throw binanceErrors.notRequired('quantity');
  if (closePosition && req.reduceOnly !== undefined) throw binanceErrors.notRequired('reduceonly');
  if (!closePosition) {
    if (req.quantity === undefined) throw binanceErrors.mandatory('quantity');
    checkQty(rules, req.quantity, true);
  }
  if (!req.triggerPrice.greaterThan(0)) throw binanceErrors.stopPriceLessThanZero();
  checkPrice(rules, req.triggerPrice);
  const workingType = req.workingType ?? 'CONTRACT_PRICE';
  const clientAlgoId = req.clientAlgoId ?? nextClientId(core, 'paperalgo');
  checkClientId(clientAlgoId);
  const prior = account.algosByClientId.get(clientKey(req.symbol, clientAlgoId));
  if (prior && account.openAlgos.has(prior.algoId)) throw binanceErrors.duplicateClientOrderId();
  const ref = workingType === 'MARK_PRICE' ? market.mark : market.last;
  if (ref && triggerCondition(req.type, req.side, req.triggerPrice, ref))
    throw binanceErrors.wouldImmediatelyTrigger();
  let open = 0;
  for (const a of account.openAlgos.values()) {
    if (a.symbol !== req.symbol) continue;
    open++;
    if (
      closePosition &&
      a.closePosition &&
      a.orderType === req.type &&
      a.side === req.side &&
      a.positionSide === positionSide
    ) {
      throw binanceErrors.closePositionStopExists();
    }
  }
  if (open >= rules.maxNumAlgoOrders) throw binanceErrors.maxAlgoOrders();

  const now = core.clock.now();
  const a: AlgoRecord = {
    accountId,
    symbol: req.symbol,
    algoId: core.ids.nextAlgoId++,
    clientAlgoId,
    orderType: req.type,
    side: req.side,
    positionSide,
    quantity: closePosition ? ZERO : req.quantity!,
    triggerPrice: req.triggerPrice,
    workingType,
    closePosition,
    priceProtect: req.priceProtect === true,
    reduceOnly: req.reduceOnly === true,
    status: 'NEW',
    createTime: now,
    updateTime: now,
    triggerTime: 0,
    actualOrderId: null,
    failReason: '',
  };
  account.algos.set(a.algoId, a);
  account.algosByClientId.set(clientKey(a.symbol, clientAlgoId), a);
  account.openAlgos.set(a.algoId, a);
  market.algos.push(a);
  emitAlgo(core, a);
  return algoView(core, a);
}

export function findAlgo(
  account: AccountState,
  symbol: string | undefined,
  ref: AlgoOrderRef,
): AlgoRecord | undefined {
  if (ref.algoId !== undefined) {
    const a = account.algos.get(ref.algoId);
    return a && (symbol === undefined || a.symbol === symbol) ? a : undefined;
  }
  if (ref.clientAlgoId !== undefined) {
    if (symbol !== undefined) return account.algosByClientId.get(clientKey(symbol, ref.clientAlgoId));
    let found: AlgoRecord | undefined;
    for (const a of account.algos.values()) if (a.clientAlgoId === ref.clientAlgoId) found = a;
    return found;
  }
  throw binanceErrors.mandatory('algoId');
}

export function cancelAlgoOrder(
  core: EngineCore,
  accountId: string,
  symbol: string | undefined,
  ref: AlgoOrderRef,
): AlgoOrderView {
  const account = accountOf(core, accountId);
  const a = findAlgo(account, symbol, ref);
  if (!a || !account.openAlgos.has(a.algoId)) throw binanceErrors.unknownOrderSent();
  closeAlgo(core, account, a, 'CANCELED');
  return algoView(core, a);
}

export function cancelAllAlgoOrders(core: EngineCore, accountId: string, symbol: string): AlgoOrderView[] {
  const account = accountOf(core, accountId);
  marketOf(core, symbol);
  const out: AlgoOrderView[] = [];
  for (const a of [...account.openAlgos.values()]) {
    if (a.symbol !== symbol) continue;
    closeAlgo(core, account, a, 'CANCELED');
    out.push(algoView(core, a));
  }
  return out;
}

/** Fires a triggered algo order: its MARKET order executes at `price` (the path price) with slippage. */
export function fireAlgo(core: EngineCore, a: AlgoRecord, price: Decimal): void {
  const account = accountOf(core, a.accountId);
  if (!account.openAlgos.has(a.algoId)) return;
  a.status = 'TRIGGERING';
  a.triggerTime = eventNow(core);
  a.updateTime = a.triggerTime;
  emitAlgo(core, a);
  const closes = a.closePosition || a.reduceOnly || isHedgeClose(a);
  let qty = a.quantity;
  if (a.closePosition) qty = positionOf(account, a.symbol, a.positionSide).qty.abs();
  if (closes) {
    const probe = {
      side: a.side,
      positionSide: a.positionSide,
      reduceOnly: true,
      symbol: a.symbol,
    } as OrderRecord;
    qty = closableQty(account, probe, qty);
  }
  if (!qty.greaterThan(0)) {
    a.failReason = 'Reduce Only reject';
    closeAlgo(core, account, a, 'REJECTED');
    return;
  }
  const o = createOrderRecord(core, account, {
    symbol: a.symbol,
    clientOrderId: a.clientAlgoId,
    side: a.side,
    positionSide: a.positionSide,
    type: 'MARKET',
    origType: a.orderType,
    timeInForce: 'GTC',
    price: ZERO,
    origQty: qty,
    reduceOnly: a.reduceOnly || a.closePosition,
    closePosition: a.closePosition,
    stopPrice: a.triggerPrice,
    workingType: a.workingType,
    priceProtect: a.priceProtect,
  });
  a.actualOrderId = o.orderId;
  a.status = 'TRIGGERED';
  emitAlgo(core, a);
  emitOrderUpdate(core, account, o, 'NEW');
  matchNewOrder(core, account, o, price);
  closeAlgo(core, account, a, 'FINISHED');
}

function isHedgeClose(a: AlgoRecord): boolean {
  return (a.positionSide === 'LONG' && a.side === 'SELL') || (a.positionSide === 'SHORT' && a.side === 'BUY');
}
