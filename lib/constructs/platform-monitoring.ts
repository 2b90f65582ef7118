/**
 * Dashboard sections and alarms for what all instances share:
 *  - stream worker not running: no `AWS/ECS` `CPUUtilization` sample of the service for 3 minutes (ECS
 *    publishes one a minute while a task runs, free, with or without Container Insights; a deployment's
 *    stop-then-start gap is shorter); missing data breaches;
 *  - missing heartbeat, per account: `HeartbeatAgeSec` above the smallest heartbeat age its strategies allow
 *    (the Key Level Grid: `risk.heartbeat_max_age_sec`) of the
 *    account's instances in two consecutive periods; missing data breaches (a dead worker emits nothing).
 *    The stream worker reports 0 with every heartbeat it writes, for every strategy; the Key Level Grid's
 *    risk check also reports the age it reads from the store;
 *  - scheduler dead-letter queue not empty: a schedule could not deliver (permissions, throttling, a deleted
 *    function), a delayed second recon pass failed in its function, or the Spot worker's fallback function
 *    failed on an ECS event after its retries;
 *  - a second-pass queue nobody drains (its event source broken or disabled): its oldest message older than
 *    the delay plus the useful age, which the dead-letter queue would never see;
 *  - Lambda errors: a scheduled function that throws (before it could count a failure itself) in three
 *    periods in a row.
 */
