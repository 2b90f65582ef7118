/**
 * Fibonacci ratios of the recent range: with H and L the highest high and lowest low of the last `lookback`
 * bars and R = H − L, each ratio r gives L + r·R and H − r·R (retracements for r < 1, extensions beyond the
 * range for r > 1), so no trend direction has to be guessed. Ratios come from the config as numbers and are
 * read through their shortest text (`String(0.618)` is "0.618"), exactly what the user wrote.
 */
import { type Decimal, dec } from '../../money.js';
import type { Candle } from '../../orders.js';
import type { Candidate } from './candidate.js';

export function fibCandidates(
  candles: readonly Candle[],
  ratios: readonly number[],
  lookback: number,
  weight: number,
): Candidate[] {
  if (candles.length === 0 || weight === 0) return [];
  const recent = candles.slice(-lookback);
  let lo: Decimal = recent[0]!.low;
  let hi: Decimal = recent[0]!.high;
  for (const c of recent) {
    if (c.low.lessThan(lo)) lo = c.low;
    if (c.high.greaterThan(hi)) hi = c.high;
  }
  const range = hi.minus(lo);
  if (range.isZero()) return [];
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const r of ratios) {
    const ratio = dec(String(r), 'fib ratio');
    for (const price of [lo.plus(range.times(ratio)), hi.minus(range.times(ratio))]) {
      const key = price.toFixed();
      if (price.greaterThan(0) && !seen.has(key)) {
        seen.add(key);
        out.push({ price, points: weight, kind: 'fib' });
      }
    }
  }
  return out;
}
