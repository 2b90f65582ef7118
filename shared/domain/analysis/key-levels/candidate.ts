/**
 * A candidate key level: a price one source found, the points it scores and where it came from. Points are
 * scores, not money, so they are float64; prices stay Decimal. Float here is deterministic for a given Node
 * version (same operations in the same order), which is all "same candles → same levels" needs.
 */
import type { Decimal } from '../../money.js';

export type LevelKind = 'swing' | 'volume' | 'fib' | 'round';

export interface Candidate {
  readonly price: Decimal;
  readonly points: number;
  readonly kind: LevelKind;
}

/** Weight of a bar `age` bars before the last one: halves every `halfLife` bars. */
export function timeDecay(age: number, halfLife: number): number {
  return 0.5 ** (age / halfLife);
}
