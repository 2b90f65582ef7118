/**
 * The sweep on AWS, without AWS: the inputs staged into a directory object store exactly as
 * `gridbot sweep --aws` stages them into the bucket, the real item Lambda handler run once per item of
 * items.json (in reverse order, as a Distributed Map may), and the result rows collected into the sweep's
 * files. They equal the local sweep's rows, and the files are byte-identical to the local sweep's.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemObjectStore } from '../../shared/adapters/object-store/filesystem.js';
import { collectSweep, readResults, stageSweep } from '../../shared/composition/sweep/stage.js';
import { runSweep, type SweepResult } from '../../shared/composition/sweep.js';
import { type SweepItem, storedResultSchema, sweepKeys } from '../../shared/domain/sweep/work-items.js';
import { sharedData, tempDir } from '../support/sim.js';
import { dogeHours, dogeSweepBase, writeYaml } from '../support/sweep.js';

const dir = tempDir('gridbot-sweep-item-');
const storeDir = join(dir.path, 'bucket');
const workDir = join(dir.path, 'lambda-tmp');
const saved = { dir: process.env.GRIDBOT_SWEEP_DIR, work: process.env.GRIDBOT_SWEEP_WORK_DIR };
afterAll(() => {
  for (const [k, v] of [
    ['GRIDBOT_SWEEP_DIR', saved.dir],
    ['GRIDBOT_SWEEP_WORK_DIR', saved.work],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  dir.remove();
});

const write = (name: string, doc: unknown) => writeYaml(dir.path, name, doc);

const config = write('base.yaml', dogeSweepBase([0.2, 0.205, 0.21, 0.215, 0.22, 0.225, 0.23, 0.235, 0.24]));
const grid = write('sweep.yaml', {
  params: { base_amount_per_grid: [100, 300], min_profit_pct: [0.002, 0.006] },
  rank_by: 'return',
});

// The first 12 hours of the real DOGE month, with the month's funding in ../funding, where a local run
// finds it by itself: the staged sweep must find the same rates.
const FUNDING = 'binance_usdm_DOGEUSDT_funding_8h_2025-05-25_2025-06-24.csv';
mkdirSync(join(dir.path, 'data'));
mkdirSync(join(dir.path, 'funding'));
const candles = dogeHours(join(dir.path, 'data'), 12);
copyFileSync(join(sharedData, 'funding', FUNDING), join(dir.path, 'funding', FUNDING));
const market = { candles: { 'DOGE/USDT:USDT': candles } };

let local: SweepResult;
beforeAll(async () => {
  local = await runSweep({ config, grid, ...market, workers: 2 });
}, 120_000);

describe('sweep item handler on the staged inputs', () => {
  it('gives the local sweep’s rows, and byte-identical sweep.csv, sweep.json and sweep.html', async () => {
    const store = new FilesystemObjectStore(storeDir);
    const staged = await stageSweep(store, { sweepId: 'sweep-test-1', config, grid, ...market });
    const keys = sweepKeys('sweep-test-1');
    expect(staged.plan.count).toBe(4);
    expect(staged.keys).toContain(`${keys.market}0/data/doge-12h.csv`);
    expect(staged.keys).toContain(`${keys.market}0/funding/${FUNDING}`);

    process.env.GRIDBOT_SWEEP_DIR = storeDir;
    process.env.GRIDBOT_SWEEP_WORK_DIR = workDir;
    const { handler } = await import('../../functions/sweep-item/handler.js');
    const items = JSON.parse((await store.read(staged.items))!) as SweepItem[];
    expect(items.map((i) => i.index)).toEqual([0, 1, 2, 3]);
    expect(items[1]!.params).toEqual({ base_amount_per_grid: '100', min_profit_pct: '0.006' });
    for (const item of [...items].reverse()) {
      const out = await handler(item);
      expect(out).toEqual({
        sweepId: 'sweep-test-1',
        index: item.index,
        result: keys.result(item.index),
        ok: true,
      });
    }
    // The whole market folder was mirrored once into the Lambda's /tmp, funding beside it.
    expect(readFileSync(join(workDir, ...`${keys.market}0/funding/${FUNDING}`.split('/')), 'utf8')).toBe(
      readFileSync(join(dir.path, 'funding', FUNDING), 'utf8'),
    );

    // Each stored row is the local sweep's row of that combination.
    const byIndex = new Map(local.ranked.map((r) => [r.index, r]));
    for (const r of await readResults(store, staged)) {
      expect(r.error).toBeNull();
      expect(r.figures).toEqual(byIndex.get(r.index)!.figures);
    }
    const stored = storedResultSchema.parse(JSON.parse((await store.read(keys.result(2)))!));
    expect(stored.params).toEqual({ base_amount_per_grid: '300', min_profit_pct: '0.002' });
    expect(stored.figures!.fills).toBeGreaterThan(0);

    const collected = await collectSweep(store, staged, { config, grid, market });
    expect(collected.ranked).toEqual(local.ranked);
    expect(collected.csv).toBe(local.csv);
    expect(collected.json).toBe(local.json);
    expect(collected.html).toBe(local.html);
    expect(collected.csv.trimEnd().split('\n')).toHaveLength(5);
  }, 120_000);

  it('refuses an item that is not its combination, or malformed, without writing a result', async () => {
    const store = new FilesystemObjectStore(storeDir);
    const staged = await stageSweep(store, { sweepId: 'sweep-test-2', config, grid, ...market });
    const items = JSON.parse((await store.read(staged.items))!) as SweepItem[];
    process.env.GRIDBOT_SWEEP_DIR = storeDir;
    const { handler } = await import('../../functions/sweep-item/handler.js');
    await expect(
      handler({ ...items[0]!, params: { base_amount_per_grid: '300', min_profit_pct: '0.002' } }),
    ).rejects.toThrow(
      /item 0 names .* but combination 0 of the sweep file is base_amount_per_grid=100, min_profit_pct=0\.002/,
    );
    await expect(handler({ ...items[0]!, index: 9 })).rejects.toThrow(/the sweep has only 4 combinations/);
    await expect(
      handler({ ...items[0]!, inputs: { config: '../../etc/passwd', sweep: 'x' } }),
    ).rejects.toThrow(/malformed sweep item: item\.inputs\.config: must be a relative object key/);
    await expect(handler({ sweepId: 'x' })).rejects.toThrow(/malformed sweep item/);
    expect(await store.list(sweepKeys('sweep-test-2').results)).toEqual([]);
  });
});
