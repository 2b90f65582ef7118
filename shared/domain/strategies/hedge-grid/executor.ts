/**
 * One leg's grid executor (SPEC §3.2), pure: levels, their orders, and what to do next. The long leg opens
 * with buys and closes with sells; the short leg mirrors it. Nothing here knows accounts, client ids or the
 * other leg: the module (`module.ts`) turns intents into order commands and decides, with both legs in
 * view, whether a leg may open at all.
 *
 * A level's state follows from its fields (`levelState`), so it can never disagree with them:
 *   NOT_ACTIVE          nothing resting, nothing held
 *   OPEN_ORDER_PLACED   its opening order rests (or is on its way)
 *   OPEN_ORDER_FILLED   coins held, no take-profit resting yet
 *   CLOSE_ORDER_PLACED  its take-profit rests (or is on its way)
 *   COMPLETE            the take-profit filled: the next step makes it NOT_ACTIVE again (a level of an older
 *                       parameter version is dropped instead)
 *   FAILED              its opening order was refused `FAILED_AFTER` times in a row; retried after a while
 *
 * `step` (every decision): completed levels reset; a take-profit for every level holding coins with no
 * close (one spacing from its entry, shifted `safe_extra_spread` off the book when it would cross); opening
 * orders of an older version, outside `activation_bounds`, or while opening is stopped are cancelled; then
 * at most `max_orders_per_batch` new opening orders, no sooner than `order_frequency` after the last batch,
 * never more than `max_open_orders` resting, split above/below the price by `upper_lower_ratio`, nearest
 * first. An opening price that would cross the book is moved `safe_extra_spread` off it.
 */
import { type Decimal, dec, ZERO } from '../../money.js';
import { roundPrice, type Side, type SymbolRules } from '../../symbol-rules.js';

export type HedgeSide = 'LONG' | 'SHORT';

export type LevelState =
  | 'NOT_ACTIVE'
  | 'OPEN_ORDER_PLACED'
  | 'OPEN_ORDER_FILLED'
  | 'CLOSE_ORDER_PLACED'
  | 'COMPLETE'
  | 'FAILED';

export interface GridOrder {
  readonly id: string;
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly filled: Decimal;
  readonly placedAt: number;
  /** Sent and not yet confirmed (`place`), or its cancel sent (`cancel`). */
  readonly pending: 'place' | 'cancel' | null;
}

export interface GridLevel {
  /** Unique within the leg across versions: `version × 1000 + position` (it rides in client ids). */
  readonly key: number;
  readonly price: Decimal;
  readonly version: number;
  readonly open: GridOrder | null;
  readonly close: GridOrder | null;
  /** Coins opened at this level and not closed yet, at `entry` on average. */
  readonly held: Decimal;
  readonly entry: Decimal;
  /** Refusals of its opening order in a row; `FAILED_AFTER` makes it FAILED until `failedAt + retry`. */
  readonly refusals: number;
  readonly failedAt: number | null;
  /** When its take-profit filled the last coin (COMPLETE until the next step). */
  readonly completedAt: number | null;
}

/** The parameter set in force: one version, read by both legs (SPEC §3.1). */
export interface ParamsInForce {
  readonly version: number;
  readonly computedAt: number;
  readonly levelPrices: readonly Decimal[];
  readonly spacing: Decimal;
  readonly amountPerLevel: Decimal;
  readonly leverage: number;
  readonly upper: Decimal;
  readonly lower: Decimal;
  /** The maintenance-margin rate of the leverage bracket the parameters were computed in. */
  readonly maintMarginRatio: Decimal;
}

export interface FlowLimits {
  readonly maxOpenOrders: number;
  readonly maxOrdersPerBatch: number;
  readonly orderFrequencyMs: number;
  readonly activationBounds: Decimal | null;
  readonly upperLowerRatio: Decimal;
  readonly safeExtraSpread: Decimal;
}

export interface Book {
  readonly bid: Decimal;
  readonly ask: Decimal;
}

export type LegIntent =
  | { readonly kind: 'open'; readonly key: number; readonly price: Decimal; readonly qty: Decimal }
  | {
      readonly kind: 'close';
      readonly key: number;
      readonly price: Decimal;
      readonly qty: Decimal;
      readonly entry: Decimal;
    }
  | { readonly kind: 'cancel'; readonly key: number; readonly id: string; readonly reason: string };

export interface LegGrid {
  readonly levels: readonly GridLevel[];
  /** When the last batch of opening orders went out (`order_frequency` counts from it). */
  readonly lastBatchAt: number | null;
}

