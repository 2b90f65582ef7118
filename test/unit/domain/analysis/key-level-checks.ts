/** Shared assertions on key-level output (used by the property tests and the real-candle tests). */
import { expect } from 'vitest';
import { type KeyLevel, withinTolerance } from '../../../../shared/domain/analysis/index.js';
import type { Decimal } from '../../../../shared/domain/money.js';

/** Ascending, on the tick, adjacent levels outside the merge tolerance, 0 ≤ strength < 100. */
export function expectInvariants(levels: readonly KeyLevel[], tol: Decimal, tick: Decimal) {
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    expect(l.strength).toBeGreaterThanOrEqual(0);
    expect(l.strength).toBeLessThanOrEqual(100);
    expect(l.price.modulo(tick).isZero()).toBe(true);
    if (i > 0) {
      expect(l.price.greaterThan(levels[i - 1]!.price)).toBe(true);
      expect(withinTolerance(levels[i - 1]!.price, l.price, tol)).toBe(false);
    }
  }
}
