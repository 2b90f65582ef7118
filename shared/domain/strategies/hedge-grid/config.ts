/**
 * The ATR hedge grid's instance config (`strategy: atr_hedge_grid`, SPEC §3): one symbol, a long leg on
 * `accounts.long` and a short leg on `accounts.short` (leave `short` out for single-account mode: the long
 * leg only), one parameter set (`grid`), the executors' order flow (`executor`), the pre-flight's balance
 * rule (`preflight`) and the risk controller's limits and what each breach does (`risk`).
 */
import { z } from 'zod';
import { INSTANCE_ID_PATTERN } from '../../client-order-id.js';
import { smoothingSchema, timeframeSchema } from '../../config/level-source.js';
import { instanceGuardsSchema } from '../../guards/instance-guards.js';
import { boundedConfigDecimal, positiveConfigDecimal, reconIntervalSec } from '../../schema-helpers.js';

export const HEDGE_GRID = 'atr_hedge_grid';

const fraction = (hint: string) => boundedConfigDecimal('0', '1', hint);

/** What a breach of one risk limit does (SPEC §3.3): tell a human, stop opening, or flatten both legs. */
export const breachActionSchema = z.enum(['alert', 'stop_opening', 'emergency']);
export type BreachAction = z.infer<typeof breachActionSchema>;

export const hedgeGridConfigSchema = z
  .object({
    id: z
      .string()
      .regex(INSTANCE_ID_PATTERN, {
        message:
          'must be 1-12 lowercase letters or digits (it is embedded in client order ids), e.g. "dogehedge"',
      })
      .describe(
        'Instance id: 1–12 lowercase letters or digits, unique in the file (it is embedded in client order ids).',
      ),
    strategy: z
      .literal(HEDGE_GRID)
      .describe('The ATR hedge grid: a long grid and a short grid over one ATR channel.'),
    enabled: z
      .boolean()
      .default(true)
      .describe('Off: the instance is deployed but does nothing (no orders, no jobs).'),
    symbol: z
      .string()
      .regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,10}:[A-Z0-9]{1,10}$/, {
        message: 'must be a ccxt linear-swap symbol, e.g. "DOGE/USDC:USDC"',
      })
      .describe(
        'The market as a ccxt linear-swap symbol, BASE/QUOTE:SETTLE in capitals, e.g. `DOGE/USDC:USDC`.',
      ),
    accounts: z
      .object({
        long: z.string().min(1, { message: 'name the account (from `accounts`) that holds the long grid' }),
        /** Absent: single-account mode, the long leg only. */
        short: z.string().min(1).optional(),
      })
      .strict()
      .refine((a) => a.short === undefined || a.short !== a.long, {
        message:
          'the long and short legs need two different accounts (one hedge-mode account cannot hold both grids apart); leave `short` out for single-account mode',
        path: ['short'],
      }),
    recon_interval_sec: reconIntervalSec(30),
    recompute_interval_sec: z.number().int().min(60).default(3600),
    risk_interval_sec: z
      .number()
      .int()
      .min(60)
      .default(60)
      .describe("The risk controller's cycle (never skipped: every run checks every limit)."),
    grid: z
      .object({
        timeframe: timeframeSchema.default('1h'),
        atr_period: z.number().int().min(1).max(500).default(14),
        smoothing: smoothingSchema.default('RMA'),
        atr_multiplier: positiveConfigDecimal(', e.g. 2 (the channel is last high/low ± k·ATR)').prefault(
          '2',
        ),
        candles: z.number().int().min(20).max(5000).default(100),
        target_profit_rate: fraction(' (e.g. 0.002 for 0.2% per cycle)').prefault('0.002'),
        min_levels: z.number().int().min(2).default(4),
        max_levels: z.number().int().min(2).max(200).default(100),
        safety_factor: boundedConfigDecimal('0.1', '1', ' (SPEC default 0.8)').prefault('0.8'),
        max_leverage: z.number().int().min(1).max(125).default(10),
        regrid_on: z
          .enum(['channel_exit', 'always'])
          .default('channel_exit')
          .describe(
            'When a recompute writes a new version: `channel_exit` (default) only once the price has left the channel in force (the grid stays put while the market ranges in it); `always` on every recompute whose figures differ.',
          ),
        stop_spacings: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(1)
          .describe(
            "Where each leg's exchange-side stop sits: this many spacings beyond the channel (the long leg's below `lower`, the short leg's above `upper`), never nearer liquidation than 2%. One is the seed's stop line at the channel; more gives a recompute time to move the grid after a breakout.",
          ),
        balance_usage: boundedConfigDecimal('0.01', '1', ' (e.g. 0.9: size on 90% of the balance)')
          .prefault('0.9')
          .describe("Share of the smaller account's available balance the grid sizes on."),
      })
      .strict()
      .prefault({})
      .superRefine((g, ctx) => {
        if (g.candles < g.atr_period + 1)
          ctx.addIssue({
            code: 'custom',
            path: ['candles'],
            message: `must be at least atr_period + 1 (${g.atr_period + 1}): the first candle only provides a previous close`,
          });
        if (g.max_levels < g.min_levels)
          ctx.addIssue({ code: 'custom', path: ['max_levels'], message: 'must be at least min_levels' });
      }),
    executor: z
      .object({
        max_open_orders: z.number().int().min(1).max(50).default(4),
        max_orders_per_batch: z.number().int().min(1).max(20).default(2),
        order_frequency_sec: z
          .number()
          .min(0)
          .max(3600)
          .default(3)
          .describe('Seconds between two batches of opening orders on a leg.'),
        activation_bounds: fraction(' (e.g. 0.02: only levels within 2% of the price)')
          .optional()
          .describe('Only keep opening orders within this fraction of the price (absent: every level).'),
        upper_lower_ratio: fraction(' (0.5: half above the price, half below)')
          .prefault('0.5')
          .describe("Share of a leg's opening orders placed on levels above the price (the rest below)."),
        safe_extra_spread: fraction(' (e.g. 0.001: 0.1% off the book when a price would cross it)').prefault(
          '0.001',
        ),
        max_consecutive_rejections: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(5)
          .describe(
            "Consecutive refusals of a leg's orders after which the leg has failed (the sync rule flattens).",
          ),
      })
      .strict()
      .prefault({}),
    preflight: z
      .object({
        balance_tolerance_pct: fraction(' (e.g. 0.05: the balances within 5% of each other)').prefault(
          '0.05',
        ),
        transfer: z
          .boolean()
          .default(true)
          .describe('Move funds between the two accounts when they differ and the venue and keys allow it.'),
      })
      .strict()
      .prefault({}),
    risk: z
      .object({
        max_drawdown_pct: fraction(' (e.g. 0.15: 15% below the equity peak)').prefault('0.15'),
        max_leverage: positiveConfigDecimal(' (gross exposure / equity, e.g. 10)').prefault('10'),
        max_position_imbalance_pct: fraction(' (e.g. 0.5)')
          .prefault('0.1')
          .describe(
            "|long − short| as a share of both grids' capacity (2 × levels × amount per level); at least one level of net is always allowed.",
          ),
        min_margin_ratio: fraction(' (margin balance over what it must cover, e.g. 0.2)').prefault('0.2'),
        actions: z
          .object({
            drawdown: breachActionSchema.default('emergency'),
            leverage: breachActionSchema.default('stop_opening'),
            imbalance: breachActionSchema.default('stop_opening'),
            margin: breachActionSchema.default('emergency'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    guards: instanceGuardsSchema.optional(),
  })
  .strict();

export type HedgeGridConfig = z.infer<typeof hedgeGridConfigSchema>;
