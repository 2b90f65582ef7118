/** The application service behind each scheduled job, as the Lambdas, the local runner and the simulator call it. */
import type { KlgConfig } from '../domain/strategies/klg/config.js';
import type { AppContext } from './context.js';
import { recomputeParams } from './recompute-params.js';
import { reconcileInstance } from './reconcile-instance.js';
import { runRiskCheck } from './risk-check.js';
import type { JobName } from './scheduled.js';

/** Each takes the instance's config when the scheduler has just listed it, so it need not read it again. */
export const JOB_SERVICES: Readonly<
  Record<JobName, (ctx: AppContext, instanceId: string, config?: KlgConfig) => Promise<unknown>>
> = {
  recon: (ctx, instanceId, config) => reconcileInstance(ctx, instanceId, config ? { config } : {}),
  recompute: recomputeParams,
  risk: runRiskCheck,
};
