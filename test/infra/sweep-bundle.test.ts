/**
 * The sweep item Lambda as `cdk synth` bundles it (esbuild, CommonJS, `lambda-bundling.ts`): no ccxt, it
 * loads in a bare node, and it runs a staged item there — the bundle simulates, not only the sources.
 */
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { esbuildOptions, REPO_ROOT } from '../../lib/bundling/lambda-bundling.js';
import { SWEEP_ITEM_ENTRY } from '../../lib/runtime-contract.js';
import { FilesystemObjectStore } from '../../shared/adapters/object-store/filesystem.js';
import { stageSweep } from '../../shared/composition/sweep/stage.js';
import { storedResultSchema, sweepKeys } from '../../shared/domain/sweep/work-items.js';
import { tempDir } from '../support/sim.js';
import { dogeHours, dogeSweepBase } from '../support/sweep.js';

const MB = 1024 * 1024;
const dir = tempDir('gridbot-sweep-bundle-');
afterAll(() => dir.remove());
const bundle = join(dir.path, 'asset', 'index.js');
let inputs: string[];

beforeAll(async () => {
  const r = await build(esbuildOptions(join(REPO_ROOT, SWEEP_ITEM_ENTRY), bundle, null));
  inputs = Object.keys(r.metafile!.inputs);
}, 120_000);

describe('sweep item bundle', () => {
  it('bundles the simulator without ccxt or the worker pool, with a source map', () => {
    expect(inputs.some((i) => i.includes('node_modules/ccxt/'))).toBe(false);
    expect(inputs.some((i) => i.includes('node_modules/tinypool/'))).toBe(false);
    expect(inputs.some((i) => i.includes('shared/composition/sweep/worker.ts'))).toBe(true);
    expect(statSync(bundle).size).toBeLessThan(4 * MB);
    expect(statSync(`${bundle}.map`).size).toBeGreaterThan(0);
  });

  it('runs one staged item in a bare node and writes its result row', async () => {
    const base = join(dir.path, 'base.json');
    writeFileSync(base, JSON.stringify(dogeSweepBase([0.2, 0.205, 0.21, 0.215, 0.22, 0.225, 0.23])));
    const grid = join(dir.path, 'sweep.yaml');
    writeFileSync(grid, stringify({ params: { base_amount_per_grid: [200] } }));
    const candles = dogeHours(dir.path, 3);
    const storeDir = join(dir.path, 'bucket');
    const store = new FilesystemObjectStore(storeDir);
    const staged = await stageSweep(store, {
      sweepId: 'bundled',
      config: base,
      grid,
      candles: { 'DOGE/USDT:USDT': candles },
    });
    const [item] = JSON.parse((await store.read(staged.items))!);
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(bundle)}).handler(JSON.parse(process.argv[1])).then((o) => process.stdout.write('\\n' + JSON.stringify(o)))`,
        JSON.stringify(item),
      ],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          NODE_NO_WARNINGS: '1',
          GRIDBOT_SWEEP_DIR: storeDir,
          GRIDBOT_SWEEP_WORK_DIR: join(dir.path, 'lambda-tmp'),
        },
      },
    );
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({
      sweepId: 'bundled',
      index: 0,
      result: sweepKeys('bundled').result(0),
      ok: true,
    });
    const row = storedResultSchema.parse(JSON.parse((await store.read(sweepKeys('bundled').result(0)))!));
    expect(row.error).toBeNull();
    expect(row.params).toEqual({ base_amount_per_grid: '200' });
    expect(row.figures?.violations).toBe(0);
  }, 60_000);
});
