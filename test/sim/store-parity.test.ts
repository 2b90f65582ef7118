import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeploymentConfigFile } from '../../shared/composition/deployment-source.js';
import { runSimulation, type SimResult } from '../../shared/composition/sim.js';
import { demoConfigPath, repoRoot, tempDir } from '../support/sim.js';

// The demo compressed into one day: every regime, few store round trips (dynalite answers in milliseconds).
const demo = loadDeploymentConfigFile(demoConfigPath);
const config = {
  ...demo,
  simulation: { ...demo.simulation!, demo_market: { ...demo.simulation!.demo_market, days: 1 } },
};
// Two instances on one account and one symbol, resting buys at the same prices: one candle fills both,
// and the stream worker answers them side by side (their store calls overlap).
const twin = {
  ...config,
  instances: [config.instances[0]!, { ...config.instances[0]!, id: 'dogetwin', recon_interval_sec: 600 }],
  simulation: { ...config.simulation, demo_market: { ...config.simulation.demo_market, days: 0.5 } },
};
const out = { memory: tempDir(), dynamo: tempDir() };
const runs: Partial<Record<'memory' | 'dynamo' | 'twinMemory' | 'twinDynamo', SimResult>> = {};

beforeAll(async () => {
  for (const store of ['memory', 'dynamo'] as const) {
    runs[store] = await runSimulation({ config: { config, dir: repoRoot }, store, outDir: out[store].path });
  }
  runs.twinMemory = await runSimulation({ config: { config: twin, dir: repoRoot }, store: 'memory' });
  runs.twinDynamo = await runSimulation({ config: { config: twin, dir: repoRoot }, store: 'dynamo' });
}, 180_000);
afterAll(() => {
  out.memory.remove();
  out.dynamo.remove();
});

describe('the same replay on the embedded DynamoDB and on the memory store', () => {
  it('writes identical events.jsonl', () => {
    expect(runs.memory!.summary.instances[0]!.fills.count).toBeGreaterThan(5);
    expect(runs.dynamo!.eventsJsonl).toBe(runs.memory!.eventsJsonl);
  });

  it('ends in the same place, whichever store held the state', () => {
    const strip = (r: SimResult) => JSON.stringify({ ...r.summary, store: null });
    expect(runs.dynamo!.summary.store).toBe('dynamo');
    expect(strip(runs.dynamo!)).toBe(strip(runs.memory!));
  });

  it('stays identical when two instances answer fills of the same candle at once', () => {
    const [a, b] = runs.twinMemory!.summary.instances;
    expect(a!.fills.count).toBeGreaterThan(2);
    expect(b!.fills.count).toBeGreaterThan(2);
    const both = runs.twinMemory!.eventsJsonl.split('\n').filter((l) => l.includes('"type":"fill"'));
    const ts = both.map((l) => (JSON.parse(l) as { ts: number }).ts);
    expect(new Set(ts).size).toBeLessThan(ts.length);
    expect(runs.twinDynamo!.eventsJsonl).toBe(runs.twinMemory!.eventsJsonl);
  });
});
