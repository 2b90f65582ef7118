/**
 * Parameter sweeps (`gridbot sweep`): every combination of a sweep file's values (`domain/sweep/sweep.ts`)
 * applied to a base deployment config, each simulated over the same market data in a pool of worker
 * threads (tinypool; `sweep/worker-entry.mjs` loads the TypeScript through tsx), with the in-memory store
 * and no files per combination. The rows are ranked by the metric, then the combination index, so the
 * table is byte-identical whatever order the workers finished in (`sweep/outputs.ts`, which the AWS sweep
 * shares). Writes `sweep.csv`, `sweep.html` and `sweep.json` into the output directory.
 *
 * Entry point: `runSweep(options)`.
 */
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import Tinypool from 'tinypool';
import { SweepInputError, type SweepPlan } from '../domain/sweep/sweep.js';
import { type MarketInputs, marketInputsOf } from './sim/plan.js';
import { type SweepOutputs, sweepOutputs, writeSweepFiles } from './sweep/outputs.js';
import { planSweep } from './sweep/plan.js';
import type { SweepTask, SweepTaskResult } from './sweep/worker.js';

export { planSweep, SweepInputError };

export interface SweepOptions extends MarketInputs {
  /** The base deployment config file (YAML or JSON). */
  readonly config: string;
  /** The sweep file (YAML or JSON). */
  readonly grid: string;
  /** Worker threads (default: the available cores, at most one per combination). */
  readonly workers?: number;
  /** Where the files go; nothing is written without it. */
  readonly outDir?: string;
  /** Combinations done of the total, and the wall-clock time. */
  readonly onProgress?: (done: number, total: number, at: number) => void;
}

export interface SweepResult extends SweepOutputs {
  readonly plan: SweepPlan;
  readonly files: readonly string[];
  readonly workers: number;
  readonly timings: { readonly totalMs: number; readonly perCombinationMs: readonly number[] };
}

const WORKER_ENTRY = new URL('./sweep/worker-entry.mjs', import.meta.url);

export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  const configPath = resolve(options.config);
  const { plan, expanded } = planSweep(configPath, resolve(options.grid));
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1))
    throw new SweepInputError(`--workers ${options.workers}: must be a whole number ≥ 1, e.g. 2`);
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), expanded.length));
  const dir = dirname(configPath);
  const pool = new Tinypool({
    filename: WORKER_ENTRY.href,
    minThreads: workers,
    maxThreads: workers,
    // Each task builds its own runtime: a worker may run many in turn.
    isolateWorkers: false,
    idleTimeout: 1_000,
  });
  let done = 0;
  let results: SweepTaskResult[];
  try {
    options.onProgress?.(0, expanded.length, Date.now());
    results = await Promise.all(
      expanded.map(async ({ combination, config }) => {
        const task: SweepTask = {
          index: combination.index,
          config,
          dir,
          instance: plan.instance,
          ...marketInputsOf(options),
        };
        const result = (await pool.run(task)) as SweepTaskResult;
        done += 1;
        options.onProgress?.(done, expanded.length, Date.now());
        return result;
      }),
    );
  } finally {
    await pool.destroy();
  }
  const { ranked, csv, html, json } = sweepOutputs(plan, results, {
    config: options.config,
    grid: options.grid,
    market: options,
  });
  const files = options.outDir ? writeSweepFiles(options.outDir, { ranked, csv, html, json }) : [];
  return {
    plan,
    ranked,
    csv,
    html,
    json,
    files,
    workers,
    timings: {
      totalMs: performance.now() - started,
      perCombinationMs: [...results].sort((a, b) => a.index - b.index).map((r) => r.ms),
    },
  };
}
