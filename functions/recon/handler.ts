/**
 * Recon Lambda (EventBridge Scheduler, every `recon_interval_sec`): one reconciliation pass per targeted
 * instance. Payload `{ instanceId: "<id>" | "*", scheduledTime, pass? }`; a duplicate delivery does nothing.
 */
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import { scheduledHandler } from '../../shared/composition/lambda.js';

export const handler = scheduledHandler('recon', reconcileInstance);
