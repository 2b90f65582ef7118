/**
 * Scheduled payloads that arrive through an SQS queue (the delayed second recon pass, issue 22) instead of
 * straight from EventBridge Scheduler: each record's body is the scheduler's payload as JSON.
 *
 * Entry points: `isQueueEvent(event)`, `readQueuedDelivery(record, nowMs)`.
 *
 * Invariants:
 *  1. A record is read into exactly one of: a delivery to run, a malformed one, a late one. The last two
 *     are dropped by the caller (counted and logged): redelivering them would not fix them.
 *  2. A delivery is due at its scheduled time, plus `SECOND_PASS_DELAY_MS` for a second pass, and is
 *     worth acting on for `QUEUED_DELIVERY_USEFUL_AGE_MS` after that; later, a newer pass has run or is
 *     about to, and a stale one would only race it.
 *  3. Nothing here acts: idempotency is `runScheduled`'s claim on (job, instance, scheduled time, pass),
 *     the same key whichever way the payload came.
 */
import { z } from 'zod';
import {
  payloadError,
  type ScheduledEvent,
  SECOND_PASS_DELAY_MS,
  scheduledEventSchema,
} from './scheduled.js';

/** One minute: the finest schedule rate, and the useful age a scheduler delivery of a one-minute job gets. */
export const QUEUED_DELIVERY_USEFUL_AGE_MS = 60_000;

const queueRecordSchema = z
  .object({
    messageId: z.string().min(1),
    eventSource: z.literal('aws:sqs'),
    body: z.string(),
  })
  .passthrough();

export type QueueRecord = z.infer<typeof queueRecordSchema>;

const queueEventSchema = z.object({ Records: z.array(queueRecordSchema) }).passthrough();

export type QueueEvent = z.infer<typeof queueEventSchema>;

/** Whether an invocation came from an SQS event source mapping (as opposed to the scheduler's payload). */
export function isQueueEvent(event: unknown): event is QueueEvent {
  return queueEventSchema.safeParse(event).success;
}

export type QueuedDelivery =
  | { readonly kind: 'run'; readonly event: ScheduledEvent }
  | { readonly kind: 'malformed'; readonly error: string }
  | { readonly kind: 'late'; readonly event: ScheduledEvent; readonly lateMs: number };

const queuedPayloadSchema = scheduledEventSchema.refine((e) => Number.isFinite(Date.parse(e.scheduledTime)), {
  message: 'not a time (expected <aws.scheduler.scheduled-time>, e.g. 2026-01-01T00:01:00Z)',
  path: ['scheduledTime'],
});

/** When a delivery is meant to run (ms since the epoch). */
export function dueAt(event: ScheduledEvent): number {
  return Date.parse(event.scheduledTime) + (event.pass === 2 ? SECOND_PASS_DELAY_MS : 0);
}

export function readQueuedDelivery(record: QueueRecord, nowMs: number): QueuedDelivery {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return { kind: 'malformed', error: 'body: not JSON' };
  }
  const parsed = queuedPayloadSchema.safeParse(body);
  if (!parsed.success) {
    return { kind: 'malformed', error: payloadError(parsed.error) };
  }
  const lateMs = nowMs - dueAt(parsed.data);
  if (lateMs > QUEUED_DELIVERY_USEFUL_AGE_MS) return { kind: 'late', event: parsed.data, lateMs };
  return { kind: 'run', event: parsed.data };
}
