/**
 * Decimals made every way the engine makes them, for properties of code that reads decimal.js's fields
 * in place (`compareDec`, `sameExcept`): parsed with trailing zeros or a negative zero, computed, rounded,
 * divided, scaled a whole base-10^7 word apart, and a few extremes.
 */
import fc from 'fast-check';
import { type Decimal, dec } from '../../shared/domain/money.js';

const text = fc
  .tuple(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 12 }), fc.nat(4))
  .map(([n, scale, zeros]) => {
    const s = (Math.abs(n) / 10 ** scale).toFixed(scale) + (scale > 0 ? '0'.repeat(zeros) : '');
    return n < 0 || (n === 0 && zeros % 2 === 1) ? `-${s}` : s;
  });

export const decimalsMadeEveryWay: fc.Arbitrary<Decimal> = fc.oneof(
  text.map((t) => dec(t)),
  fc.tuple(text, text).map(([a, b]) => dec(a).plus(b)),
  fc.tuple(text, text).map(([a, b]) => dec(a).minus(b)),
  fc.tuple(text, text).map(([a, b]) => dec(a).times(b)),
  fc.tuple(text, fc.integer({ min: 0, max: 8 })).map(([a, dp]) => dec(a).toDecimalPlaces(dp)),
  fc.tuple(text, text).map(([a, b]) => (dec(b).isZero() ? dec(a) : dec(a).dividedBy(b))),
  fc.tuple(text, fc.integer({ min: -3, max: 3 })).map(([a, k]) => dec(a).times(dec(10).pow(7 * k))),
  fc.constantFrom(dec('0'), dec('-0'), dec('1e-30'), dec('-1e30')),
);
