/**
 * An instance's own pre-trade limits, one schema every strategy's config includes under `guards` (the
 * account-wide ones are under the account in the deployment config).
 */
import { z } from 'zod';
import { type Decimal, dec } from '../money.js';
import { boundedConfigDecimal, positiveConfigDecimal } from '../schema-helpers.js';

export const instanceGuardsSchema = z
  .object({
    /** Largest notional (quote currency) the instance may hold and bid for on its opening side; none by default. */
    max_position_notional: positiveConfigDecimal(', e.g. 2000').optional(),
    budget: positiveConfigDecimal(' (quote currency), e.g. 500')
      .optional()
      .describe(
        'The capital (quote currency) the instance may commit as margin: its positions and its live opening orders, at `budget_leverage`, may not use more than the budget plus its realized PnL. None by default.',
      ),
    budget_leverage: boundedConfigDecimal('1', '125', ', e.g. 3')
      .default(dec('1'))
      .describe('The leverage the budget is counted at: margin = notional ÷ budget_leverage.'),
  })
  .strict();

export interface InstanceGuards {
  readonly max_position_notional?: Decimal | undefined;
  readonly budget?: Decimal | undefined;
  readonly budget_leverage?: Decimal | undefined;
}
