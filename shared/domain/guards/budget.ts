/**
 * The capital allocator (SPEC §5, issue 15): an instance that declares `guards.budget` may commit at most
 * that much margin (quote currency), plus what it has realized. Margin is counted at the instance's
 * `guards.budget_leverage` (1 by default): notional ÷ leverage.
 *
 *   position margin  = Σ legs |qty| × entry ÷ leverage   (entry: the ledger's, else the last price)
 *   reserved margin  = Σ live opening orders (qty − filled) × price ÷ leverage
 *   available        = budget + realized PnL − unrealized loss − position margin − reserved margin
 *
 * Everything is derived from the strategy's own state (its ledger and its live order slots), never kept
 * as a running balance: margin is reserved the moment an order is in the state, released when the state
 * drops it (filled: it becomes position margin; cancelled: gone), and cannot drift or go negative.
 *
 * Invariants (property-tested): reserved margin is never negative; it is zero when the instance has no
 * live opening order; a flat instance with no orders uses nothing; an opening order passes the budget
 * check only if the margin used after it stays within the budget plus realized PnL.
 */
import { type Decimal, maxDec, minDec, ZERO } from '../money.js';
import type { PositionSide, Side } from '../orders.js';
import type { OrderSlot } from '../stored-instance.js';

export interface BudgetPolicy {
  readonly budget: Decimal;
  /** At least 1. */
  readonly leverage: Decimal;
}

export interface BudgetUse {
  readonly budget: Decimal;
  readonly leverage: Decimal;
  readonly realizedPnl: Decimal;
  /** What the position has lost at the last price (≥ 0). */
  readonly unrealizedLoss: Decimal;
  readonly positionMargin: Decimal;
  readonly reservedMargin: Decimal;
  /** What new opening orders may still reserve (negative when losses or price moves ate into it). */
  readonly available: Decimal;
}

/**
 * Whether an order of `side` adds to a position held on `positionSide`. A one-way BOTH position goes by
 * the net `held`: flat, either side opens one.
 */
export function opensPosition(side: Side, positionSide: PositionSide, held: Decimal): boolean {
  if (positionSide === 'LONG') return side === 'buy';
  if (positionSide === 'SHORT') return side === 'sell';
  if (held.isZero()) return true;
  return held.isNegative() ? side === 'sell' : side === 'buy';
}

export interface BudgetLeg {
  readonly role: string;
  readonly positionSide: PositionSide;
  /** Signed coins the ledger holds on the leg. */
  readonly qty: Decimal;
  readonly avgEntry: Decimal;
}

/** Live opening orders' open quantity × price: the notional a budget reserves margin for. */
export function reservedNotional(legs: readonly BudgetLeg[], slots: readonly OrderSlot[]): Decimal {
  let total = ZERO;
  for (const slot of slots) {
    if (slot.kind !== 'limit' || slot.qty === null || slot.price === null) continue;
    const leg = legs.find((l) => l.role === slot.leg);
    if (!leg || !opensPosition(slot.side, leg.positionSide, leg.qty)) continue;
    total = total.plus(maxDec(slot.qty.minus(slot.filled), ZERO).times(slot.price));
  }
  return total;
}

/**
 * What an instance holds and bids for on its opening side: its legs' coins at the last price (at their
 * entry while no price is known) plus its live opening orders at their prices. The account-wide checks and
 * every view of exposure count it this one way.
 */
export function exposureNotional(
  legs: readonly BudgetLeg[],
  slots: readonly OrderSlot[],
  lastPrice: Decimal | null,
): Decimal {
  let held = ZERO;
  for (const leg of legs) held = held.plus(leg.qty.abs().times(lastPrice ?? leg.avgEntry));
  return held.plus(reservedNotional(legs, slots));
}

export function budgetUse(
  policy: BudgetPolicy,
  legs: readonly BudgetLeg[],
  slots: readonly OrderSlot[],
  realizedPnl: Decimal,
  lastPrice: Decimal | null,
): BudgetUse {
  let held = ZERO;
  let loss = ZERO;
  for (const leg of legs) {
    const entry = leg.avgEntry.greaterThan(0) ? leg.avgEntry : (lastPrice ?? ZERO);
    held = held.plus(leg.qty.abs().times(entry));
    // What the position has lost at the last price counts against the budget (a gain does not, until realized).
    if (lastPrice && leg.avgEntry.greaterThan(0))
      loss = loss.plus(minDec(leg.qty.times(lastPrice.minus(leg.avgEntry)), ZERO).negated());
  }
  const positionMargin = held.dividedBy(policy.leverage);
  const reservedMargin = reservedNotional(legs, slots).dividedBy(policy.leverage);
  return {
    budget: policy.budget,
    leverage: policy.leverage,
    realizedPnl,
    unrealizedLoss: loss,
    positionMargin,
    reservedMargin,
    available: policy.budget.plus(realizedPnl).minus(loss).minus(positionMargin).minus(reservedMargin),
  };
}

/** The margin an opening order of `qty` at `price` reserves. */
export function marginOf(policy: BudgetPolicy, price: Decimal, qty: Decimal): Decimal {
  return price.times(qty).dividedBy(policy.leverage);
}
