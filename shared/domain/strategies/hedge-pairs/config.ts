/**
 * The hedge pairs' instance config (`strategy: hedge_pairs`, SPEC §5, seed 004): pairs of accounts on one
 * market, each pair holding equal and opposite positions of `notional_usd` per leg (the first account of a
 * pair long, the second short), a combined-PnL stop per pair, an exchange-side stop on every leg, how a
 * half-filled pair is settled, an optional rotation, and how errors are retried.
 */
import { z } from 'zod';
import { INSTANCE_ID_PATTERN } from '../../client-order-id.js';
import { instanceGuardsSchema } from '../../guards/instance-guards.js';
import { dec } from '../../money.js';
import { boundedConfigDecimal, positiveConfigDecimal, reconIntervalSec } from '../../schema-helpers.js';

export const HEDGE_PAIRS = 'hedge_pairs';

const account = (what: string) =>
  z.string().min(1, { message: `name the account (from \`accounts\`) that holds the ${what} leg` });

export const hedgePairsConfigSchema = z
  .object({
    id: z
      .string()
      .regex(INSTANCE_ID_PATTERN, {
        message:
          'must be 1-12 lowercase letters or digits (it is embedded in client order ids), e.g. "btcpairs"',
      })
      .describe(
        'Instance id: 1–12 lowercase letters or digits, unique in the file (it is embedded in client order ids).',
      ),
    strategy: z
      .literal(HEDGE_PAIRS)
      .describe('Hedge pairs: equal and opposite positions on pairs of accounts.'),
    enabled: z
      .boolean()
      .default(true)
      .describe('Off: the instance is deployed but does nothing (no orders, no jobs).'),
    symbol: z
      .string()
      .regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,10}:[A-Z0-9]{1,10}$/, {
        message: 'must be a ccxt linear-swap symbol, e.g. "BTC/USDT:USDT"',
      })
      .describe(
        'The market as a ccxt linear-swap symbol, BASE/QUOTE:SETTLE in capitals, e.g. `DOGE/USDC:USDC`.',
      ),
    /** Each pair: the account that goes long and the one that goes short (hedge-mode accounts). */
    pairs: z
      .array(
        z
          .object({
            long: account('long'),
            short: account('short'),
            stop_loss_threshold: positiveConfigDecimal(' (USD), e.g. 20')
              .optional()
              .describe("This pair's own loss threshold (USD), instead of the instance's."),
          })
          .strict(),
      )
      .min(1, { message: 'list at least one pair, e.g. [{long: a1, short: a2}]' })
      .max(20, {
        message:
          'at most 20 pairs (40 accounts) per instance (one stored item holds them all); split larger sets into instances',
      }),
    notional_usd: positiveConfigDecimal(' (USD per leg), e.g. 200').describe(
      'Size of each leg in quote currency (USD): the pair opens this much long and this much short.',
    ),
    leverage: z
      .number()
      .int({ message: 'must be a whole number between 1 and 100, e.g. 10' })
      .min(1, { message: 'must be between 1 and 100, e.g. 10' })
      .max(100, { message: 'must be between 1 and 100, e.g. 10' })
      .describe('Leverage set on every account of the instance before it opens.'),
    stop_loss_threshold: positiveConfigDecimal(
      ' (USD, the combined loss of a pair that closes it), e.g. 20',
    ).describe('A pair whose combined unrealized PnL falls below minus this (USD) closes both legs.'),
    protective_stop_pct: boundedConfigDecimal('0.1', '90', ' (percent from the entry), e.g. 5')
      .prefault('5')
      .describe(
        "Each leg's exchange-side stop, this far (percent) from its entry: it closes the leg if we are gone.",
      ),
    max_slippage_pct: boundedConfigDecimal('0.01', '5', ' (percent), e.g. 0.5')
      .prefault('0.5')
      .describe('How far through the price (percent) an opening order may fill (they are IOC limit orders).'),
    partial_fill: z
      .object({
        action: z
          .enum(['unwind', 'hedge'])
          .default('unwind')
          .describe(
            '`unwind` closes what the filled leg holds beyond its partner; `hedge` tops the partner up.',
          ),
        after_sec: z
          .number()
          .int()
          .min(1, { message: 'must be at least 1 (seconds), e.g. 10' })
          .max(600, { message: 'must be at most 600 (seconds): a naked leg must not wait longer' })
          .default(10),
        hedge_attempts: z
          .number()
          .int()
          .min(1)
          .max(10)
          .default(3)
          .describe('Top-ups a `hedge` tries before it unwinds after all.'),
      })
      .strict()
      .prefault({})
      .describe('A leg that filled while its partner did not: settled within `after_sec`, never left naked.'),
    rotation: z
      .object({
        hold_minutes: z
          .number()
          .int()
          .min(1, { message: 'must be at least 1 (minutes), e.g. 60' })
          .max(43_200, { message: 'must be at most 43200 (30 days)' }),
        shuffle: z
          .boolean()
          .default(false)
          .describe('Re-pair the long and short accounts at random when every pair is flat again.'),
        reopen_delay_sec: z
          .number()
          .int()
          .min(5)
          .max(3600)
          .default(30)
          .describe("How long a flat pair waits before it reopens (lets the closer's hand-over end first)."),
      })
      .strict()
      .optional()
      .describe(
        'Hold, close both legs, reopen (optionally re-pairing the accounts): for turnover. Absent: hold.',
      ),
    close_urgency: z
      .object({
        stop_loss: z.enum(['normal', 'emergency']).default('emergency'),
        rotation: z.enum(['normal', 'emergency']).default('normal'),
      })
      .strict()
      .prefault({})
      .describe(
        "How a pair's legs are closed by the closer: `emergency` (panic tiers) or `normal` (maker first).",
      ),
    retry: z
      .object({
        base_backoff_sec: z.number().int().min(1).max(60).default(1),
        max_backoff_sec: z.number().int().min(1).max(3600).default(60),
        alert_after: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(5)
          .describe('Consecutive recoverable errors of a pair before a human is told (it keeps retrying).'),
      })
      .strict()
      .prefault({})
      .describe(
        'Recoverable errors (network, rate limit, 5xx): retried with exponential backoff up to `max_backoff_sec`.',
      ),
    recon_interval_sec: reconIntervalSec(30),
    guards: instanceGuardsSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Map<string, string>();
    c.pairs.forEach((p, i) => {
      for (const side of ['long', 'short'] as const) {
        const where = `pairs[${i}].${side}`;
        const before = seen.get(p[side]);
        if (before)
          ctx.addIssue({
            code: 'custom',
            path: ['pairs', i, side],
            message: `account "${p[side]}" is already in ${before}: each account belongs to one pair`,
          });
        else seen.set(p[side], where);
      }
    });
    // The stop must sit before liquidation: at leverage L an isolated position liquidates about 100/L %
    // from its entry, less the maintenance margin.
    const liq = dec(100).dividedBy(c.leverage);
    const most = liq.times('0.8');
    if (c.protective_stop_pct.greaterThanOrEqualTo(most))
      ctx.addIssue({
        code: 'custom',
        path: ['protective_stop_pct'],
        message: `must be below ${most.toFixed(2)} at leverage ${c.leverage} (liquidation is about ${liq.toFixed(2)}% from the entry): lower it or the leverage`,
      });
    if (c.retry.max_backoff_sec < c.retry.base_backoff_sec)
      ctx.addIssue({
        code: 'custom',
        path: ['retry', 'max_backoff_sec'],
        message: 'must be at least base_backoff_sec',
      });
  });

export type HedgePairsConfig = z.infer<typeof hedgePairsConfigSchema>;
