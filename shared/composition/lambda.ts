/**
 * The shape every scheduled Lambda shares: parse the payload, run one application service for the
 * targeted instances (each claimed once per scheduled time and pass), log a summary, flush metrics.
 *
 * The payload comes straight from EventBridge Scheduler, or as the body of SQS records (the delayed second
 * recon pass: an event source mapping with batch item failures). Either way:
 *  - a malformed payload is logged, counted (`BadEvents`) and answered without throwing, and a malformed
 *    record is dropped, not reported as failed: redelivering it would not fix it;
 *  - a record past its useful age (`queued-delivery.ts`) is dropped, logged and counted (`LateDeliveries`);
 *  - a record whose run threw (before the service could count a failure itself: no config, the store
 *    unreachable) is reported as a batch item failure, which the queue's redrive sends to the alarmed
 *    dead-letter queue on its next receive.
 * Every answer goes through the redactor (`redactedAnswer`): it may quote an exchange's error body, and
 * Lambda keeps answers in places no log filter sees (the invoker, async destinations, the console).
 */

import { processRedactor } from '../adapters/logging/index.js';
import type { AppContext } from '../application/context.js';
import { isQueueEvent, type QueueEvent, readQueuedDelivery } from '../application/queued-delivery.js';
import {
  type InstanceOutcome,
  type JobName,
  payloadError,
  runScheduled,
  type ScheduledEvent,
  scheduledEventSchema,
} from '../application/scheduled.js';
import type { Logger } from '../ports/logger.js';
import { type LiveRuntime, liveRuntime } from './live.js';

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

/** What an SQS event source mapping with `ReportBatchItemFailures` reads back: the records to retry. */
export interface QueueBatchAnswer {
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
}

export function scheduledHandler<R>(
  job: JobName,
  service: (ctx: AppContext, instanceId: string) => Promise<R>,
) {
  return async (
    event: unknown,
    context?: LambdaContextLike,
  ): Promise<ScheduledResult<R> | QueueBatchAnswer> =>
    redactedAnswer(isQueueEvent(event) ? await fromQueue(event, context) : await direct(event, context));

  async function direct(event: unknown, context?: LambdaContextLike): Promise<ScheduledResult<R>> {
    const rt = await liveRuntime(job);
    const logger = rt.logger.child({ job, requestId: context?.awsRequestId ?? null });
    const parsed = scheduledEventSchema.safeParse(event);
    if (!parsed.success) {
      const error = payloadError(parsed.error);
      logger.error('malformed scheduler event', { error });
      rt.metrics.put('BadEvents', 1, 'Count', { job });
      await rt.metrics.flush();
      return { ok: false, job, error, outcomes: [] };
    }
    const outcomes = await runOne(rt, logger, parsed.data);
    await rt.metrics.flush();
    return { ok: outcomes.every((o) => o.status !== 'failed'), job, outcomes };
  }

  async function fromQueue(event: QueueEvent, context?: LambdaContextLike): Promise<QueueBatchAnswer> {
    const rt = await liveRuntime(job);
    const failed: { itemIdentifier: string }[] = [];
    try {
      for (const record of event.Records) {
        const logger = rt.logger.child({
          job,
          requestId: context?.awsRequestId ?? null,
          messageId: record.messageId,
        });
        const read = readQueuedDelivery(record, rt.ctx.clock.now());
        if (read.kind === 'malformed') {
          logger.error('malformed queued delivery dropped', { error: read.error });
          rt.metrics.put('BadEvents', 1, 'Count', { job });
          continue;
        }
        if (read.kind === 'late') {
          logger.warn('late delivery dropped: a newer pass has it', {
            instance: read.event.instanceId,
            scheduledTime: read.event.scheduledTime,
            pass: read.event.pass,
            lateSec: Math.round(read.lateMs / 1000),
          });
          rt.metrics.put('LateDeliveries', 1, 'Count', { job });
          continue;
        }
        try {
          await runOne(rt, logger, read.event);
        } catch (e) {
          logger.error(`${job} delivery failed before it could run`, { error: e });
          failed.push({ itemIdentifier: record.messageId });
        }
      }
    } finally {
      await rt.metrics.flush();
    }
    return { batchItemFailures: failed };
  }

  async function runOne(
    rt: LiveRuntime,
    logger: Logger,
    event: ScheduledEvent,
  ): Promise<InstanceOutcome<R>[]> {
    let outcomes: InstanceOutcome<R>[];
    try {
      outcomes = await runScheduled(rt.ctx, job, event, service);
    } finally {
      // Alerts held back for a batch (Telegram) leave before the invocation ends, whatever happened.
      await rt.ctx.notifier.flush?.();
    }
    logger.info(`${job} done`, {
      scheduledTime: event.scheduledTime,
      pass: event.pass,
      done: outcomes.filter((o) => o.status === 'done').length,
      duplicate: outcomes.filter((o) => o.status === 'duplicate').length,
      failed: outcomes.filter((o) => o.status === 'failed').map((o) => o.instanceId),
    });
    return outcomes;
  }
}
