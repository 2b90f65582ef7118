/**
 * Where a Key Level Grid gets its levels (SPEC §2 "Level sources"): exactly one per instance.
 *  - `manual`: a list of prices.
 *  - `range`: `count` prices from `lower` to `upper`, equal steps (`arithmetic`) or equal ratios
 *    (`geometric`); expanded by `rangeLevelPrices` (analysis/range-levels.ts).
 *  - `atr`: levels spaced inside the ATR channel of SPEC §3.1.
 *  - `keyLevels`: support/resistance found in candles (swings, volume buckets, Fibonacci, round numbers).
 * The analysis parameters live here so one schema validates every config file.
 */
import { z } from 'zod';
import { Decimal } from '../money.js';
import { configDecimal } from '../schema-helpers.js';

const positive = configDecimal.refine((d) => d.greaterThan(0), { message: 'must be greater than 0' });
const fraction = configDecimal.refine((d) => d.greaterThan(0) && d.lessThan(1), {
  message: 'must be a fraction between 0 and 1 (e.g. 0.005 for 0.5%)',
});

export const timeframeSchema = z.enum(['1m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d']);
export type Timeframe = z.infer<typeof timeframeSchema>;

export const smoothingSchema = z.enum(['RMA', 'SMA', 'EMA', 'WMA']);
export type Smoothing = z.infer<typeof smoothingSchema>;

export const manualLevelsSchema = z
  .object({
    source: z.literal('manual').describe('`manual`: the level prices are listed.'),
    prices: z
      .array(positive)
      .min(1, { message: 'needs at least one price; list your support/resistance levels' })
      .describe(
        'Level prices (supports and resistances), any order; rounded to the nearest tick, duplicates dropped.',
      ),
  })
  .strict();

/** Most levels a `range` may spread (the `atr` source's own cap). */
export const MAX_RANGE_LEVELS = 500;

export const rangeLevelsSchema = z
  .object({
    source: z.literal('range').describe('`range`: levels spread between `lower` and `upper`.'),
    lower: positive.describe('The lowest level (the first support), in quote currency.'),
    upper: positive.describe('The highest level, in quote currency; must be above `lower`.'),
    count: z
      .number({ message: 'must be a whole number of levels, e.g. 20' })
      .int({ message: 'must be a whole number of levels, e.g. 20' })
      .min(2, { message: 'must be at least 2: the range needs its lower and its upper level' })
      .max(MAX_RANGE_LEVELS, {
        message: `must be at most ${MAX_RANGE_LEVELS}: use fewer levels, or several instances`,
      })
      .describe('How many levels, `lower` and `upper` included.'),
    spacing: z
      .enum(['arithmetic', 'geometric'])
      .default('arithmetic')
      .describe(
        '`arithmetic`: equal price steps (upper − lower) / (count − 1); `geometric`: equal ratios (upper / lower)^(1 / (count − 1)), the same percentage between neighbours.',
      ),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (Decimal.isDecimal(v.lower) && Decimal.isDecimal(v.upper) && !v.lower.lessThan(v.upper))
      ctx.addIssue({
        code: 'custom',
        path: ['upper'],
        message: `must be above lower (${v.lower.toFixed()}): lower is the first support, upper the last level; swap them or widen the range`,
      });
  })
  .describe(
    'Levels spread over a price range: `count` prices from `lower` to `upper` (both included), then rounded to the tick.',
  );

