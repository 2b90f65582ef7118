/**
 * Scheduled jobs (EventBridge Scheduler → Lambda, or the simulator's virtual scheduler): parse the
 * payload, fan out to one or every instance, and make a duplicate delivery do nothing twice: each
 * (job, instance, scheduled time, pass) is claimed once in the store before it runs.
 *
 * A failing instance does not stop the others; its failure is logged, counted (`<Job>Failures`) and
 * reported, and the alarm on that metric tells a human. The handler itself succeeds, so the scheduler
 * does not redeliver work that already ran.
 *
 * The second pass of a twice-a-minute recon carries the minute's scheduled time and `pass: 2`; it arrives
 * `SECOND_PASS_DELAY_MS` late by design (an SQS delivery delay on AWS, the virtual scheduler in a
 * simulation), so nothing here waits.
 */
import { z } from 'zod';
import type { InstanceConfig } from '../domain/config/deployment.js';
import { strategyOf } from '../domain/strategies/index.js';
import type { AppContext } from './context.js';

export const scheduledEventSchema = z
  .object({
    instanceId: z.string().min(1).default('*'),
    /** `<aws.scheduler.scheduled-time>`: the idempotency key of a delivery. */
    scheduledTime: z.string().min(1),
    /** Second pass of a twice-a-minute recon (delivered `SECOND_PASS_DELAY_MS` after the scheduled minute). */
    pass: z.union([z.literal(1), z.literal(2)]).default(1),
  })
  .passthrough();

export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;

/** What is wrong with a payload that failed `scheduledEventSchema`, one `path: problem` per issue. */
export function payloadError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** How long after its scheduled minute the second recon pass is delivered. */
export const SECOND_PASS_DELAY_MS = 30_000;
export type JobName = 'recon' | 'recompute' | 'risk';

export interface InstanceOutcome<R> {
  readonly instanceId: string;
  readonly status: 'done' | 'duplicate' | 'failed' | 'skipped';
  readonly result?: R;
  readonly error?: string;
}

const CLAIM_TTL_SECONDS = 2 * 24 * 3600;

export async function runScheduled<R>(
  ctx: AppContext,
  job: JobName,
  event: ScheduledEvent,
  run: (ctx: AppContext, instanceId: string, config: InstanceConfig) => Promise<R>,
): Promise<InstanceOutcome<R>[]> {
  const ids = ctx.instanceIds.filter((id) => event.instanceId === '*' || id === event.instanceId);
  const configs = await Promise.all(ids.map((id) => ctx.store.getConfig(id)));
  // Only instances whose strategy runs this job.
  const targets = configs.filter(
    (c): c is InstanceConfig => c?.enabled === true && strategyOf(c).jobs.includes(job),
  );
  if (event.instanceId !== '*' && targets.length === 0) {
    ctx.logger.warn('scheduled job for an unknown or disabled instance', { job, instance: event.instanceId });
  }
  if (event.pass === 2) {
    // Only instances that asked for 30-second recon get the second pass.
    const fast = targets.filter((c) => c.recon_interval_sec === 30);
    if (fast.length === 0) return targets.map((c) => ({ instanceId: c.id, status: 'skipped' }));
    targets.splice(0, targets.length, ...fast);
  }
  const outcomes: InstanceOutcome<R>[] = [];
  for (const config of targets) {
    const key = `${job}#${config.id}#${event.scheduledTime}#${event.pass}`;
    if (!(await ctx.store.claimOnce(key, CLAIM_TTL_SECONDS))) {
      outcomes.push({ instanceId: config.id, status: 'duplicate' });
      ctx.metrics.put('DuplicateDeliveries', 1, 'Count', { instance: config.id });
      continue;
    }
    try {
      outcomes.push({ instanceId: config.id, status: 'done', result: await run(ctx, config.id, config) });
    } catch (e) {
      const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      ctx.logger.error(`${job} failed`, { instance: config.id, error });
      ctx.metrics.put(`${job[0]!.toUpperCase()}${job.slice(1)}Failures`, 1, 'Count', { instance: config.id });
      ctx.metrics.put('Errors', 1, 'Count', { instance: config.id });
      outcomes.push({ instanceId: config.id, status: 'failed', error });
    }
  }
  return outcomes;
}
