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
const out = { memory: tempDir(), dynamo: tempDir() };
const runs: Partial<Record<'memory' | 'dynamo', SimResult>> = {};

beforeAll(async () => {
  for (const store of ['memory', 'dynamo'] as const) {
    runs[store] = await runSimulation({ config: { config, dir: repoRoot }, store, outDir: out[store].path });
  }
}, 120_000);
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
});
