/**
 * Money: every price, quantity, balance and PnL in gridbot is a `Decimal` (decimal.js), from the exchange
 * string to the exchange string. A JavaScript `number` never carries money.
 *
 * Entry points: `dec` (parse, rejecting NaN / non-finite / malformed input), `decNonNeg`, `decPos`,
 * `floorTo` / `ceilTo` (snap to an increment), `isMultipleOf`, `compareDec`, `minDec` / `maxDec` / `sumDec`,
 * `fmt`.
 *
 * Invariants:
 *  1. `dec` never returns NaN or ±Infinity; it throws `InvalidDecimalError` naming what it was given.
 *  2. `floorTo(x, inc) ≤ x ≤ ceilTo(x, inc)` and both are whole multiples of `inc` (inc > 0).
 *  3. Formatting (`fmt`) never uses exponent notation, so strings round-trip through `dec`.
 */
import DecimalLib from 'decimal.js';

/** Our own Decimal constructor: 40 significant digits, never exponent notation in `toString()`. */
export const Decimal = DecimalLib.clone({
  precision: 40,
  rounding: DecimalLib.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 40,
});
export type Decimal = InstanceType<typeof Decimal>;

export class InvalidDecimalError extends Error {
  override readonly name = 'InvalidDecimalError';
}

/** The text `dec` accepts (after trimming): plain decimal notation, an exponent allowed. */
export const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Anything that may enter the money path. `number` is accepted only for integers (counts, literals). */
export type DecimalInput = string | Decimal | bigint | number;

/**
 * Parses a decimal. Strings must be plain decimal text (exchange style), Decimals pass through, bigints
 * and safe integers are exact. A fractional `number` is refused: it has already lost precision.
 */
export function dec(value: DecimalInput, what = 'value'): Decimal {
  if (value instanceof Decimal) {
    if (!value.isFinite()) throw new InvalidDecimalError(`${what} must be a finite decimal, got ${value}`);
    return value;
  }
  if (DecimalLib.isDecimal(value)) return dec((value as DecimalLib).toString(), what);
  if (typeof value === 'bigint') return new Decimal(value.toString());
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new InvalidDecimalError(
        `${what} must be given as a decimal string (got the number ${value}; floats lose precision)`,
      );
    }
    return new Decimal(value);
  }
  if (typeof value !== 'string') {
    throw new InvalidDecimalError(`${what} must be a decimal string, got ${typeof value}`);
  }
  const text = value.trim();
  if (!DECIMAL_TEXT.test(text)) {
    throw new InvalidDecimalError(
      `${what} must be a decimal number like "0.0125", got ${JSON.stringify(value)}`,
    );
  }
  return new Decimal(text);
}

export function decNonNeg(value: DecimalInput, what = 'value'): Decimal {
  const d = dec(value, what);
  if (d.isNegative() && !d.isZero()) throw new InvalidDecimalError(`${what} must not be negative, got ${d}`);
  return d;
}

export function decPos(value: DecimalInput, what = 'value'): Decimal {
  const d = dec(value, what);
  if (!d.greaterThan(0)) throw new InvalidDecimalError(`${what} must be greater than 0, got ${d}`);
  return d;
}

export const ZERO: Decimal = new Decimal(0);
export const ONE: Decimal = new Decimal(1);

/** Largest multiple of `increment` that is ≤ x. */
export function floorTo(x: Decimal, increment: Decimal): Decimal {
  if (!increment.greaterThan(0)) throw new InvalidDecimalError(`increment must be > 0, got ${increment}`);
  return x.dividedBy(increment).floor().times(increment);
}

/** Smallest multiple of `increment` that is ≥ x. */
export function ceilTo(x: Decimal, increment: Decimal): Decimal {
  if (!increment.greaterThan(0)) throw new InvalidDecimalError(`increment must be > 0, got ${increment}`);
  return x.dividedBy(increment).ceil().times(increment);
}

export function isMultipleOf(x: Decimal, increment: Decimal): boolean {
  return x.modulo(increment).isZero();
}

/**
 * `a.comparedTo(b)` (−1, 0 or 1) for two Decimals, read in place: decimal.js copies its argument before
 * comparing, and the replay compares prices a few times a candle. Same algorithm on decimal.js's
 * normalised fields (`d` base-1e7 words, `e`, `s`; documented read-only properties); NaN or an infinity
 * goes to decimal.js itself.
 */
export function compareDec(a: Decimal, b: Decimal): number {
  const ad = a.d;
  const bd = b.d;
  if (!ad || !bd) return a.comparedTo(b);
  const as = a.s;
  // Either zero?
  if (!ad[0] || !bd[0]) return ad[0] ? as : bd[0] ? -b.s : 0;
  if (as !== b.s) return as;
  if (a.e !== b.e) return a.e > b.e !== as < 0 ? 1 : -1;
  const n = ad.length < bd.length ? ad.length : bd.length;
  for (let i = 0; i < n; i++) {
    if (ad[i] !== bd[i]) return ad[i]! > bd[i]! !== as < 0 ? 1 : -1;
  }
  return ad.length === bd.length ? 0 : ad.length > bd.length !== as < 0 ? 1 : -1;
}

export function minDec(a: Decimal, b: Decimal): Decimal {
  return compareDec(a, b) <= 0 ? a : b;
}

export function maxDec(a: Decimal, b: Decimal): Decimal {
  return compareDec(a, b) >= 0 ? a : b;
}

export function sumDec(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}

/** Plain decimal text, no exponent, no trailing zeros beyond what the value needs. */
export function fmt(x: Decimal): string {
  return x.toFixed();
}
