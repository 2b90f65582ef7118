import { describe, expect, it } from 'vitest';
import { accountMetric, instanceMetric } from '../../lib/constructs/monitoring.js';
import {
  ACCOUNT_METRICS,
  ALARM_METRICS,
  INSTANCE_METRICS,
  METRICS_NAMESPACE,
} from '../../lib/runtime-contract.js';
import { EmfMetrics } from '../../shared/adapters/metrics/index.js';

/** What the runtime's metrics adapter writes, as CloudWatch will key it: namespace, name, full dimension set. */
async function emitted(
  put: (m: EmfMetrics) => void,
): Promise<{ namespace: string; name: string; dimensions: Record<string, string> }> {
  const lines: string[] = [];
  const metrics = new EmfMetrics({ write: (l) => lines.push(l) });
  put(metrics);
  await metrics.flush();
  expect(lines).toHaveLength(1);
  const emf = JSON.parse(lines[0]!) as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  };
  const [directive] = emf._aws.CloudWatchMetrics;
  const keys = directive!.Dimensions[0]!;
  return {
    namespace: directive!.Namespace,
    name: directive!.Metrics[0]!.Name,
    dimensions: Object.fromEntries(keys.map((k) => [k, String(emf[k])])),
  };
}

describe('metrics contract between the runtime and the dashboards', () => {
  it("without dashboards: publishes the alarms' per-instance metrics and logs the others as plain JSON lines", async () => {
    const lines: string[] = [];
    const metrics = new EmfMetrics({ write: (l) => lines.push(l), instanceMetrics: new Set(ALARM_METRICS) });
    metrics.put(INSTANCE_METRICS.reconDurationMs, 420, 'Milliseconds', { instance: 'dogeklg' });
    metrics.put(INSTANCE_METRICS.openOrders, 7, 'Count', { instance: 'dogeklg' });
    metrics.put(ACCOUNT_METRICS.heartbeatAgeSec, 12, 'Seconds', { account: 'main' });
    await metrics.flush();
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const emf = parsed.filter((p) => '_aws' in p);
    const names = emf.flatMap((p) =>
      (p._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0]!.Metrics.map(
        (m) => m.Name,
      ),
    );
    expect(names.sort()).toEqual([ACCOUNT_METRICS.heartbeatAgeSec, INSTANCE_METRICS.reconDurationMs].sort());
    expect(parsed.filter((p) => !('_aws' in p))).toEqual([
      {
        metric: INSTANCE_METRICS.openOrders,
        value: 7,
        unit: 'Count',
        instance: 'dogeklg',
        service: 'gridbot',
      },
    ]);
  });

  it('queries an instance metric with exactly the dimensions the runtime emits', async () => {
    const out = await emitted((m) => m.put(INSTANCE_METRICS.equity, 1, 'None', { instance: 'dogeklg' }));
    const queried = instanceMetric('dogeklg', INSTANCE_METRICS.equity, 'Average');
    expect(out).toEqual({
      namespace: METRICS_NAMESPACE,
      name: queried.metricName,
      dimensions: queried.dimensions,
    });
  });

  it('queries an account metric with exactly the dimensions the runtime emits', async () => {
    const out = await emitted((m) =>
      m.put(ACCOUNT_METRICS.heartbeatAgeSec, 5, 'Seconds', { account: 'main' }),
    );
    const queried = accountMetric('main', ACCOUNT_METRICS.heartbeatAgeSec, 'Maximum');
    expect(out).toEqual({
      namespace: METRICS_NAMESPACE,
      name: queried.metricName,
      dimensions: queried.dimensions,
    });
  });
});
