/**
 * The built-in demo market: a deterministic, seeded path of 1-minute candles with the three regimes a grid
 * trader cares about — a range, a rally and a sell-off — so `npm start` needs no third-party data.
 *
 * Entry point: `generateDemoMarket(spec)` → `{ candles, phases }`.
 *
 * Shape (fractions of the run after an optional warmup range): range around the opening price (0–40%), rally of about +15% (40–55%),
 * a range at the top (55–65%), a sell-off to about −15% below the open (65–82%), a base that recovers a
 * little (82–100%). Around that trend the log price follows a mean-reverting random walk, so ranges stay
 * ranges and the path still wanders; each candle's high and low come from a random excursion inside the
 * minute.
 *
 * Invariants: the same spec gives the same candles (a seeded PRNG, no clock, no `Math.random`); every
 * price is a positive multiple of the tick; each candle opens at the previous close; low ≤ min(open,
 * close) ≤ max(open, close) ≤ high; open times are consecutive minutes.
 */
import type { Decimal } from '../money.js';
import { dec } from '../money.js';
import type { Candle } from '../orders.js';

export interface DemoMarketSpec {
  /** Open time of the first candle (ms, a whole minute). */
  readonly startTime: number;
  readonly minutes: number;
  /** Leading minutes of plain range before the regimes start (history for indicators); default 0. */
  readonly warmupMinutes?: number;
  readonly startPrice: Decimal;
  readonly tickSize: Decimal;
  readonly seed: number;
  /** Daily volatility of the noise as a fraction (e.g. 0.04). */
  readonly dailyVolatility: number;
}

export interface DemoPhase {
  readonly name: 'range' | 'rally' | 'top' | 'sell-off' | 'base';
  readonly from: number;
  readonly to: number;
}

const MINUTE = 60_000;
const SUBSTEPS = 6;

/** Trend anchors: (fraction of the run, log-price offset from the open). Linear in between. */
const ANCHORS: readonly (readonly [number, number])[] = [
  [0, 0],
  [0.4, 0],
  [0.55, Math.log(1.15)],
  [0.65, Math.log(1.14)],
  [0.82, Math.log(0.85)],
  [1, Math.log(0.88)],
];
const PHASES: readonly (readonly [DemoPhase['name'], number, number])[] = [
  ['range', 0, 0.4],
  ['rally', 0.4, 0.55],
  ['top', 0.55, 0.65],
  ['sell-off', 0.65, 0.82],
  ['base', 0.82, 1],
];

/** sfc32: a small, fast PRNG with a 128-bit state; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

/** Standard normal draws (Marsaglia's polar method: only log and sqrt, exact across platforms). */
function normals(random: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    for (;;) {
      const u = 2 * random() - 1;
      const v = 2 * random() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        spare = v * f;
        return u * f;
      }
    }
  };
}

function trendAt(f: number): number {
  for (let i = 1; i < ANCHORS.length; i++) {
    const [f1, y1] = ANCHORS[i]!;
    const [f0, y0] = ANCHORS[i - 1]!;
    if (f <= f1) return y0 + ((y1 - y0) * (f - f0)) / (f1 - f0);
  }
  return ANCHORS[ANCHORS.length - 1]![1];
}

function checkSpec(spec: DemoMarketSpec): void {
  if (!Number.isSafeInteger(spec.startTime) || spec.startTime % MINUTE !== 0)
    throw new Error(`demo market: startTime must be a whole minute in ms, got ${spec.startTime}`);
  if (!Number.isSafeInteger(spec.minutes) || spec.minutes < 10)
    throw new Error(`demo market: minutes must be a whole number ≥ 10, got ${spec.minutes}`);
  const warmup = spec.warmupMinutes ?? 0;
  if (!Number.isSafeInteger(warmup) || warmup < 0 || warmup >= spec.minutes)
    throw new Error(`demo market: warmupMinutes must be a whole number in [0, minutes), got ${warmup}`);
  if (!spec.startPrice.greaterThan(0) || !spec.tickSize.greaterThan(0))
    throw new Error('demo market: startPrice and tickSize must be greater than 0');
  if (spec.startPrice.dividedBy(spec.tickSize).lessThan(1000))
    throw new Error(
      `demo market: the opening price ${spec.startPrice} is under 1000 ticks of ${spec.tickSize}; prices would be too coarse`,
    );
  if (!(spec.dailyVolatility > 0 && spec.dailyVolatility < 1))
    throw new Error(`demo market: dailyVolatility must be in (0, 1), got ${spec.dailyVolatility}`);
}

export function generateDemoMarket(spec: DemoMarketSpec): { candles: Candle[]; phases: DemoPhase[] } {
  checkSpec(spec);
  const gauss = normals(seededRandom(spec.seed));
  const tick = spec.tickSize;
  // Prices are whole numbers of ticks; the path itself is a synthetic market, not money arithmetic.
  const startTicks = spec.startPrice.dividedBy(tick).round().toNumber();
  const toTicks = (logOffset: number): number => Math.max(1, Math.round(startTicks * Math.exp(logOffset)));
  const price = (ticks: number): Decimal => tick.times(ticks);

  const sigma = spec.dailyVolatility / Math.sqrt(1440);
  const reversion = 1 / 360; // noise forgets itself over about six hours
  let noise = 0;
  let closeTicks = startTicks;
  const candles: Candle[] = [];
  const warmup = spec.warmupMinutes ?? 0;
  const run = spec.minutes - warmup;
  for (let i = 0; i < spec.minutes; i++) {
    const f = Math.max(0, (i + 1 - warmup) / run);
    const selling = f > 0.65 && f <= 0.82;
    const shock = sigma * (selling ? 1.6 : 1) * gauss();
    noise = noise * (1 - reversion) + shock;
    const target = toTicks(trendAt(f) + noise);
    const openTicks = closeTicks;
    let high = Math.max(openTicks, target);
    let low = Math.min(openTicks, target);
    // Wicks: a random excursion inside the minute, pinned to the open and the close.
    let w = 0;
    const sub = (sigma * (selling ? 1.6 : 1)) / Math.sqrt(SUBSTEPS);
    for (let k = 1; k < SUBSTEPS; k++) {
      w += sub * gauss();
      const level = openTicks + ((target - openTicks) * k) / SUBSTEPS;
      const t = Math.round(level * Math.exp(w * (1 - k / SUBSTEPS)));
      if (t > high) high = t;
      if (t < low) low = Math.max(1, t);
    }
    const volume = Math.round(
      1000 * (1 + (600 * Math.abs(target - openTicks)) / startTicks) * Math.exp(0.3 * gauss()),
    );
    candles.push({
      openTime: spec.startTime + i * MINUTE,
      open: price(openTicks),
      high: price(high),
      low: price(low),
      close: price(target),
      volume: dec(volume),
    });
    closeTicks = target;
  }
  const runStart = spec.startTime + warmup * MINUTE;
  const phases = PHASES.map(([name, a, b]) => ({
    name,
    from: runStart + Math.floor(a * run) * MINUTE,
    to: runStart + Math.floor(b * run) * MINUTE,
  }));
  return { candles, phases };
}
