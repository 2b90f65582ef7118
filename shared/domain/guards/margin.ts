/**
 * Margin after the order (SPEC §2 "Stop loss": "the stop sits above the liquidation price; an order that
 * would put liquidation first is refused"; SPEC §5 exposure): the pre-trade step's one implementation, for
 * every strategy that declares its margin facts (`StrategyModule.marginPolicy`).
 *
 * For the position an opening order adds to, with every live opening order filled and this one too:
 *  - `over_leverage`: its cost above `wallet × leverage` (the venue's leverage for the symbol);
 *  - `liquidation_before_stop`: its estimated liquidation price within `gapPct` of where its stop would
 *    sit (a long: `liq × (1 + gap) ≥ stop`; a short: `liq ≤ stop × (1 + gap)`);
 *  - `position_liquidates_first`: the position already held would be liquidated before its stop (the
 *    strategy's own condition): no opening order until it would not.
 *
 * The estimate is the cross-margin one for a single position: the account is liquidated when
 * `wallet + qty × (P − entry) = mmr × qty × P` for a long, so `P = (qty × entry − wallet) / (qty × (1 − mmr))`
 * (none while the wallet covers the whole cost); for a short `P = (qty × entry + wallet) / (qty × (1 + mmr))`.
 * Other positions on the account are not counted: with several instances on one account, give each a
 * wallet share by its budget (`budget.ts`).
 */
import { type Decimal, ONE } from '../money.js';

/** What a strategy knows of the margin behind one leg (null from the module: not judged). */
export interface MarginPolicy {
  /** Wallet balance of the settlement asset (cross margin), quote currency. */
  readonly wallet: Decimal;
  /** The symbol's leverage on the venue (null: unknown, the leverage rule is not judged). */
  readonly leverage: Decimal | null;
  readonly maintMarginRate: Decimal;
  /** How far (fraction) liquidation must stay from the stop. */
  readonly gapPct: Decimal;
  /** The price the stop would sit at for a position at `avgEntry` (null: no stop, nothing to keep behind). */
  stopAt(avgEntry: Decimal): Decimal | null;
  /** The held position would already be liquidated before its stop: no opening order at all. */
  readonly blocked: boolean;
}

export type MarginRefusal = 'over_leverage' | 'liquidation_before_stop' | 'position_liquidates_first';

/** The position an opening order adds to, before it: coins (≥ 0) and what they cost (quote). */
export interface WorstPosition {
  readonly qty: Decimal;
  readonly cost: Decimal;
  /** A long (buys open it) or a short (sells open it). */
  readonly long: boolean;
}

export function estimateLiquidationPrice(
  qty: Decimal,
  entry: Decimal,
  wallet: Decimal,
  maintMarginRate: Decimal,
  long = true,
): Decimal | null {
  if (!qty.greaterThan(0)) return null;
  if (long) {
    const shortfall = qty.times(entry).minus(wallet);
    if (!shortfall.greaterThan(0)) return null;
    return shortfall.dividedBy(qty.times(ONE.minus(maintMarginRate)));
  }
  return qty
    .times(entry)
    .plus(wallet)
    .dividedBy(qty.times(ONE.plus(maintMarginRate)));
}

/** Why an opening order of `qty` at `price` on top of `before` must not be placed (null: it may). */
export function marginRefusal(
  policy: MarginPolicy,
  before: WorstPosition,
  price: Decimal,
  qty: Decimal,
): MarginRefusal | null {
  if (policy.blocked) return 'position_liquidates_first';
  const worstQty = before.qty.plus(qty);
  const cost = before.cost.plus(price.times(qty));
  if (policy.leverage?.greaterThan(0) && cost.greaterThan(policy.wallet.times(policy.leverage)))
    return 'over_leverage';
  if (!worstQty.greaterThan(0)) return null;
  const avg = cost.dividedBy(worstQty);
  const liq = estimateLiquidationPrice(worstQty, avg, policy.wallet, policy.maintMarginRate, before.long);
  const stop = policy.stopAt(avg);
  if (!liq || !stop) return null;
  const gap = ONE.plus(policy.gapPct);
  return before.long
    ? liq.times(gap).greaterThanOrEqualTo(stop)
      ? 'liquidation_before_stop'
      : null
    : liq.lessThanOrEqualTo(stop.times(gap))
      ? 'liquidation_before_stop'
      : null;
}

export const MARGIN_REFUSAL_TEXT: Readonly<Record<MarginRefusal, string>> = {
  over_leverage: 'the position with every live opening order filled would exceed balance × leverage',
  liquidation_before_stop: 'liquidation would come before the stop loss',
  position_liquidates_first: 'the held position would be liquidated before its stop',
};
