/**
 * Recon Lambda (EventBridge Scheduler, every `recon_interval_sec`): one reconciliation pass per targeted
 * instance. Payload `{ instanceId: "<id>" | "*", scheduledTime, pass? }`; a duplicate delivery does nothing.
 */
import { JOB_SERVICES } from '../../shared/application/jobs.js';
import { scheduledHandler } from '../../shared/composition/lambda.js';

// Recon reads the instance's config itself, when it runs (not the copy listed before a pass-2 sleep or
// before the instances ahead of it): a config changed meanwhile (disabled, say) is honoured at once.
export const handler = scheduledHandler('recon', (ctx, instanceId) => JOB_SERVICES.recon(ctx, instanceId));
