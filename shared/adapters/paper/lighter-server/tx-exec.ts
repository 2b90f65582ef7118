/**
 * Executing an accepted tx (account, key, expiry, signature shape and nonce already checked) on the paper
 * engine: CreateOrder (14), CancelOrder (15), CancelAllOrders (16), UpdateLeverage (20).
 *
 * Every check a tx can fail is made before the engine is touched; the engine call comes last and refuses
 * before it changes anything, so a refused tx leaves the engine as it was.
 *
 * CreateOrder, after the Go `L2CreateOrderTxInfo.Validate` rules (same order, Lighter's codes):
 *  - Type 0 limit: TimeInForce 0 IOC / 1 good-till-time / 2 post-only → engine LIMIT IOC / GTC / GTX. A
 *    post-only order that would take is accepted and cancelled (`canceled-post-only`), as on Lighter.
 *  - Type 1 market: an IOC at worst price `Price` → engine LIMIT IOC at `Price`, which fills at the touch
 *    when the touch is at or better than `Price`, and otherwise not at all.
 *  - Type 2 stop-loss / 4 take-profit (market): engine STOP_MARKET / TAKE_PROFIT_MARKET on the mark price at
 *    `TriggerPrice`. Reduce-only with `BaseAmount` 0 is a position-tied order: it closes the whole position
 *    (engine `closePosition`). Simplified: the worst price `Price` is recorded and shown, not enforced on
 *    trigger (the engine fills a triggered stop at the path price with its slippage).
 *  - Types 3 / 5 (stop-loss-limit, take-profit-limit) and 6 (TWAP): 21710, the engine has no such orders.
 *  - `ClientOrderIndex` must be unique among the account's open and pending orders on every market (21728).
 *  - `OrderExpiry` is checked (non-zero ones must lie ahead) and shown, but not enforced later: simplified,
 *    the engine has no good-till-time expiry.
 * CancelAllOrders: only TimeInForce 0 (now); scheduled (1) and abort (2) are refused with 21713.
 * UpdateLeverage: cross margin only (isolated 21613); leverage = round(10000 / InitialMarginFraction).
 *
 * Entry point: `executeTx(venue, account, tx, now)`.
 */
import { engineCall } from '../binance-server/routes-trading.js';
import { PaperApiError } from '../errors.js';
import type { BinanceSide, BinanceTimeInForce } from '../types.js';
import type { LighterAccount } from './accounts.js';
import { lighterErrors } from './api-error.js';
import { ALL_MARKETS, coinsOf, type LighterMarket, priceOf } from './markets.js';
import {
  type CancelAllOrdersTx,
  type CancelOrderTx,
  type CreateOrderTx,
  type LighterTx,
  TX_CANCEL_ALL_ORDERS,
  TX_CANCEL_ORDER,
  TX_CREATE_ORDER,
  type UpdateLeverageTx,
} from './tx-info.js';
import {
  clientIdOf,
  decodeIndex,
  type LighterOrderType,
  type LighterTimeInForce,
  type LighterVenue,
  MAX_CLIENT_ORDER_INDEX,
  type OrderMeta,
} from './venue.js';

const MAX_BASE_AMOUNT = 2 ** 48 - 1;
const ENGINE_TIF: readonly BinanceTimeInForce[] = ['IOC', 'GTC', 'GTX'];
const LIGHTER_TIF: readonly LighterTimeInForce[] = ['immediate-or-cancel', 'good-till-time', 'post-only'];

