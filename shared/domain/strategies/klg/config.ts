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
    enabled: z.boolean().default(true).describe('Place the exchange-side stop-loss order.'),
    /** `lowest_support`: trigger at lowest level × (1 − offset); `avg_entry`: at avg entry × (1 − pct). */
    mode: z.enum(['lowest_support', 'avg_entry']).default('lowest_support'),
    lowest_support_offset_pct: fraction('distance below the lowest level, e.g. 0.005', {
      allowZero: true,
    })
      .prefault('0.005')
      .describe('Mode `lowest_support`: the stop sits this fraction below the lowest level, e.g. 0.005.'),
    avg_entry_pct: fraction('distance below the average entry, e.g. 0.05')
      .prefault('0.05')
      .describe('Mode `avg_entry`: the stop sits this fraction below the average entry, e.g. 0.05.'),
    working_type: z
      .enum(['MARK_PRICE', 'CONTRACT_PRICE'])
      .default('MARK_PRICE')
      .describe('The price that triggers the stop: mark price (default, resists wicks) or last trade price.'),
    pause_after_trigger: z
      .boolean()
      .default(true)
      .describe('After the stop fires, stop placing new grid orders until an operator resumes.'),
  })
  .strict();

export const rebuildSchema = z
  .object({
    drift_enabled: z
      .boolean()
      .default(false)
      .describe(
        'Rebuild the grid on the latest computed levels when the price has drifted `rebuild_threshold_pct` from the anchor.',
      ),
    rebuild_threshold_pct: fraction('price drift from the anchor that triggers a rebuild, e.g. 0.02')
      .prefault('0.02')
      .describe('Drift from the anchor price that triggers a rebuild, e.g. 0.02.'),
    rebuild_cooldown_sec: z
      .number()
      .int()
      .min(0)
      .default(900)
      .describe('Least time between two drift rebuilds, in seconds.'),
  })
  .strict();

export const klgRiskSchema = z
  .object({
    max_drawdown_pct: fraction('drawdown from the equity peak, e.g. 0.15')
      .prefault('0.15')
      .describe('Drawdown from the equity peak that counts as a breach, e.g. 0.15.'),
    heartbeat_max_age_sec: z
      .number()
      .int()
      .min(10)
      .default(180)
      .describe('The stream worker is considered down when its heartbeat is older than this (seconds).'),
    on_breach: z
      .enum(['alert', 'pause', 'flatten'])
      .default('alert')
      .describe(
        '`flatten`: pause and hand the position to the closer, emergency (or close at market with no worker).',
      ),
    maint_margin_rate: fraction('maintenance-margin rate for the liquidation estimate, e.g. 0.01', {
      allowZero: true,
    })
      .prefault('0.01')
      .describe(
        "Maintenance-margin rate for the liquidation estimate. Conservative by default: Binance's first brackets are 0.4–0.5% for the large perpetuals and up to 1% for others.",
      ),
    stop_liquidation_gap_pct: fraction('distance kept between liquidation and the stop, e.g. 0.01', {
      allowZero: true,
    })
      .prefault('0.01')
      .describe('Liquidation must stay at least this far below the stop trigger (else buys are refused).'),
  })
  .strict();

