/**
 * The hedge pairs' pure rules, apart from the seam's plumbing: sizing a pair, its combined PnL, the
 * imbalance between its legs, the retry backoff, and the re-pairing of a shuffle (seeded: a decision is a
 * function of its inputs).
 */
import { type Decimal, ZERO } from '../../money.js';
import { minOrderCoins, roundQty, type SymbolRules } from '../../symbol-rules.js';
import type { HedgePairsConfig } from './config.js';
import type { Pair, PairLeg } from './state.js';

/** Coins each leg of a pair opens to at `price`: `notional_usd / price`, down to the venue's step. */
export function pairSize(
  config: Pick<HedgePairsConfig, 'notional_usd'>,
  price: Decimal,
  rules: SymbolRules,
): { qty: Decimal; tooSmall: string | null } {
  const qty = price.greaterThan(0) ? roundQty(config.notional_usd.dividedBy(price), rules) : ZERO;
  const min = minOrderCoins(price, rules);
  if (qty.lessThan(min) || qty.isZero())
    return {
      qty,
      tooSmall: `notional_usd ${config.notional_usd.toFixed()} buys ${qty.toFixed()} at ${price.toFixed()}, below the venue's smallest order (${min.toFixed()}): raise notional_usd`,
    };
  return { qty, tooSmall: null };
}

/** Unrealized PnL of one leg at `mark` (quote currency). */
export function legPnl(leg: Pick<PairLeg, 'side' | 'qty' | 'entry'>, mark: Decimal): Decimal {
  if (leg.qty.isZero() || leg.entry.isZero()) return ZERO;
  const move = mark.minus(leg.entry).times(leg.qty);
  return leg.side === 'LONG' ? move : move.negated();
}

/** The pair's combined unrealized PnL at `mark`. */
export function pairPnl(long: PairLeg, short: PairLeg, mark: Decimal): Decimal {
  return legPnl(long, mark).plus(legPnl(short, mark));
}

/** Whether the pair's combined loss is past its threshold (a pair holding nothing never is). */
export function pastStopLoss(long: PairLeg, short: PairLeg, mark: Decimal, threshold: Decimal): boolean {
  if (long.qty.isZero() && short.qty.isZero()) return false;
  return pairPnl(long, short, mark).lessThan(threshold.negated());
}

/**
 * The leg holding more than its partner and by how much, when that is at least one step (in coins) apart;
 * null when the legs match.
 */
export function imbalance(
  long: PairLeg,
  short: PairLeg,
  step: Decimal,
): { readonly heavy: 'long' | 'short'; readonly excess: Decimal } | null {
  const diff = long.qty.minus(short.qty);
  if (diff.abs().lessThan(step) || diff.isZero()) return null;
  return diff.greaterThan(0) ? { heavy: 'long', excess: diff } : { heavy: 'short', excess: diff.negated() };
}

/** Backoff before the next try after `errors` consecutive recoverable errors (ms): base × 2^(n−1), capped. */
export function backoffMs(config: Pick<HedgePairsConfig, 'retry'>, errors: number): number {
  const { base_backoff_sec: base, max_backoff_sec: max } = config.retry;
  const exp = Math.min(30, Math.max(0, errors - 1));
  return Math.min(max, base * 2 ** exp) * 1000;
}

/** A small deterministic generator (mulberry32) seeded from text. */
function generator(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * New partners for the long accounts of `pairs` (the same long and short accounts, each in one pair),
 * seeded by `seed`. With two pairs or more, no pair keeps its partner (a rotation of a shuffled order).
 */
export function shufflePairs(pairs: readonly Pair[], seed: string): Pair[] {
  if (pairs.length < 2) return [...pairs];
  const next = generator(seed);
  const shorts = pairs.map((p) => p.short);
  for (let i = shorts.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [shorts[i], shorts[j]] = [shorts[j]!, shorts[i]!];
  }
  // Any short left with its old partner: rotate the whole order by one until none is (n ≥ 2 always ends).
  for (let turn = 0; turn < shorts.length && shorts.some((s, i) => s === pairs[i]!.short); turn++)
    shorts.push(shorts.shift()!);
  if (shorts.some((s, i) => s === pairs[i]!.short))
    // A fixed point survives every rotation only in odd cases: fall back to the plain rotation by one.
    for (let i = 0; i < shorts.length; i++) shorts[i] = pairs[(i + 1) % pairs.length]!.short;
  return pairs.map((p, i) => ({ ...p, short: shorts[i]! }));
}