/** The Go validation of a CreateOrder's fields, in its order. */
function validateCreate(tx: CreateOrderTx, now: number): void {
  if (tx.ClientOrderIndex !== 0 && (tx.ClientOrderIndex < 1 || tx.ClientOrderIndex > MAX_CLIENT_ORDER_INDEX))
    throw lighterErrors.invalidClientOrderIndex();
  if (tx.ReduceOnly !== 1 && tx.BaseAmount === 0) throw lighterErrors.invalidBaseAmount();
  if (tx.BaseAmount < 0 || tx.BaseAmount > MAX_BASE_AMOUNT) throw lighterErrors.invalidBaseAmount();
  if (tx.Price < 1) throw lighterErrors.invalidPrice();
  if (tx.IsAsk > 1) throw lighterErrors.invalidIsAsk();
  if (tx.TimeInForce > 2) throw lighterErrors.invalidTimeInForce();
  if (tx.ReduceOnly > 1) throw lighterErrors.invalidReduceOnlyMode();
  if (tx.OrderExpiry < 0) throw lighterErrors.invalidExpiry();
  const ioc = tx.TimeInForce === 0;
  const hasExpiry = tx.OrderExpiry !== 0;
  const hasTrigger = tx.TriggerPrice !== 0;
  switch (tx.Type) {
    case 1:
      if (!ioc) throw lighterErrors.invalidTimeInForce();
      if (hasExpiry) throw lighterErrors.invalidExpiry();
      if (hasTrigger) throw lighterErrors.invalidTriggerPrice();
      break;
    case 0:
      if (hasTrigger) throw lighterErrors.invalidTriggerPrice();
      if (ioc === hasExpiry) throw lighterErrors.invalidExpiry();
      break;
    case 2:
    case 4:
      if (!ioc) throw lighterErrors.invalidTimeInForce();
      if (!hasTrigger) throw lighterErrors.invalidTriggerPrice();
      if (!hasExpiry) throw lighterErrors.invalidExpiry();
      break;
    case 3:
    case 5:
      if (!hasTrigger) throw lighterErrors.invalidTriggerPrice();
      if (!hasExpiry) throw lighterErrors.invalidExpiry();
      throw lighterErrors.unsupportedOrderType();
    case 6:
      throw lighterErrors.unsupportedOrderType();
    default:
      throw lighterErrors.invalidOrderType();
  }
  if (hasExpiry && tx.OrderExpiry <= now) throw lighterErrors.invalidExpiry();
}

/** 21728 when a client order index is in use by an open or pending order of the account (any market). */
function checkClientIndexFree(venue: LighterVenue, a: LighterAccount, clientOrderIndex: number): void {
  if (clientOrderIndex === 0) return;
  const id = clientIdOf(clientOrderIndex);
  const engine = venue.engine;
  if (
    engine.openOrders(a.account).some((o) => o.clientOrderId === id) ||
    engine.openAlgoOrders(a.account).some((s) => s.clientAlgoId === id)
  )
    throw lighterErrors.clientOrderIndexExists();
}

async function createOrder(venue: LighterVenue, a: LighterAccount, tx: CreateOrderTx, now: number) {
  const m = venue.markets.hosted(tx.MarketIndex);
  validateCreate(tx, now);
  const stop = tx.Type === 2 || tx.Type === 4;
  const tied = stop && tx.ReduceOnly === 1 && tx.BaseAmount === 0;
  if (!tied && tx.BaseAmount === 0) throw lighterErrors.invalidBaseAmount();
  checkClientIndexFree(venue, a, tx.ClientOrderIndex);
  const engine = venue.engine;
  const side: BinanceSide = tx.IsAsk === 1 ? 'SELL' : 'BUY';
  const quantity = coinsOf(m, tx.BaseAmount);
  const price = priceOf(m, tx.Price);
  const clientId = tx.ClientOrderIndex === 0 ? undefined : clientIdOf(tx.ClientOrderIndex);
  const reduceOnly = tx.ReduceOnly === 1 ? true : undefined;
  const typeName: LighterOrderType = stop
    ? tx.Type === 2
      ? 'stop-loss'
      : 'take-profit'
    : tx.Type === 1
      ? 'market'
      : 'limit';
  const meta: OrderMeta = {
    clientOrderIndex: tx.ClientOrderIndex,
    type: typeName,
    timeInForce: LIGHTER_TIF[tx.TimeInForce]!,
    price,
    orderExpiry: tx.OrderExpiry,
    nonce: tx.Nonce,
  };
  if (stop) {
    const view = await engineCall(engine, a.account, 'placeAlgoOrder', () =>
      engine.placeAlgoOrder(a.account, {
        symbol: m.engineSymbol,
        side,
        type: tx.Type === 2 ? 'STOP_MARKET' : 'TAKE_PROFIT_MARKET',
        triggerPrice: priceOf(m, tx.TriggerPrice),
        workingType: 'MARK_PRICE',
        positionSide: 'BOTH',
        closePosition: tied ? true : undefined,
        quantity: tied ? undefined : quantity,
        reduceOnly: tied ? undefined : reduceOnly,
        clientAlgoId: clientId,
      }),
    );
    venue.noteStop(a.account, view.algoId, meta);
    return;
  }
  try {
    const view = await engineCall(engine, a.account, 'placeOrder', () =>
      engine.placeOrder(a.account, {
        symbol: m.engineSymbol,
        side,
        type: 'LIMIT',
        quantity,
        price,
        timeInForce: ENGINE_TIF[tx.TimeInForce]!,
        positionSide: 'BOTH',
        reduceOnly,
        newClientOrderId: clientId,
      }),
    );
    venue.noteOrder(a.account, view.orderId, meta);
  } catch (err) {
    if (!(err instanceof PaperApiError) || err.code !== -5022) throw err;
    venue.autoCancel({
      ...meta,
      account: a.account,
      marketId: m.marketId,
      side,
      quantity,
      reduceOnly: reduceOnly === true,
      time: now,
    });
  }
}

