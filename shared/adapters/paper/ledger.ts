/**
 * Margin arithmetic of a cross-margin USD-M account: unrealized PnL, initial and maintenance margin,
 * balances per margin asset, the liquidation price, and how one fill changes a position.
 *
 * Entry points: `applyFillToPosition` (average entry, realized PnL, flips), `marginPool` (wallet,
 * unrealized, maintenance per margin asset), `availableBalance`, `liquidationPrice`, `round8`.
 *
 * Conventions (Binance's): unrealized = qty × (mark − entry) with signed qty; position initial margin
 * = |qty| × mark / leverage; open-order initial margin = Σ remaining × price / leverage over orders that
 * would open or extend a position; maintenance = notional × mmr − cum of the notional's bracket.
 * Positions in symbols margined in different assets (USDT, USDC) are separate pools.
 */
import { Decimal, ZERO } from '../../domain/money.js';
import { binanceErrors } from './errors.js';
import { maintenanceMargin } from './leverage-brackets.js';
import { openingNotional } from './order-totals.js';
import {
  type AccountState,
  type EngineCore,
  type FeeRates,
  type MarketState,
  type OrderRecord,
  type PositionRecord,
  positionKey,
} from './state.js';
import type { BinancePositionSide } from './types.js';

export function round8(x: Decimal): Decimal {
  return x.toDecimalPlaces(8, Decimal.ROUND_HALF_UP);
}

export function marketOf(core: EngineCore, symbol: string): MarketState {
  const m = core.markets.get(symbol);
  if (!m) throw binanceErrors.invalidSymbol();
  return m;
}

export function feeRatesFor(core: EngineCore, account: AccountState, market: MarketState): FeeRates {
  const q = market.rules.quoteAsset;
  return (
    account.fees.get(q) ??
    core.options.fees.get(q) ?? { maker: new Decimal('0.0002'), taker: new Decimal('0.0005') }
  );
}

export function positionOf(account: AccountState, symbol: string, side: BinancePositionSide): PositionRecord {
  const key = positionKey(symbol, side);
  let p = account.positions.get(key);
  if (!p) {
    p = {
      symbol,
      positionSide: side,
      qty: ZERO,
      entryPrice: ZERO,
      openFees: ZERO,
      cumRealized: ZERO,
      updateTime: 0,
    };
    account.positions.set(key, p);
  }
  return p;
}

export function leverageOf(core: EngineCore, account: AccountState, symbol: string): number {
  return account.leverage.get(symbol) ?? core.options.defaultLeverage;
}

/** Reference price for margin: the mark, else the last trade, else zero (no market data yet). */
export function markOf(market: MarketState): Decimal {
  return market.mark ?? market.last ?? ZERO;
}

export function unrealizedOf(p: PositionRecord, mark: Decimal): Decimal {
  if (p.qty.isZero()) return ZERO;
  return p.qty.times(mark.minus(p.entryPrice));
}

export function breakEvenOf(p: PositionRecord): Decimal {
  if (p.qty.isZero()) return ZERO;
  const perUnit = p.openFees.dividedBy(p.qty.abs());
  return p.qty.isPositive() ? p.entryPrice.plus(perUnit) : p.entryPrice.minus(perUnit);
}

export interface FillOutcome {
  /** Realized PnL before fees, rounded to 8 decimals. */
  readonly realized: Decimal;
}

/**
 * Applies a fill of signed `delta` contracts at `price` to a position, charging `fee` to the position's
 * break-even cost. A fill against the position realizes PnL on the closed part; beyond it (one-way mode
 * only, callers clamp hedge closes) the rest opens the other way at `price`.
 */
export function applyFillToPosition(
  p: PositionRecord,
  delta: Decimal,
  price: Decimal,
  fee: Decimal,
): FillOutcome {
  const q = p.qty;
  if (q.isZero() || q.isPositive() === delta.isPositive()) {
    const newQty = q.plus(delta);
    p.entryPrice = q.abs().times(p.entryPrice).plus(delta.abs().times(price)).dividedBy(newQty.abs());
    p.qty = newQty;
    p.openFees = p.openFees.plus(fee);
    return { realized: ZERO };
  }
  const closeQty = Decimal.min(delta.abs(), q.abs());
  const realized = round8(closeQty.times(price.minus(p.entryPrice)).times(q.isPositive() ? 1 : -1));
  p.cumRealized = p.cumRealized.plus(realized);
  const rest = delta.abs().minus(closeQty);
  if (rest.greaterThan(0)) {
    p.qty = delta.isPositive() ? rest : rest.negated();
    p.entryPrice = price;
    p.openFees = fee.times(rest).dividedBy(delta.abs());
  } else {
    const remaining = q.abs().minus(closeQty);
    p.openFees = remaining.isZero() ? ZERO : p.openFees.times(remaining).dividedBy(q.abs());
    p.qty = q.plus(delta);
    if (p.qty.isZero()) p.entryPrice = ZERO;
  }
  return { realized };
}

/** Does this order open or extend a position (and so need initial margin)? */
export function isOpening(account: AccountState, o: OrderRecord): boolean {
  if (o.positionSide === 'LONG') return o.side === 'BUY';
  if (o.positionSide === 'SHORT') return o.side === 'SELL';
  if (o.reduceOnly) return false;
  const pos = account.positions.get(positionKey(o.symbol, 'BOTH'))?.qty ?? ZERO;
  return pos.isZero() || pos.isPositive() === (o.side === 'BUY');
}