import { Duration } from 'aws-cdk-lib';
import { ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { FargateService } from 'aws-cdk-lib/aws-ecs';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { MonitoringFacade } from 'cdk-monitoring-constructs';
import { QUEUED_DELIVERY_USEFUL_AGE_MS } from '../../shared/application/queued-delivery.js';
import { SECOND_PASS_DELAY_MS } from '../../shared/application/scheduled.js';
import type { DeploymentConfig } from '../../shared/domain/config/deployment.js';
import { legsOf, strategyOf } from '../../shared/domain/strategies/index.js';
import { ACCOUNT_METRICS } from '../runtime-contract.js';
import { accountMetric, wholeMinutes } from './monitoring.js';

export const WORKER_DOWN_MINUTES = 3;
export const HEARTBEAT_PERIODS = 2;

export interface PlatformMonitoringProps {
  readonly config: DeploymentConfig;
  readonly service: FargateService;
  readonly deadLetterQueue: IQueue;
  /** The delayed second recon pass's queue, by account id (accounts with a 30-second recon only). */
  readonly secondPassQueues: ReadonlyMap<string, IQueue>;
  /** Functions by account id, then role. */
  readonly functions: ReadonlyMap<string, ReadonlyMap<string, IFunction>>;
}

export function addPlatformMonitoring(facade: MonitoringFacade, props: PlatformMonitoringProps): void {
  const runningTasks = new Metric({
    namespace: 'AWS/ECS',
    metricName: 'CPUUtilization',
    dimensionsMap: {
      ClusterName: props.service.cluster.clusterName,
      ServiceName: props.service.serviceName,
    },
    statistic: 'SampleCount',
    period: Duration.minutes(1),
    label: 'CPU samples (a running task reports one a minute)',
  });
  facade.addLargeHeader('gridbot platform');
  facade.monitorSimpleFargateService({
    fargateService: props.service,
    humanReadableName: 'Stream worker',
    alarmFriendlyName: 'StreamWorker',
  });
  facade.monitorCustom({
    humanReadableName: 'Stream worker tasks',
    alarmFriendlyName: 'StreamWorkerTasks',
    metricGroups: [
      {
        title: 'Worker reporting (CPU samples a minute)',
        metrics: [
          {
            metric: runningTasks,
            alarmFriendlyName: 'NotRunning',
            addAlarm: {
              Critical: {
                threshold: 1,
                comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
                datapointsToAlarm: WORKER_DOWN_MINUTES,
                evaluationPeriods: WORKER_DOWN_MINUTES,
                treatMissingDataOverride: TreatMissingData.BREACHING,
                alarmDescriptionOverride: `The stream worker has not been running for ${WORKER_DOWN_MINUTES} minutes: fills are handled only by recon until it is back. Check the ECS service events and the worker logs.`,
              },
            },
          },
        ],
      },
    ],
  });

  for (const account of props.config.accounts) {
    const instances = props.config.instances.filter(
      (i) => i.enabled && legsOf(i).some((l) => l.account === account.id),
    );
    if (instances.length === 0) continue;
    const maxAge = Math.min(...instances.map((i) => strategyOf(i).monitoring(i).heartbeatMaxAgeSec));
    // The heartbeat metric may come as rarely as the risk check runs; a shorter period would read as missing.
    const period = wholeMinutes(
      Math.max(
        60,
        ...instances.map((i) => {
          const strategy = strategyOf(i);
          return strategy.jobIntervalSec(i, strategy.jobs.includes('risk') ? 'risk' : 'recon');
        }),
      ),
    );
    facade.monitorCustom({
      humanReadableName: `Account ${account.id} (${account.exchange})`,
      alarmFriendlyName: `Account-${account.id}`,
      metricGroups: [
        {
          title: 'Stream heartbeat age (s)',
          metrics: [
            {
              metric: accountMetric(account.id, ACCOUNT_METRICS.heartbeatAgeSec, 'Maximum', period),
              alarmFriendlyName: 'HeartbeatMissing',
              addAlarm: {
                Critical: {
                  threshold: maxAge,
                  comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
                  datapointsToAlarm: HEARTBEAT_PERIODS,
                  evaluationPeriods: HEARTBEAT_PERIODS,
                  treatMissingDataOverride: TreatMissingData.BREACHING,
                  alarmDescriptionOverride: `The stream heartbeat of account ${account.id} is older than ${maxAge} s or missing: its user-data stream is down, fills wait for the next recon.`,
                },
              },
            },
          ],
        },
      ],
    });
    for (const [role, fn] of props.functions.get(account.id) ?? []) {
      if (role === 'admin') continue; // invoked by an operator, who sees the error
      facade.monitorLambdaFunction({
        lambdaFunction: fn,
        humanReadableName: `${role} (${account.id})`,
        alarmFriendlyName: `${role}-${account.id}`,
        addFaultCountAlarm: {
          Critical: {
            maxErrorCount: 0,
            datapointsToAlarm: 3,
            evaluationPeriods: 3,
            period: Duration.minutes(5),
            alarmDescriptionOverride: `The ${role} function of account ${account.id} threw in 3 consecutive 5-minute periods. See its logs.`,
          },
        },
      });
    }
  }

  facade.monitorSqsQueue({
    queue: props.deadLetterQueue,
    humanReadableName: 'Scheduler dead-letter queue',
    alarmFriendlyName: 'SchedulerDLQ',
    addQueueMaxSizeAlarm: {
      Critical: {
        maxMessageCount: 0,
        datapointsToAlarm: 1,
        evaluationPeriods: 1,
        alarmDescriptionOverride:
          'A schedule could not invoke its function (see the message attributes for the error), a delayed second recon pass failed in its function, or the worker capacity function failed on an ECS event (see their logs). Fix the cause, then purge the queue.',
      },
    },
  });
  for (const [account, queue] of props.secondPassQueues) {
    facade.monitorSqsQueue({
      queue,
      humanReadableName: `Second recon pass queue (${account})`,
      alarmFriendlyName: `SecondPass-${account}`,
      addQueueMaxMessageAgeAlarm: {
        Critical: {
          maxAgeInSeconds: SECOND_PASS_STUCK_SEC,
          datapointsToAlarm: 2,
          evaluationPeriods: 2,
          alarmDescriptionOverride: `Second recon passes of account ${account} wait in their queue and nobody takes them: check the recon function's SQS event source mapping.`,
        },
      },
    });
  }
}

/** The delay plus the useful age: a message this old was never taken. */
const SECOND_PASS_STUCK_SEC = (SECOND_PASS_DELAY_MS + QUEUED_DELIVERY_USEFUL_AGE_MS) / 1000;
