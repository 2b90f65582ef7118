/**
 * The second pass of a 30-second recon, delayed by SQS instead of by a Lambda that sleeps (issue 22).
 *
 * EventBridge Scheduler's finest rate is one minute, so a 30-second recon is two schedules on the same
 * minute. The first invokes the recon function; the second sends the same payload with `"pass": 2` to this
 * queue, whose 30-second delivery delay hands it to the recon function (an SQS event source, batch size 1)
 * half a minute later. Before, the second schedule invoked the function, which slept 30 s: ~$8.6 a month of
 * billed Lambda time per such instance at 512 MB. Now it costs an SQS message (send, receive, delete:
 * ~$0.05 a month per instance) and the event source's idle long polls (~$0.26 a month per queue).
 *
 * Why this shape:
 *  - Scheduler → SQS directly, with the delay on the queue: no code sends the message, so a pass-1 recon
 *    that fails or times out does not lose pass 2, and both passes keep the scheduler's retries, its
 *    dead-letter queue and its useful age (`deliveryMaxAge`).
 *  - One queue per account, shared by the account's 30-second instances (the instance id is in the body),
 *    and none for an account without one: an event source mapping feeds exactly one function, and the
 *    recon functions are per account; a queue per instance would multiply the idle polling, which costs
 *    more than the messages.
 *  - Idempotency is unchanged: the claim on (job, instance, scheduled time, pass), so a redelivery never
 *    acts twice. A record later than its useful age (`shared/application/queued-delivery.ts`: one minute
 *    after it is due) is dropped with a log line and a `LateDeliveries` count, a malformed one with
 *    `BadEvents`; neither is retried.
 *  - No retries: a recon's retry is the next pass (`ROLE_SETTINGS`). A record the function reports as
 *    failed (it threw before it could count a failure itself) goes to the scheduler's dead-letter queue on
 *    its next receive (`maxReceiveCount` 1), where the dead-letter alarm sees it. A queue nobody drains has
 *    its own alarm on the age of its oldest message (platform monitoring).
 *  - SQS-managed encryption (no KMS key to pay for or grant), TLS only.
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SECOND_PASS_DELAY_MS } from '../../shared/application/scheduled.js';
import { ROLE_SETTINGS } from './scheduled-function.js';

export interface SecondPassQueueProps {
  /** The recon function of the account whose instances' second passes this queue carries. */
  readonly recon: IFunction;
  /** Where a record the function reported as failed goes (the scheduler's, alarmed). */
  readonly deadLetterQueue: IQueue;
}

export class SecondPassQueue extends Construct {
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: SecondPassQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deliveryDelay: Duration.seconds(SECOND_PASS_DELAY_MS / 1000),
      // At least the function's timeout, as Lambda requires of an event source queue.
      visibilityTimeout: ROLE_SETTINGS.recon.timeout,
      // Long past any useful age; long enough for a failed record to be received again and redriven.
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: 1 },
    });
    props.recon.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );
  }
}