export interface MarginPool {
  readonly asset: string;
  readonly wallet: Decimal;
  readonly unrealized: Decimal;
  readonly maintMargin: Decimal;
  readonly positionInitialMargin: Decimal;
  readonly openOrderInitialMargin: Decimal;
  readonly hasPositions: boolean;
}

/** The account's open positions (non-zero) on symbols that margin in `asset`: one margin pool. */
export function* poolPositions(
  core: EngineCore,
  account: AccountState,
  asset: string,
): Generator<{ readonly position: PositionRecord; readonly market: MarketState }> {
  for (const position of account.positions.values()) {
    if (position.qty.isZero()) continue;
    const market = core.markets.get(position.symbol);
    if (market && market.rules.marginAsset === asset) yield { position, market };
  }
}

/** Totals of one margin asset across all its symbols. `withOrders` adds the open-order margin scan. */
export function marginPool(
  core: EngineCore,
  account: AccountState,
  asset: string,
  withOrders = true,
): MarginPool {
  let unrealized = ZERO;
  let maint = ZERO;
  let posIm = ZERO;
  let orderIm = ZERO;
  let hasPositions = false;
  for (const { position: p, market: m } of poolPositions(core, account, asset)) {
    hasPositions = true;
    const mark = markOf(m);
    const notional = p.qty.abs().times(mark);
    unrealized = unrealized.plus(unrealizedOf(p, mark));
    maint = maint.plus(maintenanceMargin(m.brackets, notional));
    posIm = posIm.plus(notional.dividedBy(leverageOf(core, account, p.symbol)));
  }
  if (withOrders) {
    for (const [symbol, t] of account.orderTotals) {
      if (t.count === 0) continue;
      const m = core.markets.get(symbol);
      if (!m || m.rules.marginAsset !== asset) continue;
      const both = account.positions.get(positionKey(symbol, 'BOTH'))?.qty ?? ZERO;
      orderIm = orderIm.plus(
        openingNotional(account, symbol, both).dividedBy(leverageOf(core, account, symbol)),
      );
    }
  }
  return {
    asset,
    wallet: account.wallets.get(asset) ?? ZERO,
    unrealized,
    maintMargin: maint,
    positionInitialMargin: posIm,
    openOrderInitialMargin: orderIm,
    hasPositions,
  };
}

/**
 * The account's margin balance in `asset` (wallet + unrealized PnL over the pool's positions at their
 * marks): `balanceView(...).marginBalance` without the margin and order scans.
 */
export function marginBalanceOf(core: EngineCore, account: AccountState, asset: string): Decimal {
  let balance = account.wallets.get(asset) ?? ZERO;
  for (const { position, market } of poolPositions(core, account, asset))
    balance = balance.plus(unrealizedOf(position, markOf(market)));
  return balance;
}

export function availableOf(pool: MarginPool): Decimal {
  return pool.wallet
    .plus(pool.unrealized)
    .minus(pool.positionInitialMargin)
    .minus(pool.openOrderInitialMargin);
}

/**
 * The mark price of `symbol` at which the account's pool for its margin asset reaches maintenance
 * (other symbols held at their marks, brackets at the current notional). Zero when there is none.
 *   P = (WB + UPNL_other − MM_other + Σcum − Σ qty·entry) / (Σ |qty|·mmr − Σ qty)
 */
export function liquidationPrice(core: EngineCore, account: AccountState, symbol: string): Decimal {
  const market = core.markets.get(symbol);
  if (!market) return ZERO;
  const asset = market.rules.marginAsset;
  let upnlOther = ZERO;
  let mmOther = ZERO;
  let sumCum = ZERO;
  let sumQtyEntry = ZERO;
  let denom = ZERO;
  let any = false;
  for (const { position: p, market: m } of poolPositions(core, account, asset)) {
    const mark = markOf(m);
    const notional = p.qty.abs().times(mark);
    if (p.symbol !== symbol) {
      upnlOther = upnlOther.plus(unrealizedOf(p, mark));
      mmOther = mmOther.plus(maintenanceMargin(m.brackets, notional));
      continue;
    }
    any = true;
    const b = bracketAt(m, notional);
    sumCum = sumCum.plus(b.cum);
    sumQtyEntry = sumQtyEntry.plus(p.qty.times(p.entryPrice));
    denom = denom.plus(p.qty.abs().times(b.maintMarginRatio)).minus(p.qty);
  }
  if (!any || denom.isZero()) return ZERO;
  const wallet = account.wallets.get(asset) ?? ZERO;
  const price = wallet.plus(upnlOther).minus(mmOther).plus(sumCum).minus(sumQtyEntry).dividedBy(denom);
  return price.greaterThan(0) ? price.toDecimalPlaces(8, Decimal.ROUND_HALF_UP) : ZERO;
}

/** A position's liquidation price as the exchange reports it: zero for a flat one. */
export function liquidationOf(core: EngineCore, account: AccountState, p: PositionRecord): Decimal {
  return p.qty.isZero() ? ZERO : liquidationPrice(core, account, p.symbol);
}

/** The position sides the account's mode has: LONG and SHORT in hedge mode, BOTH one-way. */
export function positionSidesOf(account: AccountState): BinancePositionSide[] {
  return account.dualSidePosition ? ['LONG', 'SHORT'] : ['BOTH'];
}

function bracketAt(m: MarketState, notional: Decimal) {
  for (const b of m.brackets) if (notional.lessThan(b.notionalCap)) return b;
  return m.brackets[m.brackets.length - 1]!;
}
