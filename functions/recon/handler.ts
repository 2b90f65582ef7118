/**
 * Recon Lambda (EventBridge Scheduler, every `recon_interval_sec`): one reconciliation pass per targeted
 * instance. Payload `{ instanceId: "<id>" | "*", scheduledTime, pass? }`; a duplicate delivery does nothing.
 */
import { JOB_SERVICES } from '../../shared/application/jobs.js';
import { scheduledHandler } from '../../shared/composition/lambda.js';

export const handler = scheduledHandler('recon', JOB_SERVICES.recon);
