/**
 * Simulation-only settings of a deployment config (`simulation:`): what `gridbot sim` needs besides the
 * accounts and instances it shares with AWS — starting balances, fees, symbol rules, the demo market.
 * AWS ignores the block; a config without it simulates with the defaults below.
 */
import { z } from 'zod';
import { configDecimal, positiveConfigDecimal, sentence } from '../schema-helpers.js';

const positive = (what: string) => positiveConfigDecimal(`: ${what}`).describe(sentence(what));
const nonNegative = (what: string) =>
  configDecimal
    .refine((d) => d.greaterThanOrEqualTo(0), { message: `must not be negative: ${what}` })
    .describe(sentence(what));
const feeRate = (what: string) =>
  configDecimal
    .refine((d) => d.greaterThan(-0.01) && d.lessThan(0.01), {
      message: `must be a fraction between -0.01 and 0.01: ${what}, e.g. 0.0002 for 0.02%`,
    })
    .describe(sentence(`${what}, e.g. 0.0002 for 0.02%`));

/** Symbol rules written in the config; they win over an exchangeInfo file and the built-in table. */
export const simSymbolRulesSchema = z
  .object({
    tick_size: positive('the price increment, e.g. 0.00001'),
    step_size: positive('the quantity increment in coins, e.g. 1'),
    min_qty: positive('the smallest order quantity in coins').optional(),
    max_qty: positive('the largest order quantity in coins').optional(),
    min_notional: nonNegative('the smallest order value in quote currency, e.g. 5'),
    maker_fee: feeRate('the maker fee rate').optional(),
    taker_fee: feeRate('the taker fee rate').optional(),
    max_num_orders: z.number().int().min(1).max(10_000).default(200),
  })
  .strict();
export type SimSymbolRules = z.infer<typeof simSymbolRulesSchema>;

export const demoMarketSchema = z
  .object({
    /** First candle's open time (ISO 8601, UTC). */
    start: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), {
        message: 'must be an ISO 8601 time, e.g. 2025-01-06T00:00:00Z',
      })
      .default('2025-01-06T00:00:00Z'),
    days: z.number().positive().max(90, { message: 'at most 90 days of demo market' }).default(3),
    seed: z.number().int().min(0).default(7),
    prices: z
      .record(z.string(), positive('opening price of the demo market'))
      .default({})
      .describe("Opening price per ccxt symbol; default: the middle of the instance's manual levels."),
    daily_volatility: configDecimal
      .refine((d) => d.greaterThan(0) && d.lessThan(1), { message: 'must be in (0, 1), e.g. 0.06' })
      .prefault('0.06')
      .describe('Daily volatility of the path as a fraction, e.g. 0.04.'),
  })
  .strict();
export type DemoMarketConfig = z.infer<typeof demoMarketSchema>;

export const simulationSchema = z
  .object({
    balances: z
      .record(z.string(), z.record(z.string(), nonNegative('a starting balance')))
      .default({})
      .describe(
        'Wallet balances at the start per account id and asset; default 10 000 of each settlement asset.',
      ),
    fees: z
      .record(
        z.string(),
        z.object({ maker: feeRate('the maker fee rate'), taker: feeRate('the taker fee rate') }).strict(),
      )
      .default({})
      .describe("Fee rates per quote asset; default Binance's: USDT 0.0002 / 0.0005, USDC 0 / 0.0004."),
    slippage: configDecimal
      .refine((d) => d.greaterThanOrEqualTo(0) && d.lessThan(0.1), {
        message: 'must be in [0, 0.1), e.g. 0.0002',
      })
      .prefault('0')
      .describe('Market-order and stop slippage as a fraction.'),
    exchange_info: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A Binance `GET /fapi/v1/exchangeInfo` body to take symbol rules from (path relative to the config file).',
      ),
    symbols: z
      .record(z.string(), simSymbolRulesSchema)
      .default({})
      .describe(
        'Symbol rules per ccxt symbol, e.g. `"DOGE/USDC:USDC": { tick_size: 0.00001, step_size: 1, ... }`.',
      ),
    heartbeat_interval_sec: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(60)
      .describe('How often the stream worker writes its heartbeat in the simulation.'),
    seed: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe("Seeds the jitter of conflict backoff (the application's `random`)."),
    demo_market: demoMarketSchema.prefault({}),
    positions: z
      .array(
        z
          .object({
            account: z.string().min(1, { message: 'name the account (from `accounts`) that holds it' }),
            symbol: z.string().min(1, { message: 'give the market as a ccxt symbol, e.g. "BTC/USDT:USDT"' }),
            side: z.enum(['LONG', 'SHORT']),
            qty: positive('the position in coins, e.g. 0.05'),
          })
          .strict(),
      )
      .max(50)
      .default([])
      .describe(
        'Positions opened by hand (one market order each) when the bot starts: what a closer works down, or what a grid finds on its account. Hedge mode: each on its position side.',
      ),
  })
  .strict();

export type SimulationConfig = z.infer<typeof simulationSchema>;
