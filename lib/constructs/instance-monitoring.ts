/**
 * Dashboard section and alarms of one instance.
 *
 * Widgets: equity, holdings, open orders, fills, recon duration, fill-to-order latency, errors, heartbeat age
 * of its account, risk level, and the guard rails: exposure and leverage, pre-trade denials, the budget
 * left. Alarms (all to the alert topic):
 *  - recon stalled: no `ReconDurationMs` sample for 3 recon periods. Only a pass that completed emits one,
 *    so this is the one alarm for a recon that fails every time and for one that no longer runs at all
 *    (broken schedule, a handler that dies at import: missing data breaches). `ReconFailures` is still
 *    counted (the dashboard draws it; without dashboards it is a log line), but no alarm needs it;
 *  - risk breach: any `RiskBreaches` in a risk period.
 * A disabled instance gets the widgets and no alarms.
 */
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { MonitoringFacade } from 'cdk-monitoring-constructs';
import type { InstanceConfig } from '../../shared/domain/config/deployment.js';
import { legsOf, strategyOf } from '../../shared/domain/strategies/index.js';
import { ACCOUNT_METRICS, INSTANCE_METRICS, LEG_METRICS } from '../runtime-contract.js';
import { accountMetric, instanceMetric, legMetric, wholeMinutes } from './monitoring.js';

export const RECON_ALARM_PERIODS = 3;

export function addInstanceMonitoring(facade: MonitoringFacade, instance: InstanceConfig): void {
  const id = instance.id;
  const m = INSTANCE_METRICS;
  // What the plan reads of the strategy: its legs, its jobs and their intervals, and its monitoring needs.
  const strategy = strategyOf(instance);
  const legs = legsOf(instance);
  const accounts = [...new Set(legs.map((l) => l.account))];
  const symbols = [...new Set(legs.map((l) => l.symbol))];
  const watch = strategy.monitoring(instance);
  const reconPeriod = wholeMinutes(strategy.jobIntervalSec(instance, 'recon'));
  const riskPeriod = wholeMinutes(
    strategy.jobs.includes('risk') ? strategy.jobIntervalSec(instance, 'risk') : instance.recon_interval_sec,
  );
  const alarmsOn = instance.enabled;

  const reconFailures = instanceMetric(id, m.reconFailures, 'Sum', reconPeriod);
  const reconRuns = instanceMetric(id, m.reconDurationMs, 'SampleCount', reconPeriod, 'recon runs');
  const riskBreaches = instanceMetric(id, m.riskBreaches, 'Sum', riskPeriod);

  facade.monitorCustom({
    alarmFriendlyName: id,
    humanReadableName: `Instance ${id}: ${symbols.join(' + ')} on ${accounts.join(' + ')}${instance.enabled ? '' : ' (disabled)'}`,
    metricGroups: [
      { title: 'Equity', metrics: [instanceMetric(id, m.equity, 'Average')] },
      {
        title: legs.length > 1 ? 'Holdings (net of the legs)' : 'Holdings',
        metrics: [instanceMetric(id, m.holdings, 'Average')],
      },
      // A strategy on several legs: each leg's position, as its risk job reads it from the exchange.
      ...(legs.length > 1
        ? [
            {
              title: 'Position per leg',
              metrics: legs.map((l) => legMetric(id, l.role, LEG_METRICS.position, 'Average')),
            },
          ]
        : []),
      { title: 'Open orders', metrics: [instanceMetric(id, m.openOrders, 'Maximum')] },
      // The risk job's drawdown from the equity peak (every strategy with a risk job reports it).
      ...(strategy.jobs.includes('risk')
        ? [{ title: 'Drawdown from the equity peak', metrics: [instanceMetric(id, m.drawdown, 'Maximum')] }]
        : []),
      { title: 'Fills', metrics: [instanceMetric(id, m.fills, 'Sum')] },
      {
        title: 'Recon duration (ms)',
        metrics: [
          instanceMetric(id, m.reconDurationMs, 'p50'),
          instanceMetric(id, m.reconDurationMs, 'p99'),
          alarmsOn
            ? {
                metric: reconRuns,
                alarmFriendlyName: 'ReconStalled',
                addAlarm: {
                  Critical: {
                    threshold: 1,
                    comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
                    datapointsToAlarm: RECON_ALARM_PERIODS,
                    evaluationPeriods: RECON_ALARM_PERIODS,
                    treatMissingDataOverride: TreatMissingData.BREACHING,
                    alarmDescriptionOverride: `Recon of ${id} has not completed a pass for ${RECON_ALARM_PERIODS} intervals (failing every time, or not running): the grid is not being repaired. Check the recon function's logs (ReconFailures, errors), the schedule and the Lambda errors.`,
                  },
                },
              }
            : reconRuns,
        ],
      },
      {
        title: 'Fill-to-order latency (ms)',
        metrics: [instanceMetric(id, m.fillToOrderMs, 'p50'), instanceMetric(id, m.fillToOrderMs, 'p99')],
      },
      {
        title: 'Errors and recon failures',
        metrics: [instanceMetric(id, m.errors, 'Sum'), reconFailures],
      },
      {
        title: `Heartbeat age (s), account${accounts.length > 1 ? 's' : ''} ${accounts.join(', ')}`,
        metrics: accounts.map((a) => accountMetric(a, ACCOUNT_METRICS.heartbeatAgeSec, 'Maximum')),
      },
      ...(watch.riskBreach ? [riskSection(watch.riskBreach.onBreach)] : []),
      {
        title: 'Exposure (notional) and leverage',
        metrics: [
          instanceMetric(id, m.exposureNotional, 'Maximum'),
          instanceMetric(id, m.leverage, 'Maximum'),
        ],
      },
      { title: 'Pre-trade denials', metrics: [instanceMetric(id, m.preTradeDenials, 'Sum')] },
      // Empty for an instance without a budget (declaring one later changes no dashboard layout).
      { title: 'Budget available (margin)', metrics: [instanceMetric(id, m.budgetAvailable, 'Minimum')] },
    ],
  });

  function riskSection(onBreach: 'alert' | 'pause' | 'flatten') {
    return {
      title: 'Risk level (0 ok, 1 warning, 2 breach)',
      metrics: [
        instanceMetric(id, m.riskLevel, 'Maximum'),
        alarmsOn
          ? {
              metric: riskBreaches,
              alarmFriendlyName: 'RiskBreaches',
              addAlarm: {
                Critical: {
                  threshold: 1,
                  comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                  datapointsToAlarm: 1,
                  evaluationPeriods: 1,
                  treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
                  alarmDescriptionOverride: `Risk check of ${id} reported a breach (drawdown or stale heartbeat). The instance ${onBreach === 'pause' ? 'pauses itself' : onBreach === 'flatten' ? 'pauses and flattens its position through the closer' : 'keeps trading'}; look now.`,
                },
              },
            }
          : riskBreaches,
      ],
    };
  }
}