export interface StepResult {
  readonly grid: LegGrid;
  readonly intents: readonly LegIntent[];
  /** Take-profits completed by this step's reset (their levels went back to NOT_ACTIVE or were dropped). */
  readonly reset: number;
}

/** Refusals in a row after which a level is FAILED; it is tried again `FAILED_RETRY_MS` later. */
export const FAILED_AFTER = 3;
export const FAILED_RETRY_MS = 300_000;
/** An open partly filled and resting this long is cancelled, so its filled part gets a take-profit. */
export const PARTIAL_OPEN_MS = 60_000;

export { closingSideOf as closingSide, openingSideOf as openingSide } from '../../orders.js';

export function levelState(l: GridLevel, now: number): LevelState {
  if (l.close) return 'CLOSE_ORDER_PLACED';
  if (l.open) return 'OPEN_ORDER_PLACED';
  if (l.held.greaterThan(0)) return 'OPEN_ORDER_FILLED';
  if (l.completedAt !== null) return 'COMPLETE';
  if (l.failedAt !== null && now - l.failedAt < FAILED_RETRY_MS) return 'FAILED';
  return 'NOT_ACTIVE';
}

/** A level's key: its parameter version × 1000 + its index, so the key alone tells the version. */
const KEYS_PER_VERSION = 1000;

export function versionOfKey(key: number): number {
  return Math.floor(key / KEYS_PER_VERSION);
}

/** A level holding nothing, with `open` resting on it if given. */
export function emptyLevel(key: number, price: Decimal, open: GridOrder | null = null): GridLevel {
  return {
    key,
    price,
    version: versionOfKey(key),
    open,
    close: null,
    held: ZERO,
    entry: ZERO,
    refusals: 0,
    failedAt: null,
    completedAt: null,
  };
}

export function freshLevels(params: ParamsInForce): GridLevel[] {
  return params.levelPrices.map((price, i) => emptyLevel(params.version * KEYS_PER_VERSION + i, price));
}

/**
 * A new parameter version for a leg: the levels of the old one that hold coins (or still rest a partly
 * filled open) stay until their take-profit completes; the rest are replaced by the new version's levels
 * (their resting opens are cancelled by the next step, as an older version's).
 */
export function adoptLevels(levels: readonly GridLevel[], params: ParamsInForce): GridLevel[] {
  const kept = levels.filter(
    (l) => l.version !== params.version && (l.held.greaterThan(0) || l.close || l.open),
  );
  return [...kept, ...freshLevels(params)];
}

/** The take-profit of coins held at `entry` (SPEC §3.2), kept off the book. */
export function takeProfitPrice(
  side: HedgeSide,
  entry: Decimal,
  spacing: Decimal,
  book: Book,
  safe: Decimal,
  rules: SymbolRules,
): Decimal {
  const sell = side === 'LONG';
  const target = roundPrice(sell ? entry.plus(spacing) : entry.minus(spacing), sell ? 'sell' : 'buy', rules);
  if (sell) {
    if (target.greaterThan(book.bid)) return target;
    return offBook(roundPrice(book.bid.times(safe.plus(1)), 'sell', rules), book, 'sell', rules);
  }
  if (target.lessThan(book.ask)) return target;
  return offBook(roundPrice(book.ask.times(dec(1).minus(safe)), 'buy', rules), book, 'buy', rules);
}

/** An opening price: the level's, or `safe_extra_spread` off the book when the level would cross it. */
export function openingPrice(
  side: HedgeSide,
  level: Decimal,
  book: Book,
  safe: Decimal,
  rules: SymbolRules,
): Decimal {
  if (side === 'LONG') {
    if (level.lessThan(book.ask)) return roundPrice(level, 'buy', rules);
    return offBook(roundPrice(book.ask.times(dec(1).minus(safe)), 'buy', rules), book, 'buy', rules);
  }
  if (level.greaterThan(book.bid)) return roundPrice(level, 'sell', rules);
  return offBook(roundPrice(book.bid.times(safe.plus(1)), 'sell', rules), book, 'sell', rules);
}

/** A maker price never at or through the far touch (one tick inside when rounding put it there). */
function offBook(price: Decimal, book: Book, side: Side, rules: SymbolRules): Decimal {
  if (side === 'buy') return price.lessThan(book.ask) ? price : book.ask.minus(rules.tickSize);
  return price.greaterThan(book.bid) ? price : book.bid.plus(rules.tickSize);
}

