/**
 * Swing highs and lows over several lookbacks. Bar i is a swing high for lookback L when its high is above
 * every high of the L bars before it and not below any of the L bars after it (lows mirrored); ties go to
 * the earlier bar, so a flat top counts once. Near the end of the data fewer than L bars follow: there a bar
 * needs all the bars after it, and at least `minRight` of them (the shortest lookback), so the low of a
 * sell-off that has held for a few bars already counts as support while the newest bars cannot be swings
 * yet. Only past bars are used: no look-ahead. A swing scores its lookback's weight times the time decay of
 * its age; a bar that is a swing for several lookbacks scores for each.
 *
 * Comparisons run on float copies of the prices: decimal → float conversion preserves order, and exchange
 * prices (under 15 significant digits) never collapse to the same float, so the swings are exactly the
 * Decimal ones. The emitted price is the candle's Decimal.
 */
import type { Candle } from '../../orders.js';
import { type Candidate, timeDecay } from './candidate.js';

export function defaultSwingWeights(lookbacks: readonly number[]): number[] {
  const largest = Math.max(...lookbacks);
  return lookbacks.map((l) => 50 * Math.sqrt(l / largest));
}

export function swingCandidates(
  candles: readonly Candle[],
  lookbacks: readonly number[],
  weights: readonly number[],
  halfLife: number,
): Candidate[] {
  const n = candles.length;
  const highs = candles.map((c) => c.high.toNumber());
  const lows = candles.map((c) => c.low.toNumber());
  const minRight = Math.min(...lookbacks);
  const out: Candidate[] = [];
  lookbacks.forEach((lookback, li) => {
    const weight = weights[li]!;
    for (let i = lookback; i + Math.min(lookback, minRight) < n; i++) {
      const right = Math.min(lookback, n - 1 - i);
      const decay = timeDecay(n - 1 - i, halfLife);
      if (isExtreme(highs, i, lookback, right, 1)) {
        out.push({ price: candles[i]!.high, points: weight * decay, kind: 'swing' });
      }
      if (isExtreme(lows, i, lookback, right, -1)) {
        out.push({ price: candles[i]!.low, points: weight * decay, kind: 'swing' });
      }
    }
  });
  return out;
}

/** sign 1: strictly above the `left` bars before, not below the `right` bars after; −1: the mirror for lows. */
function isExtreme(values: readonly number[], i: number, left: number, right: number, sign: 1 | -1): boolean {
  const v = values[i]! * sign;
  for (let j = i - left; j < i; j++) if (values[j]! * sign >= v) return false;
  for (let j = i + 1; j <= i + right; j++) if (values[j]! * sign > v) return false;
  return true;
}
