import { describe, expect, it } from 'vitest';
import { accountMetric, instanceMetric } from '../../lib/constructs/monitoring.js';
import { ACCOUNT_METRICS, INSTANCE_METRICS, METRICS_NAMESPACE } from '../../lib/runtime-contract.js';
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
