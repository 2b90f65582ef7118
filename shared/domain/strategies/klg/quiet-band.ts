/**
 * The Key Level Grid's quiet band (`StrategySimulation.quietBand`, used by the replay to skip recon passes
 * that would change nothing): a recon pass decides on the price only through comparisons with fixed prices
 * of the state, so between two neighbouring ones a settled grid stays settled.
 *
 * Entry point: `klgQuietBand(state, config, rules, price)`.
 *
 * The prices a pass compares the price (or the mark) with, with the state and the exchange unchanged:
 *  - the price of each level with an order (its buy rests below the price, its sell above: past the level
 *    the order fills, or is cancelled as the level's role flips; `polarity.ts`, `buys.ts`, `sells.ts`);
 *  - for a level without one, only where it would get an order in the role it has on that side of it (a
 *    role flip alone decides nothing: every pass derives the roles again, and they are `reconVolatile`):
 *    as a support, its price × (1 + buy_price_buffer_pct), where a new buy becomes allowed, when it could
 *    get one (IDLE, quota left, not paused); as a resistance, its price × (1 − sell_price_buffer_pct),
 *    where a new sell has room (the waterfall's space check), when anything is held, the level's sell
 *    price clears the profit guard (`polarity.ts`, `sell-target.ts`) and the waterfall may act: not when
 *    the live sells already cover what it can place (`sellsCovered`);
 *  - the stop trigger the position wants (the mark at or below it closes the position; `stop-loss.ts`).
 * Everything else a pass reads is the state or the exchange (fills, open orders, the position, the margin
 * facts), which the caller guarantees unchanged.
 *
 * No band (null) while anything in the state waits on time or on the exchange: a level or stop placing or
 * cancelling, an order whose outcome is unknown, a protective close in flight, a position mismatch waiting
 * to be adopted, fills not journaled, a recon backoff, a quote-sized unit not settled at its configured
 * amount; nor when an order rests on the wrong side of `price` (the state was not decided at that price).
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
  const sellRoom = held && !sellsCovered(state, config, rules, floor, price);
  for (const level of state.levels) {
    const o = level.order;
    if (o) {
      // Decided at this price, buys rest on supports and sells on resistances; the order fills, or turns
      // invalid, once the price reaches its level.
      if (roleOf(level.price, price) !== (o.side === 'buy' ? 'SUPPORT' : 'RESISTANCE')) return null;
      limit(level.price);
      continue;
    }
    // A level without an order changes role as the price crosses it, and that alone decides nothing (every
    // pass derives the roles again: `reconVolatile`). What bounds the band is where, in either role, it
    // would get an order or change what the waterfall does:
    //  - as a support, above its buffer: a new buy, while it can get one (IDLE, quota left, not paused);
    if (level.state === 'IDLE' && level.fillCounter < config.max_fill_per_level && !state.paused)
      limit(buyThreshold(level.price, config));
    //  - as a resistance, below its buffer: room for a new sell, when anything is held, the waterfall may
    //    act and the level's sell price clears the profit guard (a level it keeps closed never qualifies).
    if (sellRoom && sellPriceOf(level.price, rules).greaterThan(floor))
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
function sellsCovered(
  s: KlgState,
  config: KlgConfig,
  rules: SymbolRules,
  floor: Decimal,
  price: Decimal,
): boolean {
  const target = sellTarget(s, config);
  const total = roundQty(target, rules);
  let live = ZERO;
  for (const level of s.levels) {
    if (level.order?.side !== 'sell') continue;
    const resistance = roleOf(level.price, price) === 'RESISTANCE';
    if (!resistance || !sellPriceOf(level.price, rules).greaterThan(floor)) return false;
    live = live.plus(level.order.openQty);
  }
  if (live.lessThan(total) || live.greaterThan(target)) return false;
  if (total.isZero()) return true;
  // Any level may be a resistance somewhere in the band.
  return s.levels.every((level) => {
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
