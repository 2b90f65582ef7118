/**
 * The intrabar price path a candle is replayed along: open → nearer extreme → other extreme → close.
 * When open is equally far from high and low, a rising candle (close ≥ open) visits the low first and a
 * falling one the high first — the path that makes the body's direction the last move, which is the
 * conservative choice for grid orders on both sides. Consecutive equal points are collapsed.
 */
import { compareDec, type Decimal } from '../../domain/money.js';

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

/**
 * When the intrabar path is where. The path is walked at constant speed (price distance per millisecond)
 * from the candle's open, at `openTime`, to its close, at its last millisecond (`openTime + intervalMs − 1`),
 * so every moment lies inside the candle (`openTime ≤ t < openTime + intervalMs`) and a price the path
 * reaches later gets a later (or the same) time. A flat candle happens at its open. Deterministic: the
 * same candle always gives the same times. Distances are summed only when a time is asked for.
 */
export class IntrabarTimeline {
  private cumulative: Decimal[] | undefined;

  constructor(
    private readonly openTime: number,
    private readonly intervalMs: number,
    private readonly path: readonly Decimal[],
  ) {}

  /** When the path reaches point `i` (0 = the open). */
  pointTime(i: number): number {
    if (i <= 0) return this.openTime;
    const cum = this.distances();
    return this.timeOf(cum[Math.min(i, cum.length - 1)]!);
  }

  /** When the segment into point `i` (from point `i − 1`) passes `price`; the open for `i = 0`. */
  segmentTime(i: number, price: Decimal): number {
    if (i <= 0) return this.openTime;
    const cum = this.distances();
    const from = this.path[i - 1]!;
    const seg = this.path[i]!.minus(from).abs();
    const along = price.minus(from).abs();
    return this.timeOf(cum[i - 1]!.plus(along.lessThan(seg) ? along : seg));
  }

  private timeOf(distance: Decimal): number {
    const total = this.distances()[this.path.length - 1]!;
    if (total.isZero()) return this.openTime;
    // A time, not an amount: the share of the path walked, in whole milliseconds.
    return (
      this.openTime +
      distance
        .times(this.intervalMs - 1)
        .dividedToIntegerBy(total)
        .toNumber()
    );
  }

  private distances(): Decimal[] {
    if (!this.cumulative) {
      const cum = [this.path[0]!.minus(this.path[0]!)];
      for (let i = 1; i < this.path.length; i++)
        cum.push(cum[i - 1]!.plus(this.path[i]!.minus(this.path[i - 1]!).abs()));
      this.cumulative = cum;
    }
    return this.cumulative;
  }
}

/** Throws a clear error when a candle is not a valid OHLC bar. */
export function assertValidOhlc(c: OhlcPrices, what: string): void {
  if (!c.low.greaterThan(0)) throw new Error(`${what}: low must be > 0, got ${c.low}`);
  if (compareDec(c.high, c.open) < 0 || compareDec(c.high, c.close) < 0 || compareDec(c.high, c.low) < 0) {
    throw new Error(`${what}: high ${c.high} must be ≥ open, close and low`);
  }
  if (compareDec(c.low, c.open) > 0 || compareDec(c.low, c.close) > 0) {
    throw new Error(`${what}: low ${c.low} must be ≤ open and close`);
  }
}
