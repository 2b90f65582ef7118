/**
 * An instance's own pre-trade limits, one schema every strategy's config includes under `guards` (the
 * account-wide ones are under the account in the deployment config).
 */
import { z } from 'zod';
import type { Decimal } from '../money.js';
import { configDecimal } from '../schema-helpers.js';

export const instanceGuardsSchema = z
  .object({
    /** Largest notional (quote currency) the instance may hold and bid for on its opening side; none by default. */
    max_position_notional: configDecimal
      .refine((d) => d.greaterThan(0), { message: 'must be greater than 0, e.g. 2000' })
      .optional(),
  })
  .strict();

export interface InstanceGuards {
  readonly max_position_notional?: Decimal | undefined;
}
