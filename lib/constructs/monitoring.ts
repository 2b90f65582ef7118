/**
 * Shared pieces of the CloudWatch monitoring: a cdk-monitoring-constructs facade whose alarms notify the
 * alert topic (on ALARM and on OK, so the human also hears when it is over) and draw one dashboard, and the
 * gridbot metrics as CloudWatch `Metric`s with the exact dimension sets the runtime emits
 * (`{ instance, service }`, `{ account, service }`; see runtime-contract.ts).
 */
import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DefaultDashboardFactory, MonitoringFacade, SnsAlarmActionStrategy } from 'cdk-monitoring-constructs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../runtime-contract.js';

export interface FacadeProps {
  readonly alarmNamePrefix: string;
  readonly dashboardName: string;
  readonly topic: ITopic;
  /** Draw the dashboard (`dashboards` option); the alarms are there either way. */
  readonly dashboard: boolean;
}

export function monitoringFacade(scope: Construct, id: string, props: FacadeProps): MonitoringFacade {
  return new MonitoringFacade(scope, id, {
    alarmFactoryDefaults: {
      alarmNamePrefix: props.alarmNamePrefix,
      actionsEnabled: true,
      action: new SnsAlarmActionStrategy({ onAlarmTopic: props.topic, onOkTopic: props.topic }),
      datapointsToAlarm: 1,
    },
    metricFactoryDefaults: { namespace: METRICS_NAMESPACE },
    dashboardFactory: new DefaultDashboardFactory(scope, `${id}Dashboards`, {
      dashboardNamePrefix: props.dashboardName,
      createDashboard: props.dashboard,
      createSummaryDashboard: false,
      createAlarmDashboard: false,
    }),
  });
}

export type Statistic = 'Average' | 'Maximum' | 'Minimum' | 'Sum' | 'SampleCount' | 'p50' | 'p99';

/** A metric of one leg of an instance (`LEG_METRICS`: dimensions instance and leg). */
export function legMetric(instanceId: string, leg: string, metricName: string, statistic: Statistic): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { instance: instanceId, leg, service: METRICS_SERVICE },
    statistic,
    period: Duration.minutes(1),
    label: `${leg} leg`,
  });
}

export function instanceMetric(
  instanceId: string,
  metricName: string,
  statistic: Statistic,
  period: Duration = Duration.minutes(1),
  label?: string,
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { instance: instanceId, service: METRICS_SERVICE },
    statistic,
    period,
    label: label ?? `${metricName} ${statistic}`,
  });
}

export function accountMetric(
  accountId: string,
  metricName: string,
  statistic: Statistic,
  period: Duration = Duration.minutes(1),
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { account: accountId, service: METRICS_SERVICE },
    statistic,
    period,
    label: `${metricName} ${statistic} (${accountId})`,
  });
}

/** CloudWatch periods are 10 s, 30 s or whole minutes; round up to whole minutes, at least one. */
export function wholeMinutes(seconds: number): Duration {
  return Duration.minutes(Math.max(1, Math.ceil(seconds / 60)));
}
