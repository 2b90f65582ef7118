/** The application service behind each scheduled job, as the Lambdas, the local runner and the simulator call it. */
import type { AppContext } from './context.js';
import { recomputeParams } from './recompute-params.js';
import { reconcileInstance } from './reconcile-instance.js';
import { runRiskCheck } from './risk-check.js';
import type { JobName } from './scheduled.js';

export const JOB_SERVICES: Readonly<
  Record<JobName, (ctx: AppContext, instanceId: string) => Promise<unknown>>
> = {
  recon: reconcileInstance,
  recompute: recomputeParams,
  risk: runRiskCheck,
};
