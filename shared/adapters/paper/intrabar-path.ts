/**
 * The intrabar price path a candle is replayed along: open → nearer extreme → other extreme → close.
 * When open is equally far from high and low, a rising candle (close ≥ open) visits the low first and a
 * falling one the high first — the path that makes the body's direction the last move, which is the
 * conservative choice for grid orders on both sides. Consecutive equal points are collapsed.
 */
import type { Decimal } from '../../domain/money.js';

export interface OhlcPrices {
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly close: Decimal;
}

export function intrabarPath(c: OhlcPrices): Decimal[] {
  const toHigh = c.high.minus(c.open);
  const toLow = c.open.minus(c.low);
  const cmp = toHigh.comparedTo(toLow);
  const highFirst = cmp < 0 || (cmp === 0 && c.close.lessThan(c.open));
  const points = highFirst ? [c.open, c.high, c.low, c.close] : [c.open, c.low, c.high, c.close];
  const out: Decimal[] = [];
  for (const p of points) if (out.length === 0 || !out[out.length - 1]!.equals(p)) out.push(p);
  return out;
}

/** Throws a clear error when a candle is not a valid OHLC bar. */
export function assertValidOhlc(c: OhlcPrices, what: string): void {
  if (!c.low.greaterThan(0)) throw new Error(`${what}: low must be > 0, got ${c.low}`);
  if (c.high.lessThan(c.open) || c.high.lessThan(c.close) || c.high.lessThan(c.low)) {
    throw new Error(`${what}: high ${c.high} must be ≥ open, close and low`);
  }
  if (c.low.greaterThan(c.open) || c.low.greaterThan(c.close)) {
    throw new Error(`${what}: low ${c.low} must be ≤ open and close`);
  }
}
