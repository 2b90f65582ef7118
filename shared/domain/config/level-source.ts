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
  .strict();

export const keyLevelsSchema = z
  .object({
    source: z.literal('keyLevels'),
    timeframe: timeframeSchema.default('1h'),
    candles: z.number().int().min(50).max(5000).default(500),
    swing_lookbacks: z.array(z.number().int().min(1).max(500)).min(1).default([5, 13, 34]),
    swing_weights: z.array(z.number().positive()).optional(),
    time_decay_half_life_bars: z.number().positive().default(200),
    volume_buckets: z.number().int().min(5).max(1000).default(50),
    fib_ratios: z.array(z.number().positive()).default([0.236, 0.382, 0.5, 0.618, 0.786, 1.272, 1.618]),
    round_numbers: z.boolean().default(true),
    merge_tolerance_pct: fraction.prefault('0.005'),
    min_strength: z.number().min(0).max(100).default(80),
    max_distance_pct: fraction.prefault('0.3'),
  })
  .strict();

export const levelSourceSchema = z.discriminatedUnion('source', [
  manualLevelsSchema,
  atrLevelsSchema,
  keyLevelsSchema,
]);
export type LevelSourceConfig = z.infer<typeof levelSourceSchema>;
