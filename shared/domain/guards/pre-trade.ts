/**
 * Pre-trade checks (SPEC §5, issue 15): pure rules every order command passes before it leaves, whatever
 * strategy decided it. The decision pipeline's pre-trade step runs them; a denied command is not sent and
 * comes back to the strategy as a refusal (`reason: 'pre_trade'`, `code` naming the check), which it
 * handles like any refusal (the Key Level Grid returns the level to IDLE and alerts once per side).
 *
 * Checks on an opening or amending order (`PlaceOrder`, `AmendOrder`):
 *  - `order_notional`: price × quantity above the account's `max_order_notional` (a fat-finger cap);
 *  - `margin` (new orders on the opening side, for a strategy that gives its margin facts): the position
 *    with every live opening order filled and this one would exceed balance × leverage, or have its
 *    liquidation within the gap of its stop, or the held position already would (`margin.ts`);
 *  - `position_notional` (new orders on the side that opens the leg's position): what the instance holds
 *    plus its live orders on that side plus this one, at this price, above the instance's
 *    `guards.max_position_notional`;
 *  - `budget` (new orders on the opening side, when the instance declares `guards.budget`): the margin the
 *    order reserves is more than the budget still has available (`budget.ts`);
 *  - `account_position_notional` (new opening orders, when the account sets `max_position_notional`): what
 *    every instance on the account holds and bids for, with this order, above the account's cap;
 *  - `leverage` (likewise, when the account sets `max_leverage`): that notional over the account's equity
 *    above the cap (seed 003: "3x leverage cap");
 *  - `price_band`: a buy priced more than `price_band_pct` above the last price the instance saw, or a
 *    sell more than that below it (an order that would sweep the book);
 *  - `order_rate`: the account already sent `max_orders_per_10s` orders in the last 10 s (the venue's
 *    own limit is 300: ours refuses before the venue bans the key).
 * Protective commands (stops, protective closes, the closer's risk slices) are never held back: they pass
 * as an explicit bypass, which the pipeline logs. Cancels reduce risk and always pass.
 */
import type { OrderCommand } from '../commands.js';
import { type Decimal, maxDec, ZERO } from '../money.js';
import { type BudgetPolicy, marginOf } from './budget.js';
import { MARGIN_REFUSAL_TEXT, type MarginPolicy, marginRefusal, type WorstPosition } from './margin.js';

export interface PreTradeLimits {
  /** Largest notional (quote currency) of one order; null: no cap. */
  readonly maxOrderNotional: Decimal | null;
  /** Largest notional the instance may hold and bid for on a side (its own config); null: no cap. */
  readonly maxPositionNotional?: Decimal | null | undefined;
  /** Largest notional every instance on the account may hold and bid for together; null: no cap. */
  readonly maxAccountNotional?: Decimal | null | undefined;
  /** Largest ratio of that notional to the account's equity; null: no cap. */
  readonly maxLeverage?: Decimal | null | undefined;
  /** The instance's capital budget (its own config); null: none. */
  readonly budget?: BudgetPolicy | null | undefined;
  /** How far through the last price (percent) a limit order may be priced. */
  readonly priceBandPct: Decimal;
  /** Orders an account may send in any 10 seconds. */
  readonly maxOrdersPer10s: number;
}

export const ORDER_RATE_WINDOW_MS = 10_000;

export type PreTradeCheck =
  | 'order_notional'
  | 'margin'
  | 'position_notional'
  | 'budget'
  | 'account_position_notional'
  | 'leverage'
  | 'price_band'
  | 'order_rate'
  /** The facts an opening order is judged on could not be read (the pipeline's: the order waits). */
  | 'unjudged';

export interface PreTradeDenial {
  readonly check: PreTradeCheck;
  readonly message: string;
}

export interface PreTradeFacts {
  /** The last price the instance's decisions saw (null: none yet, the band is not checked). */
  readonly reference: Decimal | null;
  /** Orders the account sent in the last `ORDER_RATE_WINDOW_MS`. */
  readonly recentOrders: number;
  /**
   * Coins the instance is exposed to on the side that opens its position, before this order: what it holds
   * plus what its other live orders on that side may still buy (or sell short). Null: the order reduces.
   */
  readonly exposure?: Decimal | null | undefined;
  /**
   * Margin the instance's budget still has for new opening orders, before this one (`budgetUse().available`
   * less what this decision's earlier orders reserved). Null: no budget, or the order reduces.
   */
  readonly budgetAvailable?: Decimal | null | undefined;
  /**
   * The notional the instance holds and bids for on its opening side before this order (its holdings at
   * the last price, its live opening orders and this decision's earlier ones at their prices). Null: the
   * order reduces.
   */
  readonly exposureNotional?: Decimal | null | undefined;
  /**
   * Notional the other instances on the account hold and bid for, as this process last saw them (null:
   * the order reduces, or no account cap asks for it).
   */
  readonly accountOthers?: Decimal | null | undefined;
  /** The account's equity as last read (null: unknown, leverage is not judged). */
  readonly equity?: Decimal | null | undefined;
  /** The strategy's margin facts for the order's leg and the position it adds to (null: not judged). */
  readonly margin?: { readonly policy: MarginPolicy; readonly before: WorstPosition } | null | undefined;
}

