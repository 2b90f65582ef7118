/**
 * Errors of the market-analysis module. They are thrown for input that breaks a precondition (candles out
 * of order, too few candles, a channel that reaches below zero): the caller cannot trade on such output, so
 * it must keep its previous parameters and report the `reason`. Expected business outcomes that a caller
 * routinely handles (a balance too small for the exchange minimum) are typed results instead, see
 * `gridParameters`.
 */
export type AnalysisErrorReason =
  | 'bad_candles'
  | 'not_enough_candles'
  | 'bad_input'
  | 'invalid_channel'
  | 'no_levels'
  | 'grid_infeasible';

export class AnalysisError extends Error {
  override readonly name = 'AnalysisError';
  constructor(
    readonly reason: AnalysisErrorReason,
    message: string,
  ) {
    super(message);
  }
}
