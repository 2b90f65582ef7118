/**
 * Where a Key Level Grid gets its levels (SPEC §2 "Level sources"): exactly one per instance.
 *  - `manual`: a list of prices.
 *  - `atr`: levels spaced inside the ATR channel of SPEC §3.1.
 *  - `keyLevels`: support/resistance found in candles (swings, volume buckets, Fibonacci, round numbers).
 * The analysis parameters live here so one schema validates every config file.
 */
import { z } from 'zod';
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
    source: z.literal('manual'),
    prices: z
      .array(positive)
      .min(1, { message: 'needs at least one price; list your support/resistance levels' }),
  })
  .strict();

export const atrLevelsSchema = z
  .object({
    source: z.literal('atr'),
    timeframe: timeframeSchema.default('1h'),
    atr_period: z.number().int().min(1).max(500).default(14),
    smoothing: smoothingSchema.default('RMA'),
    atr_multiplier: positive.prefault('2'),
    /** `extremes`: upper = last high + k·ATR, lower = last low − k·ATR; `close`: close ± k·ATR. */
    anchor: z.enum(['extremes', 'close']).default('extremes'),
    target_profit_rate: fraction.prefault('0.002'),
    min_levels: z.number().int().min(2).default(4),
    max_levels: z.number().int().min(2).max(500).default(100),
    candles: z.number().int().min(20).max(5000).default(200),
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
    source: z.literal('keyLevels'),
    timeframe: timeframeSchema.default('1h'),
    candles: z.number().int().min(50).max(5000).default(500),
    swing_lookbacks: z.array(z.number().int().min(1).max(500)).min(1).default([5, 13, 34]),
    /** Points per swing, one per lookback; default 50·√(lookback / largest lookback) (≈ 19, 31, 50). */
    swing_weights: z.array(z.number().positive()).optional(),
    time_decay_half_life_bars: z.number().positive().default(200),
    volume_buckets: z.number().int().min(5).max(1000).default(50),
    /** Points of the busiest volume bucket; other nodes score in proportion to their volume. */
    volume_weight: z.number().min(0).default(40),
    /** A bucket is a node when it is a local maximum holding at least this share of the busiest one. */
    volume_min_share: z.number().gt(0).max(1).default(0.5),
    fib_ratios: z.array(z.number().positive()).default([0.236, 0.382, 0.5, 0.618, 0.786, 1.272, 1.618]),
    /** The "recent range" the Fibonacci ratios apply to: highest high and lowest low of these last bars. */
    fib_lookback_bars: z.number().int().min(2).max(5000).default(89),
    fib_weight: z.number().min(0).default(25),
    round_numbers: z.boolean().default(true),
    /** Points of a round number (a multiple of 10^(digits−2) of the price); half steps score half. */
    round_weight: z.number().min(0).default(15),
    confluence_boost: z.number().min(0).max(5).default(0.25),
    strength_scale: z.number().positive().default(50),
    merge_tolerance_pct: fraction.prefault('0.005'),
    min_strength: z.number().min(0).max(100).default(80),
    max_distance_pct: fraction.prefault('0.3'),
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
  atrLevelsSchema,
  keyLevelsSchema,
]);
export type LevelSourceConfig = z.infer<typeof levelSourceSchema>;
