/**
 * The guard of every refactor that must not change what the Key Level Grid does (issue 14): the demo and a
 * month of real DOGEUSDT candles replay to `events.jsonl` files byte-identical to the ones recorded before
 * the decision pipeline was unified (sha256 below). A change of behaviour that is meant must update these
 * digests in the same commit and say why; an unintended one fails here.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../shared/composition/sim.js';
import { demoConfigPath, repoRoot } from '../support/sim.js';

const GOLDEN = {
  demo: '349c572faaab3538914bef726b779661010be23f90bbd35e69840b09ad004e61',
  dogeMonth: '6bd1c98dc62b0feaeb02aeebcb0170084afbbd7feba974b2829104624e518104',
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('events.jsonl stays byte-identical (golden digests)', () => {
  it('the demo (examples/demo.yaml, built-in market)', async () => {
    const r = await runSimulation({ config: demoConfigPath, store: 'memory' });
    expect(r.eventsJsonl.split('\n').length).toBeGreaterThan(100);
    expect(sha256(r.eventsJsonl)).toBe(GOLDEN.demo);
  }, 60_000);

  it('a month of real DOGEUSDT candles (examples/doge-usdt.yaml, 2025-05-25 → 2025-06-24)', async () => {
    const r = await runSimulation({
      config: resolve(repoRoot, 'examples/doge-usdt.yaml'),
      candles: {
        'DOGE/USDT:USDT': resolve(
          repoRoot,
          '../shared/data/ohlcv_1m/binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv',
        ),
      },
      store: 'memory',
    });
    expect(r.summary.instances[0]!.fills.count).toBeGreaterThan(10);
    expect(sha256(r.eventsJsonl)).toBe(GOLDEN.dogeMonth);
  }, 120_000);
});
