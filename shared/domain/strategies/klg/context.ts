/**
 * What a Key Level Grid decision is given besides its state and config, and the mutable working copy the
 * engine edits while deciding (never visible outside: every entry point returns a fresh immutable state).
 */
import type { Command } from '../../commands.js';
import type { Decimal } from '../../money.js';
import type { ExchangeOrder, Fill, Position } from '../../orders.js';
import type { SymbolRules } from '../../symbol-rules.js';
import type { KlgConfig } from './config.js';
import { knownUnit, settleGridUnit } from './grid-unit.js';
import type {
  GridLevel,
  KlgState,
  LiveOrder,
  MarginFacts,
  RecentTrade,
  StopState,
  UnjournaledFill,
} from './state.js';

/** Market facts every decision needs. */
export interface MarketFacts {
  /** Current price (last trade or mark) the polarity rules use. */
  readonly price: Decimal;
  /** The mark price, when known: what the stop's trigger is compared with (it works on the mark). */
  readonly markPrice?: Decimal | undefined;
  readonly rules: SymbolRules;
  /** The venue can amend a live limit order (else amend becomes cancel, and recon re-places). */
  readonly supportsAmend: boolean;
  /** What the account carries (recon reads it; the event track uses the state's copy when absent). */
  readonly margin?: MarginFacts | undefined;
}

/** What the recon track learned from the exchange this pass (never from memory). */
export interface ReconSnapshot extends MarketFacts {
  /** Every open order on the symbol, limit and conditional, ours and foreign. */
  readonly openOrders: readonly ExchangeOrder[];
  /** The instance's position side (null = flat / none reported). */
  readonly position: Position | null;
  /** Our trades after the fill cursor, oldest first. */
  readonly fills: readonly Fill[];
  /**
   * Fates of the orders `ordersToLookUp` asked about, by client order id: the order as the exchange reports
   * it, or null if the exchange does not know it. Ids missing here are left for the next pass.
   */
  readonly orderLookups: Readonly<Record<string, ExchangeOrder | null>>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type LevelDraft = Omit<Mutable<GridLevel>, 'order'> & { order: Mutable<LiveOrder> | null };
export type StopDraft = Mutable<StopState>;
export type Draft = Omit<
  Mutable<KlgState>,
  'levels' | 'stops' | 'recentTrades' | 'unjournaled' | 'activeAlerts'
> & {
  levels: LevelDraft[];
  stops: StopDraft[];
  /** Entries are immutable; only the list changes. */
  recentTrades: RecentTrade[];
  unjournaled: UnjournaledFill[];
  activeAlerts: string[];
};

/** A decision under construction: the working state, the commands so far, and its inputs. */
export interface Work {
  readonly s: Draft;
  readonly commands: Command[];
  readonly config: KlgConfig;
  readonly market: MarketFacts;
  readonly now: number;
  /**
   * Stops this decision found live on the exchange that the state had not seen confirmed (an outcome lost
   * to a timeout, a crashed pass): the shell journals them as placed, so the record shows the cover.
   */
  readonly stopsFound: StopDraft[];
}

/** What a decision needs besides market facts (outcome folding has no market to hand). */
export type WorkCore = Pick<Work, 's' | 'commands' | 'config' | 'now'>;

export function toDraft(state: KlgState): Draft {
  return {
    ...state,
    levels: state.levels.map((l) => ({ ...l, order: l.order ? { ...l.order } : null })),
    stops: state.stops.map((s) => ({ ...s })),
    // Trade records are never changed in place (only appended or dropped): a new array is enough.
    recentTrades: [...state.recentTrades],
    unjournaled: [...state.unjournaled],
    activeAlerts: [...state.activeAlerts],
  };
}

export function startWork(state: KlgState, config: KlgConfig, market: MarketFacts, now: number): Work {
  const s = toDraft(state);
  settleGridUnit(s, config, market.price, market.rules, now);
  return { s, commands: [], config, market, now, stopsFound: [] };
}

/** Freezes the working copy into the decision's result. */
export function finish(w: Work): { state: KlgState; commands: readonly Command[] } {
  w.s.updatedAt = w.now;
  w.s.lastPrice = w.market.price;
  return { state: w.s as KlgState, commands: w.commands };
}

export function setLevelState(w: Pick<Work, 'now'>, level: LevelDraft, state: GridLevel['state']): void {
  if (level.state !== state) {
    level.state = state;
    level.stateSince = w.now;
  }
}

/** Allocates the next instance-wide order sequence number. */
export function nextSeq(w: Pick<Work, 's'>): number {
  const seq = w.s.nextSeq;
  w.s.nextSeq = seq + 1;
  return seq;
}

/**
 * One more filled buy at `level`, never past the maximum: a buy that fills after the consistency guard
 * locked its level leaves the surplus to the guard instead of overflowing the counter.
 */
export function countFilledBuy(level: LevelDraft, maxFillPerLevel: number): void {
  if (level.fillCounter < maxFillPerLevel) level.fillCounter += 1;
}

/**
 * A buy that left the book partially filled locks its level if at least half a grid unit was bought (the
 * consistency guard rounds the same way), so the level neither re-buys a whole unit nor stays blocked for
 * a crumb.
 */
export function countPartialBuy(
  level: LevelDraft,
  filledQty: Decimal,
  config: KlgConfig,
  s: Pick<KlgState, 'unit'>,
): void {
  // Without a known unit (an outcome folded in before any decision converted it), the order's own size.
  const unit = knownUnit(config, s) ?? level.order?.qty ?? filledQty;
  if (filledQty.times(2).greaterThanOrEqualTo(unit)) countFilledBuy(level, config.max_fill_per_level);
}

/** A locked level (PLACING / CANCELING) belongs to whichever track started the action. */
export function isLocked(level: GridLevel): boolean {
  return level.state === 'PLACING' || level.state === 'CANCELING';
}

/** A locked level whose action outlived `order_action_timeout_sec`, or whose outcome is known to be unknown. */
export function isZombie(level: GridLevel, config: KlgConfig, now: number): boolean {
  if (!isLocked(level)) return false;
  return level.order?.uncertain === true || now - level.stateSince >= config.order_action_timeout_sec * 1000;
}