function withinBounds(price: Decimal, mid: Decimal, bounds: Decimal | null): boolean {
  return bounds === null || price.minus(mid).abs().dividedBy(mid).lessThanOrEqualTo(bounds);
}

export interface StepInput {
  readonly side: HedgeSide;
  readonly grid: LegGrid;
  readonly params: ParamsInForce;
  readonly limits: FlowLimits;
  readonly book: Book;
  readonly rules: SymbolRules;
  /** Whether this leg may place new opening orders now (pause, risk, sync, the imbalance limit). */
  readonly opening: boolean;
  /** Opening orders this leg may still add before the imbalance limit (null: no such limit). */
  readonly openRoom: number | null;
  readonly now: number;
}

/** The next step of one leg (see the file comment); intents carry level keys, the module assigns ids. */
export function step(input: StepInput): StepResult {
  const { side, params, limits, book, rules, now } = input;
  const intents: LegIntent[] = [];
  let reset = 0;
  const mid = book.bid.plus(book.ask).dividedBy(2);
  const levels: GridLevel[] = [];
  for (const l of input.grid.levels) {
    if (levelState(l, now) !== 'COMPLETE') {
      levels.push(l);
      continue;
    }
    reset += 1;
    if (l.version === params.version) levels.push({ ...l, completedAt: null, entry: ZERO });
  }
  // Take-profits: every level holding coins with nothing closing them (a partly filled open that still
  // rests waits for the rest, or for its cancel). One smaller than what its level holds (coins booked on
  // it late) is cancelled, and placed again whole once the cancel is confirmed.
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    const c = l.close;
    if (c && c.pending === null && c.qty.minus(c.filled).lessThan(l.held))
      intents.push({
        kind: 'cancel',
        key: l.key,
        id: c.id,
        reason: 'take-profit smaller than what the level holds',
      });
    if (l.close || l.open || !l.held.greaterThan(0)) continue;
    const spacing = params.spacing;
    const price = takeProfitPrice(side, l.entry, spacing, book, limits.safeExtraSpread, rules);
    intents.push({ kind: 'close', key: l.key, price, qty: l.held, entry: l.entry });
  }
  // Opening orders that must go: an older version's, outside the activation bounds, or opening stopped.
  let resting = 0;
  for (const l of levels) {
    const o = l.open;
    if (!o || o.pending === 'cancel') continue;
    const why =
      l.version !== params.version
        ? `parameter version ${l.version} replaced by ${params.version}`
        : !input.opening
          ? 'opening stopped'
          : !withinBounds(l.price, mid, limits.activationBounds)
            ? 'outside the activation bounds'
            : o.filled.greaterThan(0) && now - o.placedAt >= PARTIAL_OPEN_MS
              ? 'partly filled a while ago: the rest goes so the filled part gets its take-profit'
              : null;
    if (why && o.pending !== 'place') intents.push({ kind: 'cancel', key: l.key, id: o.id, reason: why });
    else resting += 1;
  }
  const batchDue = input.grid.lastBatchAt === null || now - input.grid.lastBatchAt >= limits.orderFrequencyMs;
  let lastBatchAt = input.grid.lastBatchAt;
  if (input.opening && batchDue && resting < limits.maxOpenOrders) {
    const chosen = chooseOpens(levels, params, limits, mid, resting, now, input.openRoom);
    for (const l of chosen) {
      const price = openingPrice(side, l.price, book, limits.safeExtraSpread, rules);
      intents.push({ kind: 'open', key: l.key, price, qty: params.amountPerLevel });
    }
    if (chosen.length > 0) lastBatchAt = now;
  }
  return { grid: { levels, lastBatchAt }, intents, reset };
}

/**
 * The levels to open now: NOT_ACTIVE levels of the version in force within the bounds, split between
 * above and below the price by `upper_lower_ratio` of `max_open_orders` (what rests already counts), nearest
 * first, at most a batch and the room the imbalance limit leaves.
 */
