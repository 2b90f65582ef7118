/**
 * Risk Lambda (every `risk_interval_sec`): stop present and covering, counters vs holdings, ledger vs
 * position, drawdown from the equity peak, stream heartbeat; alert or pause per config.
 */
import { runRiskCheck } from '../../shared/application/risk-check.js';
import { scheduledHandler } from '../../shared/composition/lambda.js';

export const handler = scheduledHandler('risk', runRiskCheck);
