/**
 * Recon Lambda: one reconciliation pass per targeted instance. Invoked by EventBridge Scheduler (every
 * `recon_interval_sec`) with `{ instanceId: "<id>" | "*", scheduledTime, pass? }`, or by the second-pass
 * queue (a 30-second recon) with SQS records whose body is that payload; a duplicate delivery does nothing.
 */
import { JOB_SERVICES } from '../../shared/application/jobs.js';
import { scheduledHandler } from '../../shared/composition/lambda.js';

// Recon reads the instance's config itself, when it runs (not the copy listed before the instances ahead
// of it): a config changed meanwhile (disabled, say) is honoured at once.
export const handler = scheduledHandler('recon', (ctx, instanceId) => JOB_SERVICES.recon(ctx, instanceId));
