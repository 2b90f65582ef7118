/**
 * EventBridge Scheduler schedules of one instance: recon every `recon_interval_sec`, recompute every
 * `recompute_interval_sec`, risk every `risk_interval_sec`. Each sends
 * `{"instanceId", "scheduledTime": <aws.scheduler.scheduled-time>}`; the scheduled time is the handler's
 * idempotency key, so a retried delivery never acts twice.
 *
 * The scheduler's finest rate is one minute. A 30-second recon is two schedules on the same minute: the
 * first invokes the recon function; the second carries `"pass": 2` and sends it to the account's
 * second-pass queue, whose 30-second delivery delay hands it to the same function half a minute later
 * (`second-pass-queue.ts` says why this shape). The pair shares a scheduled time, so the handler's key is
 * scheduled time + pass. Nothing sleeps.
 *
 * Delivery failures (throttling, a missing function, permissions) are retried within the event's useful age
 * and then land in the dead-letter queue, which has an alarm. A disabled instance keeps its schedules,
 * disabled, so enabling it is a config flip.
 */

import { Duration } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  type IScheduleGroup,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { InstanceConfig } from '../../shared/domain/config/deployment.js';
import { legsOf, strategyOf } from '../../shared/domain/strategies/index.js';
import type { ScheduledPayload, ScheduledRole } from '../runtime-contract.js';

export interface InstanceSchedulesProps {
  readonly instance: InstanceConfig;
  readonly functions: Readonly<Record<ScheduledRole, IFunction>>;
  readonly group: IScheduleGroup;
  readonly role: IRole;
  readonly deadLetterQueue: IQueue;
  /** The account's second-pass queue (`second-pass-queue.ts`): required by a 30-second recon. */
  readonly secondPassQueue?: IQueue | undefined;
}

export interface PlannedSchedule {
  readonly name: string;
  readonly role: ScheduledRole;
  readonly everyMinutes: number;
  readonly pass?: 1 | 2;
}

/** The schedules an instance needs (pure, so tests can check the plan without synthesizing). */
export function planSchedules(instance: InstanceConfig): PlannedSchedule[] {
  const plan: PlannedSchedule[] = [];
  // The jobs its strategy runs (the Key Level Grid: all three).
  const strategy = strategyOf(instance);
  const jobs = new Set(strategy.jobs);
  const every = (job: 'recompute' | 'risk') => strategy.jobIntervalSec(instance, job) / 60;
  if (!jobs.has('recon')) {
    // nothing to reconcile
  } else if (instance.recon_interval_sec === 30) {
    plan.push({ name: `${instance.id}-recon`, role: 'recon', everyMinutes: 1, pass: 1 });
    plan.push({ name: `${instance.id}-recon-2`, role: 'recon', everyMinutes: 1, pass: 2 });
  } else {
    plan.push({
      name: `${instance.id}-recon`,
      role: 'recon',
      everyMinutes: instance.recon_interval_sec / 60,
    });
  }
  if (jobs.has('recompute'))
    plan.push({
      name: `${instance.id}-recompute`,
      role: 'recompute',
      everyMinutes: every('recompute'),
    });
  if (jobs.has('risk')) plan.push({ name: `${instance.id}-risk`, role: 'risk', everyMinutes: every('risk') });
  return plan;
}

/** How long a late delivery is still worth making: one interval, between 1 minute and 1 hour. */
export function deliveryMaxAge(everyMinutes: number): Duration {
  return Duration.minutes(Math.min(Math.max(everyMinutes, 1), 60));
}

export class InstanceSchedules extends Construct {
  readonly schedules: Schedule[] = [];

  constructor(scope: Construct, id: string, props: InstanceSchedulesProps) {
    super(scope, id);
    for (const planned of planSchedules(props.instance)) {
      const payload: ScheduledPayload = {
        instanceId: props.instance.id,
        scheduledTime: ContextAttribute.scheduledTime,
        ...(planned.pass === undefined ? {} : { pass: planned.pass }),
      };
      const delivery = {
        input: ScheduleTargetInput.fromObject(payload),
        role: props.role,
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: deliveryMaxAge(planned.everyMinutes),
      };
      const target =
        planned.pass === 2
          ? new SqsSendMessage(secondPassQueue(props), delivery)
          : new LambdaInvoke(props.functions[planned.role], delivery);
      this.schedules.push(
        new Schedule(this, planned.name, {
          scheduleName: planned.name,
          scheduleGroup: props.group,
          description: `gridbot ${planned.role} of ${props.instance.id} (${[...new Set(legsOf(props.instance).map((l) => l.symbol))].join(' + ')})`,
          schedule: ScheduleExpression.rate(Duration.minutes(planned.everyMinutes)),
          timeWindow: TimeWindow.off(),
          enabled: props.instance.enabled,
          target,
        }),
      );
    }
  }
}

function secondPassQueue(props: InstanceSchedulesProps): IQueue {
  if (!props.secondPassQueue)
    throw new Error(`instance ${props.instance.id}: a 30-second recon needs its account's second-pass queue`);
  return props.secondPassQueue;
}