export type PreTradeVerdict =
  | { readonly pass: true; readonly bypass: boolean }
  | { readonly pass: false; readonly denial: PreTradeDenial };

/** Whether a command sends an order that counts toward the account's order rate. */
export function countsAsOrder(c: OrderCommand): boolean {
  return (
    c.kind === 'PlaceOrder' || c.kind === 'AmendOrder' || c.kind === 'PlaceStop' || c.kind === 'ClosePosition'
  );
}

export function preTradeCheck(
  c: OrderCommand,
  limits: PreTradeLimits,
  facts: PreTradeFacts,
): PreTradeVerdict {
  if (c.kind === 'PlaceStop' || c.kind === 'ClosePosition') return { pass: true, bypass: true };
  // A closer's risk slice reduces the position near liquidation or in an emergency: never held back.
  if (c.kind === 'PlaceOrder' && c.risk === true) return { pass: true, bypass: true };
  if (c.kind === 'CancelOrder' || c.kind === 'CancelStop') return { pass: true, bypass: false };
  const { side, price, qty } =
    c.kind === 'PlaceOrder' ? c.request : { side: c.side, price: c.price, qty: c.qty };
  const deny = (check: PreTradeCheck, message: string): PreTradeVerdict => ({
    pass: false,
    denial: { check, message },
  });
  const notional = price.times(qty);
  if (limits.maxOrderNotional !== null && notional.greaterThan(limits.maxOrderNotional))
    return deny(
      'order_notional',
      `${side} ${qty} at ${price} is ${notional.toDecimalPlaces(2)} notional, above max_order_notional ${limits.maxOrderNotional}`,
    );
  if (c.kind === 'PlaceOrder' && facts.margin) {
    const refusal = marginRefusal(facts.margin.policy, facts.margin.before, price, qty);
    if (refusal)
      return deny(
        'margin',
        `${side} ${qty} at ${price} refused: ${MARGIN_REFUSAL_TEXT[refusal]} (${refusal})`,
      );
  }
  if (c.kind === 'PlaceOrder' && limits.maxPositionNotional && facts.exposure) {
    const after = facts.exposure.plus(qty).times(price);
    if (after.greaterThan(limits.maxPositionNotional))
      return deny(
        'position_notional',
        `${side} ${qty} at ${price} would take the position and its live orders to ${after.toDecimalPlaces(2)} notional, above max_position_notional ${limits.maxPositionNotional}`,
      );
  }
  if (c.kind === 'PlaceOrder' && limits.budget && facts.budgetAvailable) {
    const margin = marginOf(limits.budget, price, qty);
    if (margin.greaterThan(facts.budgetAvailable))
      return deny(
        'budget',
        `${side} ${qty} at ${price} would reserve ${margin.toDecimalPlaces(2)} of margin; the budget ${limits.budget.budget} has ${maxDec(facts.budgetAvailable, ZERO).toDecimalPlaces(2)} left (guards.budget)`,
      );
  }
  if (c.kind === 'PlaceOrder' && facts.accountOthers && facts.exposureNotional) {
    const total = facts.accountOthers.plus(facts.exposureNotional).plus(notional);
    if (limits.maxAccountNotional && total.greaterThan(limits.maxAccountNotional))
      return deny(
        'account_position_notional',
        `${side} ${qty} at ${price} would take what the account's instances hold and bid for to ${total.toDecimalPlaces(2)} notional, above the account's max_position_notional ${limits.maxAccountNotional}`,
      );
    if (limits.maxLeverage && facts.equity && !facts.equity.greaterThan(0))
      return deny(
        'leverage',
        `${side} ${qty} at ${price}: the account's equity is ${facts.equity.toDecimalPlaces(2)}, no leverage fits under max_leverage ${limits.maxLeverage}`,
      );
    if (limits.maxLeverage && facts.equity?.greaterThan(0)) {
      const leverage = total.dividedBy(facts.equity);
      if (leverage.greaterThan(limits.maxLeverage))
        return deny(
          'leverage',
          `${side} ${qty} at ${price} would take the account to ${leverage.toDecimalPlaces(2)}× its equity ${facts.equity.toDecimalPlaces(2)}, above max_leverage ${limits.maxLeverage}`,
        );
    }
  }
  if (facts.reference?.greaterThan(0)) {
    const band = limits.priceBandPct.dividedBy(100);
    const through =
      side === 'buy'
        ? price.greaterThan(facts.reference.times(band.plus(1)))
        : price.lessThan(facts.reference.times(band.negated().plus(1)));
    if (through)
      return deny(
        'price_band',
        `${side} at ${price} is more than ${limits.priceBandPct}% through the last price ${facts.reference} (price_band_pct)`,
      );
  }
  if (facts.recentOrders >= limits.maxOrdersPer10s)
    return deny(
      'order_rate',
      `the account sent ${facts.recentOrders} orders in the last 10 s (max_orders_per_10s ${limits.maxOrdersPer10s})`,
    );
  return { pass: true, bypass: false };
}