export const klgConfigSchema = z
  .object({
    id: z
      .string()
      .regex(INSTANCE_ID_PATTERN, {
        message:
          'must be 1-12 lowercase letters or digits (it is embedded in client order ids), e.g. "dogeklg"',
      })
      .describe(
        'Instance id: 1–12 lowercase letters or digits, unique in the file (it is embedded in client order ids).',
      ),
    strategy: z
      .literal('key_level_grid')
      .describe(
        'The Key Level Grid: buys at supports, sells a share of the holdings at resistances above the average entry.',
      ),
    account: z
      .string()
      .min(1, { message: 'name the account (from `accounts`) this instance trades on' })
      .describe('The account (an `accounts[].id`) this instance trades on.'),
    symbol: z
      .string()
      .regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,10}:[A-Z0-9]{1,10}$/, {
        message:
          'give the market as a ccxt linear-swap symbol, BASE/QUOTE:SETTLE in capitals, e.g. "DOGE/USDC:USDC"',
      })
      .describe(
        'The market as a ccxt linear-swap symbol, BASE/QUOTE:SETTLE in capitals, e.g. `DOGE/USDC:USDC`.',
      ),
    position_side: z
      .enum(['LONG', 'BOTH'])
      .default('LONG')
      .describe('`LONG` in hedge mode (Binance dual-side position), `BOTH` in one-way mode.'),
    enabled: z
      .boolean()
      .default(true)
      .describe('Off: the instance is deployed but does nothing (no orders, no jobs).'),
    levels: levelSourceSchema.describe(
      'Where the grid gets its level prices: `manual` (a list), `range` (lower/upper/count), `atr` (the ATR channel) or `keyLevels` (support/resistance found in candles). Levels are rounded to the tick.',
    ),
    sell_quota_ratio: fraction('share of holdings offered for sale, e.g. 0.7', { allowOne: true })
      .prefault('0.7')
      .describe(
        'Share of the holdings (above `base_position_locked`) offered for sale at the resistances, e.g. 0.7.',
      ),
    min_profit_pct: fraction('minimum distance of a sell above the average entry, e.g. 0.005', {
      allowZero: true,
    })
      .prefault('0.005')
      .describe('A sell is placed at least this fraction above the average entry, e.g. 0.005 (0.5%).'),
    buy_price_buffer_pct: fraction('how far price must be above a support before buying, e.g. 0.002', {
      allowZero: true,
    })
      .prefault('0.002')
      .describe(
        'Price must be at least this fraction above a support before the grid buys there, e.g. 0.002.',
      ),
    sell_price_buffer_pct: fraction('how far price must be below a resistance before selling, e.g. 0.002', {
      allowZero: true,
    })
      .prefault('0.002')
      .describe(
        'Price must be at least this fraction below a resistance before the grid sells there, e.g. 0.002.',
      ),
    base_amount_per_grid: configDecimal
      .refine((d) => d.greaterThan(0), {
        message: 'must be greater than 0: coins bought at each support (one grid unit)',
      })
      .optional()
      .describe(
        'One grid unit, in coins (base currency): what each support buys and the unit holdings are counted in. Check it is a multiple of the venue step and above its minimum notional at your levels. Give this or `quote_amount_per_grid`, not both.',
      ),
    quote_amount_per_grid: configDecimal
      .refine((d) => d.greaterThan(0), {
        message: 'must be greater than 0: the value in quote currency each support buys, e.g. 20',
      })
      .optional()
      .describe(
        'One grid unit, in quote currency (e.g. 20 for 20 USDT): converted to coins once when the grid is laid out (at the price then, rounded down to the exchange step) and kept until the position is next flat at a rebuild, so holdings are always counted in one unit. Give this or `base_amount_per_grid`, not both.',
      ),
    base_position_locked: configDecimal
      .refine((d) => d.greaterThanOrEqualTo(0), {
        message: 'must not be negative: coins never offered for sale',
      })
      .prefault('0')
      .describe('Coins never offered for sale (a core position the grid keeps).'),
    max_fill_per_level: z
      .number()
      .int()
      .min(1, { message: 'must be at least 1' })
      .max(10)
      .default(1)
      .describe('How many grid units one level may hold before it stops buying.'),
    recon_interval_sec: reconIntervalSec(60).describe(
      'How often reconciliation runs (30, or whole minutes in seconds): it repairs orders and adopts what the exchange shows.',
    ),
    recompute_interval_sec: z
      .number()
      .int()
      .min(60)
      .default(3600)
      .describe(
        'How often computed levels (`atr`, `keyLevels`) are recomputed from fresh candles, in seconds.',
      ),
    risk_interval_sec: z
      .number()
      .int()
      .min(60)
      .default(300)
      .describe('How often the risk check (drawdown, heartbeat) runs, in seconds.'),
    order_action_timeout_sec: z
      .number()
      .int()
      .min(1)
      .max(600)
      .default(10)
      .describe(
        'How long one order placement or cancel may take before it is treated as unknown and looked up.',
      ),
    post_only: z
      .boolean()
      .default(true)
      .describe('Grid orders are maker-only (rejected rather than filled as taker).'),
    stop_loss: stopLossSchema
      .default(stopLossSchema.parse({}))
      .describe('The exchange-side stop protecting the holdings.'),
    rebuild: rebuildSchema
      .default(rebuildSchema.parse({}))
      .describe('Moving the grid onto new levels when the price drifts away (computed level sources).'),
    risk: klgRiskSchema
      .default(klgRiskSchema.parse({}))
      .describe('Risk limits checked every `risk_interval_sec`, and what a breach does.'),
    alert_on_fills: z.boolean().default(false).describe('Send an info alert for every fill.'),
    guards: instanceGuardsSchema
      .optional()
      .describe("The instance's own pre-trade limits (none by default)."),
  })
  .strict()
  .superRefine((c, ctx) => {
    const base = c.base_amount_per_grid !== undefined;
    const quote = c.quote_amount_per_grid !== undefined;
    if (base === quote)
      ctx.addIssue({
        code: 'custom',
        path: [base ? 'quote_amount_per_grid' : 'base_amount_per_grid'],
        message: base
          ? 'give the grid unit once: remove quote_amount_per_grid or base_amount_per_grid'
          : 'size the grid: give base_amount_per_grid (coins per support, e.g. 100) or quote_amount_per_grid (quote currency per support, e.g. 20)',
      });
  })
  // The same rule for editors reading the JSON Schema: exactly one of the two sizes.
  .meta({
    oneOf: ['base_amount_per_grid', 'quote_amount_per_grid'].map((field) => ({
      properties: { [field]: {} },
      required: [field],
    })),
  });

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
