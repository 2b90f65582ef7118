/**
 * Merging candidates into levels. Two prices a ≤ b are "within tolerance" when b − a ≤ tol × a. Candidates
 * are taken strongest first (ties: lower price, then kind, so the order is total and the result
 * deterministic); each joins the nearest existing level within tolerance, adding its points and kind, or
 * else founds a new level at its own price. So a level's price is its strongest member's price, and no two
 * levels are within tolerance of each other (a level is founded only when no level is within tolerance).
 *
 * Only the nearest level on each side can be within tolerance (distance grows and the lower price shrinks
 * going outwards), so each candidate needs one binary search.
 */
import type { Decimal } from '../../money.js';
import type { Candidate, LevelKind } from './candidate.js';

export interface MergedLevel {
  readonly price: Decimal;
  points: number;
  readonly kinds: Set<LevelKind>;
  members: number;
}

export function withinTolerance(a: Decimal, b: Decimal, tol: Decimal): boolean {
  const [low, high] = a.lessThanOrEqualTo(b) ? [a, b] : [b, a];
  return high.minus(low).lessThanOrEqualTo(low.times(tol));
}

export function mergeCandidates(candidates: readonly Candidate[], tol: Decimal): MergedLevel[] {
  const ordered = [...candidates].sort(
    (x, y) =>
      y.points - x.points || x.price.comparedTo(y.price) || (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0),
  );
  const levels: MergedLevel[] = []; // ascending by price
  for (const c of ordered) {
    const at = lowerBound(levels, c.price);
    const above = levels[at];
    const below = levels[at - 1];
    const target = nearestWithin(c.price, below, above, tol);
    if (target) {
      target.points += c.points;
      target.kinds.add(c.kind);
      target.members++;
    } else {
      levels.splice(at, 0, { price: c.price, points: c.points, kinds: new Set([c.kind]), members: 1 });
    }
  }
  return levels;
}

function nearestWithin(
  price: Decimal,
  below: MergedLevel | undefined,
  above: MergedLevel | undefined,
  tol: Decimal,
): MergedLevel | undefined {
  const b = below && withinTolerance(below.price, price, tol) ? below : undefined;
  const a = above && withinTolerance(price, above.price, tol) ? above : undefined;
  if (!a || !b) return a ?? b;
  const da = a.price.minus(price);
  const db = price.minus(b.price);
  if (!da.equals(db)) return da.lessThan(db) ? a : b;
  return a.points > b.points ? a : b;
}

/** First index whose price is ≥ `price`. */
function lowerBound(levels: readonly MergedLevel[], price: Decimal): number {
  let lo = 0;
  let hi = levels.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (levels[mid]!.price.lessThan(price)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
