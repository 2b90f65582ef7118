/**
 * Risk Lambda (every `risk_interval_sec`): stop present and covering, counters vs holdings, ledger vs
 * position, drawdown from the equity peak, stream heartbeat; alert or pause per config.
 */
import { JOB_SERVICES } from '../../shared/application/jobs.js';
import { scheduledHandler } from '../../shared/composition/lambda.js';

export const handler = scheduledHandler('risk', JOB_SERVICES.risk);