function chooseOpens(
  levels: readonly GridLevel[],
  params: ParamsInForce,
  limits: FlowLimits,
  mid: Decimal,
  resting: number,
  now: number,
  room: number | null,
): GridLevel[] {
  const upperQuota = limits.upperLowerRatio.times(limits.maxOpenOrders).round().toNumber();
  const lowerQuota = limits.maxOpenOrders - upperQuota;
  const isUpper = (l: GridLevel) => l.price.greaterThan(mid);
  const live = levels.filter((l) => l.open && l.open.pending !== 'cancel');
  let upperLeft = upperQuota - live.filter(isUpper).length;
  let lowerLeft = lowerQuota - live.filter((l) => !isUpper(l)).length;
  const candidates = levels
    .filter(
      (l) =>
        l.version === params.version &&
        levelState(l, now) === 'NOT_ACTIVE' &&
        withinBounds(l.price, mid, limits.activationBounds),
    )
    .sort((a, b) => a.price.minus(mid).abs().comparedTo(b.price.minus(mid).abs()));
  let slots = Math.min(limits.maxOrdersPerBatch, limits.maxOpenOrders - resting, room ?? Infinity);
  const out: GridLevel[] = [];
  for (const l of candidates) {
    if (slots <= 0) break;
    if (isUpper(l)) {
      if (upperLeft <= 0) continue;
      upperLeft -= 1;
    } else {
      if (lowerLeft <= 0) continue;
      lowerLeft -= 1;
    }
    out.push(l);
    slots -= 1;
  }
  return out;
}

// --- what happened to an order -------------------------------------------------------------------------

export type OrderRole = 'open' | 'close';

export function findOrder(
  grid: LegGrid,
  id: string,
): { readonly level: GridLevel; readonly role: OrderRole } | null {
  for (const level of grid.levels) {
    if (level.open?.id === id) return { level, role: 'open' };
    if (level.close?.id === id) return { level, role: 'close' };
  }
  return null;
}

function replaceLevel(grid: LegGrid, key: number, next: GridLevel): LegGrid {
  return { ...grid, levels: grid.levels.map((l) => (l.key === key ? next : l)) };
}

/** Records an intent as sent (its order pending) under client id `id`. */
export function sent(grid: LegGrid, intent: LegIntent, id: string, now: number): LegGrid {
  const l = grid.levels.find((x) => x.key === intent.key);
  if (!l) return grid;
  switch (intent.kind) {
    case 'open':
    case 'close': {
      const order: GridOrder = {
        id,
        price: intent.price,
        qty: intent.qty,
        filled: ZERO,
        placedAt: now,
        pending: 'place',
      };
      return replaceLevel(
        grid,
        l.key,
        intent.kind === 'open' ? { ...l, open: order } : { ...l, close: order },
      );
    }
    case 'cancel': {
      const mark = (o: GridOrder | null) =>
        o && o.id === intent.id ? { ...o, pending: 'cancel' as const } : o;
      return replaceLevel(grid, l.key, { ...l, open: mark(l.open), close: mark(l.close) });
    }
  }
}

/** A cancel that did not go through: the order rests as before (the next step decides again). */
export function uncancel(grid: LegGrid, id: string): LegGrid {
  const found = findOrder(grid, id);
  if (!found) return grid;
  const { level, role } = found;
  const o = role === 'open' ? level.open! : level.close!;
  if (o.pending !== 'cancel') return grid;
  const next = { ...o, pending: null };
  return replaceLevel(
    grid,
    level.key,
    role === 'open' ? { ...level, open: next } : { ...level, close: next },
  );
}

/** The venue accepted an order (or its answer was lost: treated as resting; recon settles it). */
export function confirmed(grid: LegGrid, id: string): LegGrid {
  const found = findOrder(grid, id);
  if (!found) return grid;
  const { level, role } = found;
  const o = role === 'open' ? level.open! : level.close!;
  if (o.pending !== 'place') return grid;
  const next = { ...o, pending: null };
  return replaceLevel(
    grid,
    level.key,
    role === 'open' ? { ...level, open: next } : { ...level, close: next },
  );
}

/**
 * The order is over without (further) fills: refused, cancelled, or unknown to the venue. A refused open
 * counts towards FAILED; coins an open had filled before stay held (the next step closes them).
 */
export function ended(grid: LegGrid, id: string, refused: boolean, now: number): LegGrid {
  const found = findOrder(grid, id);
  if (!found) return grid;
  const { level, role } = found;
  if (role === 'close') return replaceLevel(grid, level.key, { ...level, close: null });
  const refusals = refused ? level.refusals + 1 : level.refusals;
  return replaceLevel(grid, level.key, {
    ...level,
    open: null,
    refusals: refused && refusals >= FAILED_AFTER ? 0 : refusals,
    failedAt: refused && refusals >= FAILED_AFTER ? now : level.failedAt,
  });
}

export interface FillEffect {
  readonly grid: LegGrid;
  /** A take-profit filled its last coin: one completed cycle, with its PnL before fees. */
  readonly completed: { readonly pnl: Decimal } | null;
  /** PnL of the coins this fill closed (before fees); zero for an open. */
  readonly realized: Decimal;
}

