import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ceilTo,
  compareDec,
  Decimal,
  dec,
  decNonNeg,
  decPos,
  floorTo,
  fmt,
  isMultipleOf,
  maxDec,
  minDec,
  sumDec,
} from '../../../shared/domain/money.js';
import { decimalsMadeEveryWay } from '../../support/decimals.js';

describe('dec', () => {
  it('parses exchange decimal strings exactly', () => {
    expect(dec('0.1').plus(dec('0.2')).equals(dec('0.3'))).toBe(true);
    expect(fmt(dec('  91739.90 '))).toBe('91739.9');
    expect(fmt(dec('1e-8'))).toBe('0.00000001');
  });

  it('rejects NaN, infinities and malformed text with the field name', () => {
    expect(() => dec('NaN', 'price')).toThrow(/price/);
    expect(() => dec('Infinity')).toThrow();
    expect(() => dec('1,5')).toThrow(/decimal number/);
    expect(() => dec('')).toThrow();
    expect(() => dec(new Decimal(Number.NaN))).toThrow(/finite/);
  });

  it('refuses fractional numbers but accepts exact integers and bigints', () => {
    expect(() => dec(0.1, 'qty')).toThrow(/qty.*decimal string/);
    expect(dec(5).equals(5)).toBe(true);
    expect(dec(12345678901234567890n).toFixed()).toBe('12345678901234567890');
  });

  it('checks sign where asked', () => {
    expect(() => decPos('0', 'tick')).toThrow(/tick must be greater than 0/);
    expect(() => decNonNeg('-1', 'qty')).toThrow(/qty must not be negative/);
    expect(decNonNeg('0').isZero()).toBe(true);
    expect(decPos('0.5').toFixed()).toBe('0.5');
  });
});

describe('snapping to increments', () => {
  it('floors and ceils to the increment', () => {
    expect(fmt(floorTo(dec('0.123456'), dec('0.00001')))).toBe('0.12345');
    expect(fmt(ceilTo(dec('0.123451'), dec('0.00001')))).toBe('0.12346');
    expect(() => floorTo(dec('1'), dec('0'))).toThrow();
    expect(() => ceilTo(dec('1'), dec('-1'))).toThrow();
  });

  it('keeps floor ≤ x ≤ ceil, both on the increment (property)', () => {
    const decimalArb = fc.integer({ min: 1, max: 10_000_000 }).map((n) => dec(n).dividedBy(1000));
    const incArb = fc.constantFrom('0.1', '0.01', '0.00001', '1', '5', '0.5').map((s) => dec(s));
    fc.assert(
      fc.property(decimalArb, incArb, (x, inc) => {
        const lo = floorTo(x, inc);
        const hi = ceilTo(x, inc);
        return (
          lo.lessThanOrEqualTo(x) &&
          hi.greaterThanOrEqualTo(x) &&
          isMultipleOf(lo, inc) &&
          isMultipleOf(hi, inc)
        );
      }),
    );
  });

  it('min, max and sum work on Decimals', () => {
    expect(fmt(minDec(dec('2'), dec('1.5')))).toBe('1.5');
    expect(fmt(maxDec(dec('2'), dec('1.5')))).toBe('2');
    expect(fmt(sumDec([dec('0.1'), dec('0.2'), dec('0.3')]))).toBe('0.6');
  });
});

describe('compareDec', () => {
  const made = decimalsMadeEveryWay;

  it('answers as decimal.js comparedTo on every pair, and min/max follow it', () => {
    fc.assert(
      fc.property(made, made, (a, b) => {
        expect(compareDec(a, b)).toBe(a.comparedTo(b));
        // A value and its neighbours one unit of its last digit away.
        const ulp = dec(10).pow(a.decimalPlaces() > 0 ? -a.decimalPlaces() : 0);
        expect(compareDec(a, a.plus(ulp))).toBe(-1);
        expect(compareDec(a.minus(ulp), a)).toBe(-1);
        expect(compareDec(a, dec(a.toFixed()))).toBe(0);
        expect(minDec(a, b).equals(a.lessThanOrEqualTo(b) ? a : b)).toBe(true);
        expect(maxDec(a, b).equals(a.greaterThanOrEqualTo(b) ? a : b)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves NaN and the infinities to decimal.js', () => {
    expect(compareDec(new Decimal(Number.POSITIVE_INFINITY), dec('1'))).toBe(1);
    expect(compareDec(dec('1'), new Decimal(Number.NEGATIVE_INFINITY))).toBe(1);
    expect(compareDec(new Decimal(Number.NaN), dec('1'))).toBeNaN();
  });
});
