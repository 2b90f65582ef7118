/**
 * Key levels for the Key Level Grid (SPEC §2 `keyLevels`). Entry point: `findKeyLevels`.
 *
 * Pipeline: take the last `candles` bars → candidates from swings (swings.ts), volume buckets
 * (volume-profile.ts), Fibonacci ratios of the recent range (fibonacci.ts) and round numbers
 * (round-numbers.ts) → snap each candidate to the nearest tick → merge within `merge_tolerance_pct`,
 * keeping the strongest member's price (merge.ts) → strength → filter by `min_strength` and
 * `max_distance_pct` from the price.
 *
 * Strength = 100 × (1 − e^(−boosted / strength_scale)), boosted = merged points × (1 + confluence_boost ×
 * (distinct source kinds − 1)): confirmation by several sources raises a level, and several lookbacks
 * ("timeframes") add their points.
 *
 * Invariants: levels ascend strictly, sit on the tick and are pairwise outside the merge tolerance;
 * 0 ≤ strength ≤ 100 (100 once e^(−x) underflows in floating point); kept levels have strength ≥ min_strength and lie within max_distance_pct of the
 * price; the same candles and parameters always give the same levels (no clock, no randomness, total
 * orders everywhere).
 */
import type { LevelSourceConfig } from '../../config/level-source.js';
import type { Decimal } from '../../money.js';
import type { Candle } from '../../orders.js';
import { AnalysisError } from '../errors.js';
import { snapPrice } from '../tick.js';
import type { Candidate, LevelKind } from './candidate.js';
import { fibCandidates } from './fibonacci.js';
import { mergeCandidates } from './merge.js';
import { roundNumberCandidates } from './round-numbers.js';
import { defaultSwingWeights, swingCandidates } from './swings.js';
import { volumeCandidates } from './volume-profile.js';

export type KeyLevelParams = Omit<
  Extract<LevelSourceConfig, { source: 'keyLevels' }>,
  'source' | 'timeframe'
>;

export interface KeyLevel {
  readonly price: Decimal;
  /** 0 ≤ strength ≤ 100. */
  readonly strength: number;
  /** Points before the confluence boost. */
  readonly points: number;
  readonly kinds: readonly LevelKind[];
  /** How many candidates merged into this level. */
  readonly members: number;
}

export interface KeyLevelResult {
  /** Kept levels, ascending. */
  readonly levels: KeyLevel[];
  /** Every merged level before the strength and distance filters, ascending (for diagnostics). */
  readonly merged: KeyLevel[];
  readonly audit: Record<string, string>;
}

export function findKeyLevels(
  allCandles: readonly Candle[],
  price: Decimal,
  params: KeyLevelParams,
  tickSize: Decimal,
): KeyLevelResult {
  if (!price.greaterThan(0)) throw new AnalysisError('bad_input', `price must be > 0, got ${price}`);
  const candles = allCandles.slice(-params.candles);
  const needed = 2 * Math.min(...params.swing_lookbacks) + 1;
  if (candles.length < needed) {
    throw new AnalysisError(
      'not_enough_candles',
      `key levels need at least ${needed} candles (twice the shortest swing lookback plus one), got ${candles.length}`,
    );
  }
  const halfLife = params.time_decay_half_life_bars;
  const weights = params.swing_weights ?? defaultSwingWeights(params.swing_lookbacks);
  const candidates: Candidate[] = [
    ...swingCandidates(candles, params.swing_lookbacks, weights, halfLife),
    ...volumeCandidates(candles, {
      buckets: params.volume_buckets,
      weight: params.volume_weight,
      minShare: params.volume_min_share,
      halfLife,
    }),
    ...fibCandidates(candles, params.fib_ratios, params.fib_lookback_bars, params.fib_weight),
    ...(params.round_numbers
      ? roundNumberCandidates(price, params.max_distance_pct, params.round_weight)
      : []),
  ];
  const snapped = candidates
    .map((c) => ({ ...c, price: snapPrice(c.price, tickSize) }))
    .filter((c) => c.price.greaterThan(0));
  const merged: KeyLevel[] = mergeCandidates(snapped, params.merge_tolerance_pct).map((m) => {
    const kinds = [...m.kinds].sort();
    const boosted = m.points * (1 + params.confluence_boost * (kinds.length - 1));
    return {
      price: m.price,
      strength: 100 * (1 - Math.exp(-boosted / params.strength_scale)),
      points: m.points,
      kinds,
      members: m.members,
    };
  });
  const maxDistance = price.times(params.max_distance_pct);
  const levels = merged.filter(
    (l) => l.strength >= params.min_strength && l.price.minus(price).abs().lessThanOrEqualTo(maxDistance),
  );
  return {
    levels,
    merged,
    audit: {
      candles_used: String(candles.length),
      first_open_time: String(candles[0]!.openTime),
      last_open_time: String(candles[candles.length - 1]!.openTime),
      price: price.toFixed(),
      swing_lookbacks: params.swing_lookbacks.join(','),
      swing_weights: weights.map((w) => w.toFixed(2)).join(','),
      candidates: String(snapped.length),
      merged_levels: String(merged.length),
      kept_levels: String(levels.length),
      merge_tolerance_pct: params.merge_tolerance_pct.toFixed(),
      min_strength: String(params.min_strength),
      max_distance_pct: params.max_distance_pct.toFixed(),
      strengths: levels
        .map((l) => `${l.price.toFixed()}:${l.strength.toFixed(1)}:${l.kinds.join('+')}`)
        .join(' '),
    },
  };
}
