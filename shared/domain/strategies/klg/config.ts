/**
 * Configuration of one Key Level Grid instance (SPEC §2), with the spec's defaults. Parsing is the only way
 * to get a `KlgConfig`, so every engine can trust its numbers: a bad value fails here with the path of the
 * field and what would fix it, never deep in a decision.
 */
import { z } from 'zod';
import { INSTANCE_ID_PATTERN } from '../../client-order-id.js';
import { configErrorFrom } from '../../config/format-error.js';
import { levelSourceSchema } from '../../config/level-source.js';
import { instanceGuardsSchema } from '../../guards/instance-guards.js';
import { configDecimal, plainJson, reconIntervalSec } from '../../schema-helpers.js';

const fraction = (what: string, opts: { allowZero?: boolean; allowOne?: boolean } = {}) =>
  configDecimal.refine(
    (d) =>
      (opts.allowZero ? d.greaterThanOrEqualTo(0) : d.greaterThan(0)) &&
      (opts.allowOne ? d.lessThanOrEqualTo(1) : d.lessThan(1)),
    {
      message: `must be in ${opts.allowZero ? '[0' : '(0'}, 1${opts.allowOne ? ']' : ')'}: ${what}`,
    },
  );

export const stopLossSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** `lowest_support`: trigger at lowest level × (1 − offset); `avg_entry`: at avg entry × (1 − pct). */
    mode: z.enum(['lowest_support', 'avg_entry']).default('lowest_support'),
    lowest_support_offset_pct: fraction('distance below the lowest level, e.g. 0.005', {
      allowZero: true,
    }).prefault('0.005'),
    avg_entry_pct: fraction('distance below the average entry, e.g. 0.05').prefault('0.05'),
    working_type: z.enum(['MARK_PRICE', 'CONTRACT_PRICE']).default('MARK_PRICE'),
    /** After the stop fires, stop placing new grid orders until an operator resumes. */
    pause_after_trigger: z.boolean().default(true),
  })
  .strict();

export const rebuildSchema = z
  .object({
    drift_enabled: z.boolean().default(false),
    rebuild_threshold_pct: fraction(
      'price drift from the anchor that triggers a rebuild, e.g. 0.02',
    ).prefault('0.02'),
    rebuild_cooldown_sec: z.number().int().min(0).default(900),
  })
  .strict();

export const klgRiskSchema = z
  .object({
    max_drawdown_pct: fraction('drawdown from the equity peak, e.g. 0.15').prefault('0.15'),
    heartbeat_max_age_sec: z.number().int().min(10).default(180),
    /** `flatten`: pause and hand the position to the closer, emergency (or close at market with no worker). */
    on_breach: z.enum(['alert', 'pause', 'flatten']).default('alert'),
    /**
     * Maintenance-margin rate for the liquidation estimate. Conservative by default: Binance's first
     * brackets are 0.4–0.5% for the large perpetuals and up to 1% for others.
     */
    maint_margin_rate: fraction('maintenance-margin rate for the liquidation estimate, e.g. 0.01', {
      allowZero: true,
    }).prefault('0.01'),
    /** Liquidation must stay at least this far below the stop trigger (else buys are refused). */
    stop_liquidation_gap_pct: fraction('distance kept between liquidation and the stop, e.g. 0.01', {
      allowZero: true,
    }).prefault('0.01'),
  })
  .strict();

export const klgConfigSchema = z
  .object({
    id: z.string().regex(INSTANCE_ID_PATTERN, {
      message:
        'must be 1-12 lowercase letters or digits (it is embedded in client order ids), e.g. "dogeklg"',
    }),
    strategy: z.literal('key_level_grid'),
    account: z.string().min(1, { message: 'name the account (from `accounts`) this instance trades on' }),
    symbol: z.string().regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,10}:[A-Z0-9]{1,10}$/, {
      message:
        'give the market as a ccxt linear-swap symbol, BASE/QUOTE:SETTLE in capitals, e.g. "DOGE/USDC:USDC"',
    }),
    /** `LONG` in hedge mode (Binance dual-side position), `BOTH` in one-way mode. */
    position_side: z.enum(['LONG', 'BOTH']).default('LONG'),
    enabled: z.boolean().default(true),
    levels: levelSourceSchema,
    sell_quota_ratio: fraction('share of holdings offered for sale, e.g. 0.7', { allowOne: true }).prefault(
      '0.7',
    ),
    min_profit_pct: fraction('minimum distance of a sell above the average entry, e.g. 0.005', {
      allowZero: true,
    }).prefault('0.005'),
    buy_price_buffer_pct: fraction('how far price must be above a support before buying, e.g. 0.002', {
      allowZero: true,
    }).prefault('0.002'),
    sell_price_buffer_pct: fraction('how far price must be below a resistance before selling, e.g. 0.002', {
      allowZero: true,
    }).prefault('0.002'),
    base_amount_per_grid: configDecimal.refine((d) => d.greaterThan(0), {
      message: 'must be greater than 0: coins bought at each support (one grid unit)',
    }),
    base_position_locked: configDecimal
      .refine((d) => d.greaterThanOrEqualTo(0), {
        message: 'must not be negative: coins never offered for sale',
      })
      .prefault('0'),
    max_fill_per_level: z.number().int().min(1, { message: 'must be at least 1' }).max(10).default(1),
    recon_interval_sec: reconIntervalSec(60),
    recompute_interval_sec: z.number().int().min(60).default(3600),
    risk_interval_sec: z.number().int().min(60).default(300),
    order_action_timeout_sec: z.number().int().min(1).max(600).default(10),
    post_only: z.boolean().default(true),
    stop_loss: stopLossSchema.default(stopLossSchema.parse({})),
    rebuild: rebuildSchema.default(rebuildSchema.parse({})),
    risk: klgRiskSchema.default(klgRiskSchema.parse({})),
    alert_on_fills: z.boolean().default(false),
    /** The instance's own pre-trade limits (none by default). */
    guards: instanceGuardsSchema.optional(),
  })
  .strict();

export type KlgConfig = z.infer<typeof klgConfigSchema>;
export type KlgConfigInput = z.input<typeof klgConfigSchema>;

/** Parses a KLG instance config; throws `ConfigError` naming each bad field. */
export function parseKlgConfig(input: unknown, source = 'instance config'): KlgConfig {
  const result = klgConfigSchema.safeParse(input);
  if (!result.success) throw configErrorFrom(result.error, source);
  return result.data;
}

/** The config as plain JSON (Decimals as strings); `parseKlgConfig(klgConfigToJson(c))` equals `c`. */
export function klgConfigToJson(config: KlgConfig): unknown {
  return plainJson(config);
}
