/**
 * The application service behind each scheduled job, as the Lambdas, the local runner and the simulator
 * call it: recon is the shell's own; the others belong to the instance's strategy runtime (an instance
 * whose strategy has no such job is skipped).
 */
import type { InstanceConfig } from '../domain/config/deployment.js';
import type { AppContext } from './context.js';
import { flattenInstance } from './flatten.js';
import { loadConfig } from './instance.js';
import { reconcileInstance } from './reconcile-instance.js';
import type { JobName } from './scheduled.js';
import { runtimeOf } from './strategies/index.js';
import type { Shell } from './strategies/runtime.js';

/** What a strategy runtime may call back. */
export const SHELL: Shell = { reconcile: reconcileInstance, flatten: flattenInstance };

export type JobService = (ctx: AppContext, instanceId: string, config?: InstanceConfig) => Promise<unknown>;

function runtimeJob(job: Exclude<JobName, 'recon'>): JobService {
  return async (ctx, instanceId, known) => {
    const config = await loadConfig(ctx, instanceId, known);
    const run = runtimeOf(config).jobs[job];
    if (!run) return { instanceId, skipped: `${job} is not a job of strategy ${config.strategy}` };
    return run(ctx, instanceId, config, SHELL);
  };
}

/** Each takes the instance's config when the scheduler has just listed it, so it need not read it again. */
export const JOB_SERVICES: Readonly<Record<JobName, JobService>> = {
  recon: (ctx, instanceId, config) => reconcileInstance(ctx, instanceId, config ? { config } : {}),
  recompute: runtimeJob('recompute'),
  risk: runtimeJob('risk'),
};
