import { describe, expect, it } from 'vitest';
import { JsonConsoleLogger, LineRecorder, Redactor } from '../../../shared/adapters/logging/index.js';
import { EmfMetrics, RecordingMetrics } from '../../../shared/adapters/metrics/index.js';

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

function emf(lines: readonly string[]): Emf[] {
  return lines.map((l) => JSON.parse(l) as Emf);
}

describe('EMF metrics (Powertools)', () => {
  it('writes nothing until flushed, then one EMF line in the Gridbot namespace', async () => {
    const lines: string[] = [];
    const metrics = new EmfMetrics({ write: (l) => lines.push(l) });
    metrics.put('ReconDuration', 120, 'Milliseconds', { instance: 'klg-1' });
    metrics.put('OrdersPlaced', 3, 'Count', { instance: 'klg-1' });
    expect(lines).toEqual([]);
    await metrics.flush();
    const [line] = emf(lines);
    expect(lines).toHaveLength(1);
    expect(line!._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Gridbot',
        Dimensions: [['service', 'instance']],
        Metrics: [
          { Name: 'ReconDuration', Unit: 'Milliseconds' },
          { Name: 'OrdersPlaced', Unit: 'Count' },
        ],
      },
    ]);
    expect(line).toMatchObject({
      service: 'gridbot',
      instance: 'klg-1',
      ReconDuration: 120,
      OrdersPlaced: 3,
    });
  });

  it('keeps each dimension set apart, one line per set, values of one metric together', async () => {
    const lines: string[] = [];
    const metrics = new EmfMetrics({ write: (l) => lines.push(l), defaultDimensions: { function: 'recon' } });
    metrics.put('FillToOrder', 4, 'Milliseconds', { instance: 'a' });
    metrics.put('FillToOrder', 6, 'Milliseconds', { instance: 'b' });
    metrics.put('FillToOrder', 5, 'Milliseconds', { instance: 'a' });
    metrics.put('Heartbeat', 1, 'Count', { account: 'main' });
    await metrics.flush();
    const byDims = emf(lines).map((e) => ({
      dims: e._aws.CloudWatchMetrics[0]!.Dimensions[0],
      instance: e.instance,
      account: e.account,
      fill: e.FillToOrder,
    }));
    expect(byDims).toEqual([
      { dims: ['service', 'function', 'instance'], instance: 'a', account: undefined, fill: [4, 5] },
      { dims: ['service', 'function', 'instance'], instance: 'b', account: undefined, fill: 6 },
      { dims: ['service', 'function', 'account'], instance: undefined, account: 'main', fill: undefined },
    ]);
  });

  it('clears after a flush, so the next flush writes only new points', async () => {
    const lines: string[] = [];
    const metrics = new EmfMetrics({ write: (l) => lines.push(l) });
    metrics.put('A', 1, 'Count');
    await metrics.flush();
    await metrics.flush();
    metrics.put('A', 2, 'Count');
    await metrics.flush();
    expect(emf(lines).map((e) => e.A)).toEqual([1, 2]);
  });

  it('flushes by itself when one metric reaches 100 values, through the same writer', async () => {
    const lines: string[] = [];
    const metrics = new EmfMetrics({ write: (l) => lines.push(l) });
    for (let i = 0; i < 150; i++) metrics.put('Latency', i, 'Milliseconds', { instance: 'x' });
    expect(lines).toHaveLength(1);
    await metrics.flush();
    const values = emf(lines).flatMap((e) => e.Latency as number[]);
    expect(values).toEqual(Array.from({ length: 150 }, (_, i) => i));
  });

  it('drops a value it cannot emit instead of throwing, counts it and warns once per metric', async () => {
    const lines: string[] = [];
    const logs = new LineRecorder();
    const metrics = new EmfMetrics({
      write: (l) => lines.push(l),
      logger: new JsonConsoleLogger({ redactor: new Redactor(), write: logs.write }),
    });
    metrics.put('Bad', Number.NaN, 'Count');
    metrics.put('Bad', Number.POSITIVE_INFINITY, 'Count');
    metrics.put('', 1, 'Count');
    metrics.put('Good', 1, 'Count');
    await metrics.flush();
    expect(metrics.dropped).toBe(3);
    expect(logs.records().map((r) => r.metric)).toEqual(['Bad', '']);
    expect(emf(lines).map((e) => e.Good)).toEqual([1]);
  });
});

describe('recording metrics', () => {
  it('answers queries by name and by a subset of dimensions', async () => {
    const metrics = new RecordingMetrics({ defaultDimensions: { function: 'stream-worker' } });
    metrics.put('FillToOrder', 3, 'Milliseconds', { instance: 'a', account: 'main' });
    metrics.put('FillToOrder', 7, 'Milliseconds', { instance: 'b', account: 'main' });
    metrics.put('Fills', 1, 'Count', { instance: 'a' });
    await metrics.flush();
    expect(metrics.values('FillToOrder')).toEqual([3, 7]);
    expect(metrics.sum('FillToOrder', { account: 'main' })).toBe(10);
    expect(metrics.count('FillToOrder', { instance: 'a' })).toBe(1);
    expect(metrics.last('FillToOrder')).toEqual({
      name: 'FillToOrder',
      value: 7,
      unit: 'Milliseconds',
      dimensions: { function: 'stream-worker', instance: 'b', account: 'main' },
    });
    expect(metrics.names()).toEqual(['FillToOrder', 'Fills']);
    expect(metrics.flushes).toBe(1);
    metrics.clear();
    expect(metrics.points).toEqual([]);
  });

  it('refuses a non-finite value loudly, so the run that produced it fails', () => {
    expect(() => new RecordingMetrics().put('X', Number.NaN, 'Count')).toThrow('metric X: value NaN');
  });
});