async function cancelOrder(venue: LighterVenue, a: LighterAccount, tx: CancelOrderTx) {
  const m = venue.markets.hosted(tx.MarketIndex);
  if (tx.Index < 1) throw lighterErrors.invalidOrderIndex();
  const engine = venue.engine;
  const sym = m.engineSymbol;
  const ref = decodeIndex(tx.Index);
  const orders = engine.openOrders(a.account, sym);
  const stops = engine.openAlgoOrders(a.account, sym);
  let order: number | undefined;
  let algo: number | undefined;
  if (ref.kind === 'client') {
    const id = clientIdOf(ref.clientOrderIndex);
    order = orders.find((o) => o.clientOrderId === id)?.orderId;
    if (order === undefined) algo = stops.find((s) => s.clientAlgoId === id)?.algoId;
  } else if (ref.kind === 'order') {
    order = orders.find((o) => o.orderId === ref.orderId)?.orderId;
  } else if (ref.kind === 'stop') {
    algo = stops.find((s) => s.algoId === ref.algoId)?.algoId;
  }
  if (order !== undefined) {
    const orderId = order;
    await engineCall(engine, a.account, 'cancelOrder', () => engine.cancelOrder(a.account, sym, { orderId }));
  } else if (algo !== undefined) {
    const algoId = algo;
    await engineCall(engine, a.account, 'cancelAlgoOrder', () =>
      engine.cancelAlgoOrder(a.account, { algoId }, sym),
    );
  } else throw lighterErrors.notActiveOrder();
}

async function cancelAllOrders(venue: LighterVenue, a: LighterAccount, tx: CancelAllOrdersTx) {
  if (tx.TimeInForce !== 0) throw lighterErrors.invalidCancelAllTimeInForce();
  if (tx.Time !== 0) throw lighterErrors.invalidCancelAllTime();
  const target = tx.attributes.get(5);
  const markets: LighterMarket[] =
    target === undefined || target === ALL_MARKETS ? venue.markets.all() : [venue.markets.hosted(target)];
  const engine = venue.engine;
  for (const m of markets) {
    if (engine.openOrders(a.account, m.engineSymbol).length > 0)
      await engineCall(engine, a.account, 'cancelOrder', () =>
        engine.cancelAllOrders(a.account, m.engineSymbol),
      );
    if (engine.openAlgoOrders(a.account, m.engineSymbol).length > 0)
      await engineCall(engine, a.account, 'cancelAlgoOrder', () =>
        engine.cancelAllAlgoOrders(a.account, m.engineSymbol),
      );
  }
}

async function updateLeverage(venue: LighterVenue, a: LighterAccount, tx: UpdateLeverageTx) {
  const m = venue.markets.hosted(tx.MarketIndex);
  if (tx.MarginMode !== 0) throw lighterErrors.invalidMarginMode();
  if (tx.InitialMarginFraction < 1 || tx.InitialMarginFraction > 10_000)
    throw lighterErrors.invalidMarginFraction();
  const leverage = Math.round(10_000 / tx.InitialMarginFraction);
  const engine = venue.engine;
  await engineCall(engine, a.account, 'configure', () =>
    engine.setLeverage(a.account, m.engineSymbol, leverage),
  );
  venue.noteImf(a.account, m.marketId, tx.InitialMarginFraction);
}

export async function executeTx(
  venue: LighterVenue,
  a: LighterAccount,
  tx: LighterTx,
  now: number,
): Promise<void> {
  switch (tx.txType) {
    case TX_CREATE_ORDER:
      return createOrder(venue, a, tx, now);
    case TX_CANCEL_ORDER:
      return cancelOrder(venue, a, tx);
    case TX_CANCEL_ALL_ORDERS:
      return cancelAllOrders(venue, a, tx);
    default:
      return updateLeverage(venue, a, tx);
  }
}
