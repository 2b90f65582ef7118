/**
 * The closer's parameters (SPEC §4, seed 001): global defaults under `execution`, `accel`, `roi` and `risk`,
 * and per-symbol overrides of any of their fields under `symbols.<symbol>`. `paramsFor` merges them into
 * the engine's `CloserParams` for one symbol. Every field has a default, a range, and an error naming it.
 *
 * The closer's engine is the product's execution algorithm for every flatten (`application/flatten-runner.ts`)
 * as well as the `closer` strategy's (`strategies/closer`), so it lives here, beside the guards.
 */
import { z } from 'zod';
import { type Decimal, dec } from '../money.js';
import { configDecimal, positiveConfigDecimal, sentence } from '../schema-helpers.js';
import type { CloserParams } from './engine.js';

const fraction = (what: string, max = '1') =>
  configDecimal
    .refine((d) => d.greaterThan(0) && d.lessThanOrEqualTo(max), {
      message: `must be greater than 0 and at most ${max}: ${what}`,
    })
    .describe(sentence(what));
const positive = (what: string) => positiveConfigDecimal(`: ${what}`).describe(sentence(what));
const ms = (min: number, max: number, what: string) =>
  z
    .number()
    .int()
    .min(min, { message: `must be at least ${min} ms: ${what}` })
    .max(max, { message: `must be at most ${max} ms: ${what}` })
    .describe(sentence(`${what} (milliseconds)`));
const count = (what: string) =>
  z
    .number()
    .int()
    .min(1, { message: `must be at least 1: ${what}` })
    .max(100, { message: `must be at most 100: ${what}` })
    .describe(sentence(what));

const tier = z.object({ at: configDecimal, mult: positive('the multiplier of the tier') }).strict();

const execution = z
  .object({
    order_ttl_ms: ms(100, 600_000, 'how long a slice rests before it is cancelled'),
    cooldown_ms: ms(0, 60_000, 'the pause after a slice ends'),
    min_signal_interval_ms: ms(0, 60_000, 'at most one signal per side this often'),
    stale_ms: ms(100, 60_000, 'book and trade data older than this stop ordering'),
    maker_timeouts_to_escalate: count('maker timeouts in a row before going aggressive'),
    aggr_fills_to_deescalate: count('aggressive fills before going back to maker'),
    aggr_timeouts_to_deescalate: count('aggressive timeouts before going back to maker'),
    base_mult: positive('slices are min_qty × base_mult × roi × accel'),
    max_mult: positive('the largest slice in min_qty units'),
    max_order_notional: positive('the largest slice in quote currency').nullable(),
  })
  .strict();

const accel = z
  .object({
    window_ms: ms(100, 10_000, 'the window the return is measured over'),
    tiers: z.array(tier).max(20),
  })
  .strict();

const roi = z.object({ tiers: z.array(tier).max(20) }).strict();

const risk = z
  .object({
    liq_distance_threshold: fraction('under this distance to liquidation every slice goes aggressive'),
    panic_close: z
      .object({
        tiers: z
          .array(
            z
              .object({
                dist: fraction('the distance to liquidation at or under which the tier applies'),
                slice_ratio: fraction('the fraction of the position each forced slice closes'),
                ttl_percent: fraction('the fraction of order_ttl_ms a forced slice rests'),
              })
              .strict(),
          )
          .max(10),
      })
      .strict(),
    protective_stop: z
      .object({
        enabled: z.boolean(),
        distance: fraction('the stop sits at liq / (1 − D) for a LONG, liq / (1 + D) for a SHORT', '0.5'),
      })
      .strict(),
  })
  .strict();

export const CLOSER_DEFAULTS = {
  execution: {
    order_ttl_ms: 1_000,
    cooldown_ms: 200,
    min_signal_interval_ms: 200,
    stale_ms: 1_500,
    maker_timeouts_to_escalate: 2,
    aggr_fills_to_deescalate: 1,
    aggr_timeouts_to_deescalate: 2,
    base_mult: dec('1'),
    max_mult: dec('10'),
    max_order_notional: null,
  },
  accel: { window_ms: 2_000, tiers: [] },
  roi: { tiers: [] },
  risk: {
    liq_distance_threshold: dec('0.05'),
    panic_close: {
      tiers: [
        { dist: dec('0.04'), slice_ratio: dec('0.02'), ttl_percent: dec('0.5') },
        { dist: dec('0.03'), slice_ratio: dec('0.05'), ttl_percent: dec('0.5') },
        { dist: dec('0.02'), slice_ratio: dec('0.1'), ttl_percent: dec('0.25') },
      ],
    },
    protective_stop: { enabled: true, distance: dec('0.01') },
  },
} satisfies {
  execution: z.infer<typeof execution>;
  accel: z.infer<typeof accel>;
  roi: z.infer<typeof roi>;
  risk: z.infer<typeof risk>;
};

/** The closer's execution settings: the global ones (defaults filled in) and each symbol's overrides. */
export const closerSettingsSchema = z
  .object({
    execution: execution.partial().default({}),
    accel: accel.partial().default({}),
    roi: roi.partial().default({}),
    risk: risk.partial().default({}),
    symbols: z
      .record(
        z.string().min(1),
        z
          .object({
            execution: execution.partial().optional(),
            accel: accel.partial().optional(),
            roi: roi.partial().optional(),
            risk: risk.partial().optional(),
          })
          .strict(),
      )
      .default({}),
  })
  .strict();

export type CloserSettings = z.infer<typeof closerSettingsSchema>;

const toTiers = (tiers: readonly { at: Decimal; mult: Decimal }[]) =>
  tiers.map((t) => ({ at: t.at, mult: t.mult }));

/** The engine's parameters for one symbol: defaults, then the global settings, then the symbol's overrides. */
export function paramsFor(settings: CloserSettings, symbol: string): CloserParams {
  const o = settings.symbols[symbol];
  const ex = { ...CLOSER_DEFAULTS.execution, ...settings.execution, ...o?.execution };
  const ac = { ...CLOSER_DEFAULTS.accel, ...settings.accel, ...o?.accel };
  const ro = { ...CLOSER_DEFAULTS.roi, ...settings.roi, ...o?.roi };
  const rk = { ...CLOSER_DEFAULTS.risk, ...settings.risk, ...o?.risk };
  return {
    orderTtlMs: ex.order_ttl_ms,
    cooldownMs: ex.cooldown_ms,
    minSignalIntervalMs: ex.min_signal_interval_ms,
    staleMs: ex.stale_ms,
    makerTimeoutsToEscalate: ex.maker_timeouts_to_escalate,
    aggrFillsToDeescalate: ex.aggr_fills_to_deescalate,
    aggrTimeoutsToDeescalate: ex.aggr_timeouts_to_deescalate,
    baseMult: ex.base_mult,
    maxMult: ex.max_mult,
    maxOrderNotional: ex.max_order_notional,
    accelWindowMs: ac.window_ms,
    accelTiers: toTiers(ac.tiers),
    roiTiers: toTiers(ro.tiers),
    liqDistanceThreshold: rk.liq_distance_threshold,
    panicTiers: rk.panic_close.tiers.map((t) => ({
      dist: t.dist,
      sliceRatio: t.slice_ratio,
      ttlPercent: t.ttl_percent,
    })),
    stopDistance: rk.protective_stop.enabled ? rk.protective_stop.distance : null,
  };
}
