/**
 * The Key Level Grid's quiet band (`StrategySimulation.quietBand`, used by the replay to skip recon passes
 * that would change nothing): a recon pass decides on the price only through comparisons with fixed prices
 * of the state, so between two neighbouring ones a settled grid stays settled.
 *
 * Entry point: `klgQuietBand(state, config, rules, price)`.
 *
 * The prices a pass compares the price (or the mark) with, with the state and the exchange unchanged:
 *  - each level's price (its role: support, resistance, at the price; `polarity.ts`);
 *  - a support's price × (1 + buy_price_buffer_pct), where a new buy there becomes allowed, when it could
 *    get one (no order, IDLE, quota left, not paused); a resistance's × (1 − sell_price_buffer_pct), where
 *    a new sell there has room (and the waterfall's space check), when anything is held, the level's
 *    sell price clears the profit guard (`polarity.ts`, `sell-target.ts`) and the waterfall may act: not
 *    when the live sells already cover what it can place (`sellsCovered`); the other side of each is past
 *    the level itself, whose role flips first;
 *  - the stop trigger the position wants (the mark at or below it closes the position; `stop-loss.ts`).
 * Everything else a pass reads is the state or the exchange (fills, open orders, the position, the margin
 * facts), which the caller guarantees unchanged.
 *
 * No band (null) while anything in the state waits on time or on the exchange: a level or stop placing or
 * cancelling, an order whose outcome is unknown, a protective close in flight, a position mismatch waiting
 * to be adopted, fills not journaled, a recon backoff, a quote-sized unit not settled at its configured
 * amount; nor when the state's roles disagree with `price` (it was not decided at that price).
 */
import { type Decimal, ZERO } from '../../money.js';
import type { QuietBand } from '../../strategy.js';
import { minOrderCoins, roundQty, type SymbolRules } from '../../symbol-rules.js';
import type { KlgConfig } from './config.js';
import { stopTriggerAt } from './margin-guard.js';
import { buyThreshold, profitGuardFloor, roleOf, sellPriceOf, sellThreshold } from './polarity.js';
import { sellTarget } from './sell-target.js';
import type { KlgState } from './state.js';

export function klgQuietBand(
  state: KlgState,
  config: KlgConfig,
  rules: SymbolRules,
  price: Decimal,
): QuietBand | null {
  if (!settled(state, config)) return null;
  let low: Decimal | null = null;
  let high: Decimal | null = null;
  let touching = false;
  const limit = (p: Decimal): void => {
    const c = p.comparedTo(price);
    if (c === 0) touching = true;
    else if (c < 0) {
      if (low === null || p.greaterThan(low)) low = p;
    } else if (high === null || p.lessThan(high)) high = p;
  };
  const held = state.holdings.greaterThan(0);
  const floor = profitGuardFloor(state.avgEntry, config);
  const sellRoom = held && !sellsCovered(state, config, rules, floor);
  for (const level of state.levels) {
    if (level.role !== roleOf(level.price, price)) return null;
    limit(level.price);
    // Above a support, where a new buy becomes allowed (a level with an order, used up, or of a paused
    // grid gets none: the threshold changes nothing there). Past a resistance the role flips first.
    const waiting = !level.order && level.state === 'IDLE' && level.fillCounter < config.max_fill_per_level;
    if (level.role === 'SUPPORT' && waiting && !state.paused) limit(buyThreshold(level.price, config));
    // Below a resistance, where a new sell there has room (nothing to sell when nothing is held; a level
    // with a live sell is not judged on room, nor one the profit guard keeps closed at any price).
    if (
      level.role === 'RESISTANCE' &&
      sellRoom &&
      !level.order &&
      sellPriceOf(level.price, rules).greaterThan(floor)
    )
      limit(sellThreshold(level.price, config));
  }
  if (held) {
    const trigger = stopTriggerAt(config, state.levels[0]?.price, state.avgEntry, rules);
    if (trigger) limit(trigger);
  }
  if (touching) return null;
  return { low, high, until: Number.POSITIVE_INFINITY };
}

/**
 * The waterfall (`realignSells`) reads the price only through which resistances have room for a new sell,
 * and acts only on a shortfall or an excess. It does the same at every price (roles held) when the live
 * sells cover what it can place of the target (`roundQty(target)` ≤ live ≤ target), each on a resistance
 * the profit guard lets sell (so one qualifies at any price), and the target, when there is one, clears the
 * exchange minimum at every resistance it could start from (no plan left empty by the minimum).
 */
function sellsCovered(s: KlgState, config: KlgConfig, rules: SymbolRules, floor: Decimal): boolean {
  const target = sellTarget(s, config);
  const total = roundQty(target, rules);
  let live = ZERO;
  for (const level of s.levels) {
    if (level.order?.side !== 'sell') continue;
    if (level.role !== 'RESISTANCE' || !sellPriceOf(level.price, rules).greaterThan(floor)) return false;
    live = live.plus(level.order.openQty);
  }
  if (live.lessThan(total) || live.greaterThan(target)) return false;
  if (total.isZero()) return true;
  return s.levels.every((level) => {
    if (level.role !== 'RESISTANCE') return true;
    const sell = sellPriceOf(level.price, rules);
    return !sell.greaterThan(floor) || total.greaterThanOrEqualTo(minOrderCoins(sell, rules));
  });
}

/** Nothing in the state waits on time or on the exchange's answer. */
function settled(s: KlgState, config: KlgConfig): boolean {
  if (s.flatten || s.positionMismatch || s.unjournaled.length > 0 || s.reconBackoffUntil !== null)
    return false;
  if (config.quote_amount_per_grid && !s.unit?.quote.equals(config.quote_amount_per_grid)) return false;
  for (const level of s.levels) {
    if (level.state !== 'IDLE' && level.state !== 'ACTIVE') return false;
    if (level.order && (level.order.pending !== null || level.order.uncertain)) return false;
  }
  return s.stops.every((x) => x.state === 'ACTIVE' && !x.uncertain);
}
