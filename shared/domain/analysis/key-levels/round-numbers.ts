/**
 * Round numbers scaled to the price: with the price in [10^e, 10^(e+1)), multiples of 10^(e−1) score
 * `weight` and the half steps between them score `weight / 2` (BTC at 105,000: every 10,000, halves at
 * 5,000; DOGE at 0.163: every 0.01, halves at 0.005). Only numbers within `maxDistance` of the price are
 * produced. They are weak on purpose: alone they never pass the default strength filter, they confirm.
 */
import { Decimal } from '../../money.js';
import type { Candidate } from './candidate.js';

export function roundNumberCandidates(price: Decimal, maxDistance: Decimal, weight: number): Candidate[] {
  if (weight === 0 || !price.greaterThan(0)) return [];
  const step = new Decimal(10).pow(price.e - 1);
  const half = step.dividedBy(2);
  const from = price.times(Decimal.sub(1, maxDistance)).dividedBy(half).ceil().times(half);
  const to = price.times(Decimal.add(1, maxDistance));
  const out: Candidate[] = [];
  for (let p = from; p.lessThanOrEqualTo(to); p = p.plus(half)) {
    if (p.greaterThan(0)) {
      out.push({ price: p, points: p.modulo(step).isZero() ? weight : weight / 2, kind: 'round' });
    }
  }
  return out;
}
