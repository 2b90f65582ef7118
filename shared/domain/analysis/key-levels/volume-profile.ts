/**
 * High-volume price buckets. The range from the lowest low to the highest high is cut into `buckets` equal
 * buckets; each candle's time-decayed volume is spread over the buckets its [low, high] covers, in
 * proportion to the overlap. A bucket is a node when it is a local maximum (strictly above its left
 * neighbour, not below its right one) holding at least `minShare` of the busiest bucket; it scores
 * `weight × its volume / busiest volume` at the bucket's centre price (Decimal).
 */
import type { Decimal } from '../../money.js';
import type { Candle } from '../../orders.js';
import { type Candidate, timeDecay } from './candidate.js';

export interface VolumeProfileParams {
  readonly buckets: number;
  readonly weight: number;
  readonly minShare: number;
  readonly halfLife: number;
}

export function volumeCandidates(candles: readonly Candle[], p: VolumeProfileParams): Candidate[] {
  if (candles.length === 0 || p.weight === 0) return [];
  let lo: Decimal = candles[0]!.low;
  let hi: Decimal = candles[0]!.high;
  for (const c of candles) {
    if (c.low.lessThan(lo)) lo = c.low;
    if (c.high.greaterThan(hi)) hi = c.high;
  }
  const width = hi.minus(lo).dividedBy(p.buckets);
  if (width.isZero()) return [{ price: lo, points: p.weight, kind: 'volume' }];
  const loN = lo.toNumber();
  const widthN = width.toNumber();
  const volume = new Array<number>(p.buckets).fill(0);
  const n = candles.length;
  candles.forEach((c, i) => {
    const v = c.volume.toNumber() * timeDecay(n - 1 - i, p.halfLife);
    if (v === 0) return;
    const from = Math.min((c.low.toNumber() - loN) / widthN, p.buckets);
    const to = Math.min((c.high.toNumber() - loN) / widthN, p.buckets);
    const first = Math.min(Math.floor(from), p.buckets - 1);
    const last = Math.min(Math.floor(to), p.buckets - 1);
    if (first === last || to - from <= 0) {
      volume[first]! += v;
      return;
    }
    for (let k = first; k <= last; k++) {
      const overlap = Math.min(to, k + 1) - Math.max(from, k);
      if (overlap > 0) volume[k]! += (v * overlap) / (to - from);
    }
  });
  const busiest = Math.max(...volume);
  if (busiest <= 0) return [];
  const out: Candidate[] = [];
  for (let k = 0; k < p.buckets; k++) {
    const v = volume[k]!;
    const leftOk = k === 0 || v > volume[k - 1]!;
    const rightOk = k === p.buckets - 1 || v >= volume[k + 1]!;
    if (leftOk && rightOk && v >= p.minShare * busiest) {
      out.push({
        price: lo.plus(width.times(k * 2 + 1).dividedBy(2)),
        points: (p.weight * v) / busiest,
        kind: 'volume',
      });
    }
  }
  return out;
}