/** One of our grid orders filled `qty` at `price`. */
export function filled(
  grid: LegGrid,
  side: HedgeSide,
  id: string,
  qty: Decimal,
  price: Decimal,
  now: number,
): FillEffect | null {
  const found = findOrder(grid, id);
  if (!found) return null;
  const { level, role } = found;
  if (role === 'open') {
    const o = level.open!;
    const held = level.held.plus(qty);
    const entry = level.entry.times(level.held).plus(price.times(qty)).dividedBy(held);
    const done = o.filled.plus(qty).greaterThanOrEqualTo(o.qty);
    const next: GridLevel = {
      ...level,
      held,
      entry,
      refusals: 0,
      open: done ? null : { ...o, filled: o.filled.plus(qty), pending: null },
    };
    return { grid: replaceLevel(grid, level.key, next), completed: null, realized: ZERO };
  }
  const c = level.close!;
  const take = qty.greaterThan(level.held) ? level.held : qty;
  const realized = (side === 'LONG' ? price.minus(level.entry) : level.entry.minus(price)).times(take);
  const held = level.held.minus(take);
  const done = c.filled.plus(qty).greaterThanOrEqualTo(c.qty) || held.isZero();
  const flat = held.isZero();
  const next: GridLevel = {
    ...level,
    held,
    close: done ? null : { ...c, filled: c.filled.plus(qty), pending: null },
    completedAt: flat ? now : null,
  };
  return {
    grid: replaceLevel(grid, level.key, next),
    completed: flat ? { pnl: realized } : null,
    realized,
  };
}

/**
 * The leg's position shrank by `qty` for a reason that is not a take-profit (the protective stop, a
 * flatten, a hand trade, liquidation, or recon finding less than the ledger holds): taken from the levels
 * with the worst entries first; a level left with nothing has its take-profit cancelled.
 */
export function shrink(
  grid: LegGrid,
  side: HedgeSide,
  qty: Decimal,
): { grid: LegGrid; cancels: LegIntent[] } {
  let left = qty;
  const order = [...grid.levels]
    .filter((l) => l.held.greaterThan(0))
    .sort((a, b) => (side === 'LONG' ? b.entry.comparedTo(a.entry) : a.entry.comparedTo(b.entry)));
  const changed = new Map<number, GridLevel>();
  const cancels: LegIntent[] = [];
  for (const l of order) {
    if (!left.greaterThan(0)) break;
    const take = left.greaterThan(l.held) ? l.held : left;
    left = left.minus(take);
    const held = l.held.minus(take);
    // A take-profit for more than is left would close coins another level holds: cancelled (the next
    // step places one for what is left).
    if (l.close && l.close.pending !== 'cancel' && l.close.qty.minus(l.close.filled).greaterThan(held))
      cancels.push({
        kind: 'cancel',
        key: l.key,
        id: l.close.id,
        reason: held.isZero() ? 'nothing left to take profit on' : 'take-profit larger than what is left',
      });
    changed.set(l.key, { ...l, held, entry: held.isZero() ? ZERO : l.entry });
  }
  return { grid: { ...grid, levels: grid.levels.map((l) => changed.get(l.key) ?? l) }, cancels };
}

/** Coins the leg's levels hold. */
export function heldBy(grid: LegGrid): Decimal {
  let sum = ZERO;
  for (const l of grid.levels) sum = sum.plus(l.held);
  return sum;
}

/**
 * Coins the leg's live take-profits would close and its live opens would add, were they all to fill: every
 * order the venue may still fill, one whose cancel is on its way included (a cancel can cross a fill).
 */
export function mayStillFill(grid: LegGrid): { opens: Decimal; closes: Decimal } {
  let opens = ZERO;
  let closes = ZERO;
  for (const l of grid.levels) {
    if (l.open) opens = opens.plus(l.open.qty.minus(l.open.filled));
    if (l.close) closes = closes.plus(l.close.qty.minus(l.close.filled));
  }
  return { opens, closes };
}

/** Opening orders resting (or on their way), and what they would add if all filled. */
export function restingOpens(grid: LegGrid): { count: number; qty: Decimal } {
  let count = 0;
  let qty = ZERO;
  for (const l of grid.levels) {
    if (!l.open || l.open.pending === 'cancel') continue;
    count += 1;
    qty = qty.plus(l.open.qty.minus(l.open.filled));
  }
  return { count, qty };
}
