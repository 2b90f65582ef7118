/**
 * The shape every scheduled Lambda shares: parse the EventBridge Scheduler payload, run one application
 * service for the targeted instances (each claimed once per scheduled time), log a summary, flush metrics.
 * A malformed event is logged, counted and answered without throwing (redelivering it would not fix it).
 * Every answer goes through the redactor (`redactedAnswer`): it may quote an exchange's error body, and
 * Lambda keeps answers in places no log filter sees (the invoker, async destinations, the console).
 */

import { processRedactor } from '../adapters/logging/index.js';
import type { AppContext } from '../application/context.js';
import {
  type InstanceOutcome,
  type JobName,
  runScheduled,
  scheduledEventSchema,
} from '../application/scheduled.js';
import { liveRuntime } from './live.js';

/** A handler's answer with every credential value and secret-shaped field removed. */
export function redactedAnswer<T>(answer: T): T {
  return processRedactor.sanitize(answer) as T;
}

export interface LambdaContextLike {
  readonly awsRequestId?: string;
  readonly functionName?: string;
}

export interface ScheduledResult<R> {
  readonly ok: boolean;
  readonly job: JobName;
  readonly error?: string;
  readonly outcomes: readonly InstanceOutcome<R>[];
}

export function scheduledHandler<R>(
  job: JobName,
  service: (ctx: AppContext, instanceId: string) => Promise<R>,
) {
  return async (event: unknown, context?: LambdaContextLike): Promise<ScheduledResult<R>> =>
    redactedAnswer(await run(event, context));
  async function run(event: unknown, context?: LambdaContextLike): Promise<ScheduledResult<R>> {
    const rt = await liveRuntime(job);
    const logger = rt.logger.child({ job, requestId: context?.awsRequestId ?? null });
    const parsed = scheduledEventSchema.safeParse(event);
    if (!parsed.success) {
      const error = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      logger.error('malformed scheduler event', { error });
      rt.metrics.put('BadEvents', 1, 'Count', { job });
      await rt.metrics.flush();
      return { ok: false, job, error, outcomes: [] };
    }
    let outcomes: Awaited<ReturnType<typeof runScheduled<R>>>;
    try {
      outcomes = await runScheduled(rt.ctx, job, parsed.data, service);
    } finally {
      // Alerts held back for a batch (Telegram) leave before the invocation ends, whatever happened.
      await rt.ctx.notifier.flush?.();
    }
    logger.info(`${job} done`, {
      scheduledTime: parsed.data.scheduledTime,
      done: outcomes.filter((o) => o.status === 'done').length,
      duplicate: outcomes.filter((o) => o.status === 'duplicate').length,
      failed: outcomes.filter((o) => o.status === 'failed').map((o) => o.instanceId),
    });
    await rt.metrics.flush();
    return { ok: outcomes.every((o) => o.status !== 'failed'), job, outcomes };
  }
}