export const atrLevelsSchema = z
  .object({
    source: z.literal('atr').describe('`atr`: levels spread evenly inside the ATR channel.'),
    timeframe: timeframeSchema.default('1h').describe('Candle timeframe the ATR is computed on.'),
    atr_period: z.number().int().min(1).max(500).default(14).describe('ATR period, in candles.'),
    smoothing: smoothingSchema.default('RMA').describe('How true ranges are averaged into the ATR.'),
    atr_multiplier: positive.prefault('2').describe('Channel half-width in ATRs (k).'),
    /** `extremes`: upper = last high + k·ATR, lower = last low − k·ATR; `close`: close ± k·ATR. */
    anchor: z.enum(['extremes', 'close']).default('extremes'),
    target_profit_rate: fraction
      .prefault('0.002')
      .describe(
        'Target profit per grid step as a fraction: sets the spacing, hence the level count, e.g. 0.002.',
      ),
    min_levels: z.number().int().min(2).default(4).describe('Fewest levels laid in the channel.'),
    max_levels: z.number().int().min(2).max(500).default(100).describe('Most levels laid in the channel.'),
    candles: z
      .number()
      .int()
      .min(20)
      .max(5000)
      .default(200)
      .describe('Candles of `timeframe` the channel is computed over.'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.candles < v.atr_period + 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['candles'],
        message: `must be at least atr_period + 1 (${v.atr_period + 1}): the first candle only provides a previous close`,
      });
    }
  });

/**
 * Key levels (SPEC §2): candidates from swings, volume buckets, Fibonacci ratios and round numbers score
 * points; candidates within `merge_tolerance_pct` merge into the strongest; strength = 100·(1 − e^(−p/scale))
 * where p is the merged points times (1 + `confluence_boost` × (distinct source kinds − 1)). Weights are
 * points, not money, so they are plain numbers. See shared/domain/analysis/key-levels/.
 */
export const keyLevelsSchema = z
  .object({
    source: z.literal('keyLevels').describe('`keyLevels`: support and resistance found in candles.'),
    timeframe: timeframeSchema.default('1h').describe('Candle timeframe the key levels are found on.'),
    candles: z.number().int().min(50).max(5000).default(500).describe('Candles of `timeframe` analysed.'),
    swing_lookbacks: z
      .array(z.number().int().min(1).max(500))
      .min(1)
      .default([5, 13, 34])
      .describe('Bars on each side that make a swing high/low, one entry per swing size.'),
    /** Points per swing, one per lookback; default 50·√(lookback / largest lookback) (≈ 19, 31, 50). */
    swing_weights: z.array(z.number().positive()).optional(),
    time_decay_half_life_bars: z.number().positive().default(200),
    volume_buckets: z.number().int().min(5).max(1000).default(50),
    volume_weight: z
      .number()
      .min(0)
      .default(40)
      .describe('Points of the busiest volume bucket; other nodes score in proportion to their volume.'),
    volume_min_share: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe(
        'A bucket is a node when it is a local maximum holding at least this share of the busiest one.',
      ),
    fib_ratios: z.array(z.number().positive()).default([0.236, 0.382, 0.5, 0.618, 0.786, 1.272, 1.618]),
    fib_lookback_bars: z
      .number()
      .int()
      .min(2)
      .max(5000)
      .default(89)
      .describe(
        'The "recent range" the Fibonacci ratios apply to: highest high and lowest low of these last bars.',
      ),
    fib_weight: z.number().min(0).default(25),
    round_numbers: z.boolean().default(true).describe('Score round numbers as candidate levels.'),
    round_weight: z
      .number()
      .min(0)
      .default(15)
      .describe(
        'Points of a round number (a multiple of 10^(digits−2) of the price); half steps score half.',
      ),
    confluence_boost: z.number().min(0).max(5).default(0.25),
    strength_scale: z.number().positive().default(50),
    merge_tolerance_pct: fraction
      .prefault('0.005')
      .describe('Candidates within this fraction of each other merge into the strongest, e.g. 0.005.'),
    min_strength: z
      .number()
      .min(0)
      .max(100)
      .default(80)
      .describe('Least strength (0–100) a level needs to be used.'),
    max_distance_pct: fraction
      .prefault('0.3')
      .describe('Only levels within this fraction of the price are used, e.g. 0.3.'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.swing_weights && v.swing_weights.length !== v.swing_lookbacks.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['swing_weights'],
        message: `needs one weight per lookback (${v.swing_lookbacks.length}), got ${v.swing_weights.length}; or leave it out for the default`,
      });
    }
  });

export const levelSourceSchema = z.discriminatedUnion('source', [
  manualLevelsSchema,
  rangeLevelsSchema,
  atrLevelsSchema,
  keyLevelsSchema,
]);
export type LevelSourceConfig = z.infer<typeof levelSourceSchema>;
