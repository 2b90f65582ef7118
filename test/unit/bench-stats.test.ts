import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CATALOG, usage } from '../bench/catalog.js';
import {
  latencyLine,
  MIN_SAMPLES,
  measureLatency,
  measureThroughput,
  percentile,
  sampleLatency,
  summarize,
  throughputLine,
} from '../bench/stats.js';

const oneToHundred = Array.from({ length: 100 }, (_, i) => 100 - i);

describe('bench stats', () => {
  it('takes nearest-rank percentiles over unsorted samples', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes n, mean, p50, p99 and max', () => {
    expect(summarize(oneToHundred)).toEqual({ n: 100, mean: 50.5, p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('reports in ms and flags a p99 over budget, never a p99 within it', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => (i < 990 ? 0.5 : 3));
    const over = latencyLine('x', summarize(samples), { p99Ms: 1, source: 'spec' });
    expect(over).toMatch(/n= 1000 {2}mean {4}0\.525 {2}p50 {4}0\.500 {2}p99 {4}0\.500 {2}max {4}3\.000 ms/);
    expect(over).toContain('budget p99 ≤ 1 ms (spec)  ok');
    const worse = Array.from({ length: 1000 }, (_, i) => (i < 980 ? 0.5 : 3));
    expect(latencyLine('x', summarize(worse), { p99Ms: 1, source: 'spec' })).toContain('OVER BUDGET');
    expect(latencyLine('x', summarize(worse))).not.toContain('budget');
  });

  it('says when a figure has fewer samples than a percentile needs', () => {
    expect(latencyLine('x', summarize(oneToHundred))).toContain('TOO FEW SAMPLES');
  });

  it('warms up, then records at least MIN_SAMPLES per figure, dropping the warm-up', async () => {
    let steps = 0;
    const r = await sampleLatency(
      { a: { label: 'a' }, b: { label: 'b' } },
      (record) => {
        steps++;
        record('a', 1);
        if (steps % 2 === 0) record('b', 2);
      },
      { warmup: { iterations: 10, ms: 0 }, print: false },
    );
    expect(r.b.n).toBe(MIN_SAMPLES);
    expect(r.a.n).toBe(2 * MIN_SAMPLES);
    expect(steps).toBe(10 + 2 * MIN_SAMPLES);
    expect(r.a.over).toBe(false);
  });

  it('refuses fewer than MIN_SAMPLES samples and times async work', async () => {
    await expect(measureLatency('x', () => {}, { samples: 10, print: false })).rejects.toThrow(/1000/);
    const f = await measureLatency('x', async () => {}, { warmup: { iterations: 1, ms: 0 }, print: false });
    expect(f.n).toBe(MIN_SAMPLES);
  });
});

describe('bench throughput', () => {
  it('times whole runs after the warm-up and reports a mean and a rate, no percentiles', async () => {
    let runs = 0;
    const t = await measureThroughput(
      'batch',
      () => {
        runs++;
      },
      { runs: 3, warmupRuns: 2, items: 1000, unit: 'candles', print: false },
    );
    expect(runs).toBe(5);
    expect(t.runs).toBe(3);
    expect(t.bestMs).toBeLessThanOrEqual(t.meanMs);
    const line = throughputLine('batch', { runs: 4, meanMs: 2, bestMs: 1.5, perSecond: 500_000 }, 'candles');
    expect(line).toMatch(/runs= {2}4 {2}mean {4}2\.000 {2}best {4}1\.500 ms per run +500,000 candles\/s$/);
    expect(line).not.toMatch(/p50|p99/);
  });

  it('refuses a throughput figure of no run', async () => {
    await expect(measureThroughput('x', () => {}, { runs: 0, print: false })).rejects.toThrow(/one run/);
  });
});

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '../bench');
const benchSource = (name: string) => readFileSync(join(benchDir, `${name}.bench.ts`), 'utf8');

describe('bench catalog', () => {
  it('lists every bench file, and usage names each one', () => {
    const dir = benchDir;
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.bench.ts'))
      .map((f) => f.slice(0, -'.bench.ts'.length))
      .sort();
    expect(CATALOG.map((b) => b.name)).toEqual(files);
    for (const b of CATALOG) expect(usage()).toContain(b.name);
  });

  it('has every latency bench measure through the harness, and no bench take percentiles of its own', () => {
    for (const b of CATALOG) {
      const src = benchSource(b.name);
      const usesHarness = /\b(sampleLatency|measureLatency)\(/.test(src);
      expect(usesHarness, `${b.name}: latency kind ⇔ sampleLatency / measureLatency`).toBe(
        b.kinds.includes('latency'),
      );
      expect(src, `${b.name} computes percentiles itself`).not.toMatch(/\b(summarize|percentile)\(/);
    }
  });
});
