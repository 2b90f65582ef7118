/**
 * Recompute Lambda (every `recompute_interval_sec`): candles → ATR / key levels → a new PARAMS version when
 * the levels changed; a drift rebuild when enabled and due.
 */
import { JOB_SERVICES } from '../../shared/application/jobs.js';
import { scheduledHandler } from '../../shared/composition/lambda.js';

export const handler = scheduledHandler('recompute', JOB_SERVICES.recompute);
