/**
 * The closer strategy's instance config: an account whose positions are worked down on the symbols its
 * `symbols` names (each with its overrides of the closer's settings, `{}` for none), on the position sides
 * `sides` lists, under soft rate limits. The settings themselves are the engine's (`domain/closer/params.ts`).
 */
import { z } from 'zod';
import { INSTANCE_ID_PATTERN } from '../../client-order-id.js';
import { closerSettingsSchema } from '../../closer/params.js';
import { instanceGuardsSchema } from '../../guards/instance-guards.js';
import { reconIntervalSec } from '../../schema-helpers.js';

export {
  CLOSER_DEFAULTS,
  type CloserSettings,
  closerSettingsSchema,
  paramsFor,
} from '../../closer/params.js';

export const CLOSER = 'closer';

const symbolKey = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,10}:[A-Z0-9]{1,10}$/;

export const closerConfigSchema = z
  .object({
    id: z
      .string()
      .regex(INSTANCE_ID_PATTERN, {
        message:
          'must be 1-12 lowercase letters or digits (it is embedded in client order ids), e.g. "btcclose"',
      })
      .describe(
        'Instance id: 1–12 lowercase letters or digits, unique in the file (it is embedded in client order ids).',
      ),
    strategy: z
      .literal(CLOSER)
      .describe('The reduce-only closer: works the positions of an account down in slices.'),
    enabled: z
      .boolean()
      .default(true)
      .describe('Off: the instance is deployed but does nothing (no orders, no jobs).'),
    account: z
      .string()
      .min(1, { message: 'name the account (from `accounts`) whose positions are closed' })
      .describe('The account (an `accounts[].id`) whose positions are closed.'),
    sides: z
      .array(z.enum(['LONG', 'SHORT']))
      .min(1, { message: 'name at least one position side to close: LONG, SHORT or both' })
      .refine((a) => new Set(a).size === a.length, { message: 'name each position side once' })
      .default(['LONG', 'SHORT'])
      .describe('Position sides to close.'),
    recon_interval_sec: reconIntervalSec(30).describe(
      'How often reconciliation runs (30, or whole minutes in seconds).',
    ),
    rate_limit: z
      .object({
        max_orders_per_sec: z
          .number()
          .int()
          .min(1, { message: 'must be at least 1: slices placed per second (risk orders are not counted)' })
          .max(50)
          .default(5),
        max_cancels_per_sec: z
          .number()
          .int()
          .min(1, { message: 'must be at least 1: cancels per second (risk orders are not counted)' })
          .max(50)
          .default(5),
      })
      .strict()
      .prefault({}),
    execution: closerSettingsSchema.shape.execution,
    accel: closerSettingsSchema.shape.accel,
    roi: closerSettingsSchema.shape.roi,
    risk: closerSettingsSchema.shape.risk,
    symbols: closerSettingsSchema.shape.symbols
      .refine((m) => Object.keys(m).length > 0 && Object.keys(m).every((k) => symbolKey.test(k)), {
        message:
          'list each market to close as a ccxt linear-swap symbol with its overrides (`{}` for none), e.g. "BTC/USDT:USDT": {}',
      })
      .describe(
        'Markets to close, each with its overrides of `execution`, `accel`, `roi`, `risk` (`{}` for none).',
      ),
    /** The instance's own pre-trade limits (none by default). */
    guards: instanceGuardsSchema.optional(),
  })
  .strict();

export type CloserConfig = z.infer<typeof closerConfigSchema>;
