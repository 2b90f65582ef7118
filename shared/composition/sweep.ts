/**
 * Parameter sweeps (`gridbot sweep`): every combination of a sweep file's values (`domain/sweep/sweep.ts`)
 * applied to a base deployment config, each simulated over the same market data in a pool of worker
 * threads (tinypool; `sweep/worker-entry.mjs` loads the TypeScript through tsx), with the in-memory store
 * and no files per combination. The rows are ranked by the metric, then the combination index, so the
 * table is byte-identical whatever order the workers finished in. Writes `sweep.csv`, `sweep.html` and
 * `sweep.json` into the output directory.
 *
 * Entry point: `runSweep(options)`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Tinypool from 'tinypool';
import { parse as parseYaml } from 'yaml';
import { parseDeploymentConfig } from '../domain/config/deployment.js';
import {
  describeCombination,
  expandSweep,
  parseSweepFile,
  rankRows,
  SweepInputError,
  type SweepPlan,
  type SweepRow,
  sweepCsv,
} from '../domain/sweep/sweep.js';
import type { MarketInputs } from './sim/plan.js';
import { sweepHtml } from './sweep/html.js';
import type { SweepTask, SweepTaskResult } from './sweep/worker.js';

export { SweepInputError };

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

export interface SweepResult {
  readonly plan: SweepPlan;
  /** Best first. */
  readonly ranked: readonly SweepRow[];
  readonly csv: string;
  readonly html: string;
  readonly json: string;
  readonly files: readonly string[];
  readonly workers: number;
  readonly timings: { readonly totalMs: number; readonly perCombinationMs: readonly number[] };
}

/** Errors a worker reports that mean the input (data files, config) was wrong, not the run. */
const INPUT_ERROR_NAMES = new Set([
  'SimInputError',
  'ConfigError',
  'DeploymentSourceError',
  'PaperSetupError',
]);

function readStructured(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SweepInputError(`cannot read the ${what} ${path}: ${(e as Error).message}`);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new SweepInputError(
      `the ${what} ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
}

/** The sweep planned from its files: the base config (validated), the plan, and every combination's config. */
export function planSweep(configPath: string, gridPath: string) {
  const raw = readStructured(configPath, 'config file');
  // The base config must be valid on its own: its problems are the config's, not the sweep's.
  parseDeploymentConfig(raw, configPath);
  const plan = parseSweepFile(readStructured(gridPath, 'sweep file'), raw, `sweep file ${gridPath}`);
  return { raw, plan, expanded: expandSweep(raw, plan) };
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
          ...(options.candles ? { candles: options.candles } : {}),
          ...(options.ticks ? { ticks: options.ticks } : {}),
          ...(options.funding ? { funding: options.funding } : {}),
          ...(options.exchangeInfo ? { exchangeInfo: options.exchangeInfo } : {}),
          ...(options.from !== undefined ? { from: options.from } : {}),
          ...(options.to !== undefined ? { to: options.to } : {}),
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
  // When nothing ran, the cause is the input all combinations share (a data file, the period): say it.
  if (results.every((r) => r.error !== null)) {
    const first = results[0]!;
    const message = `every combination failed; combination 0 (${describeCombination(plan, expanded[0]!.combination)}): ${first.error}`;
    if (INPUT_ERROR_NAMES.has(first.errorName ?? '')) throw new SweepInputError(message);
    throw new Error(message);
  }
  const rows: SweepRow[] = results.map((r) => ({
    index: r.index,
    values: expanded[r.index]!.combination.values.map((v) => v.text),
    figures: r.figures,
    error: r.error,
  }));
  const ranked = rankRows(rows, plan.rankBy);
  const csv = sweepCsv(plan, ranked);
  const market = {
    candles: options.candles ?? {},
    ...(options.ticks ? { ticks: options.ticks } : {}),
    from: options.from === undefined ? null : new Date(options.from).toISOString(),
    to: options.to === undefined ? null : new Date(options.to).toISOString(),
  };
  const title = `gridbot sweep: ${plan.count} combinations of ${plan.params.map((p) => p.path).join(', ')}`;
  const html = sweepHtml({
    title,
    plan,
    ranked,
    notes: [
      `config ${options.config}, sweep file ${options.grid}, instance ${plan.instance}`,
      `market data: ${Object.values(market.candles).join(', ') || 'the config’s (demo market)'}${market.from ? `, from ${market.from}` : ''}${market.to ? ` to ${market.to}` : ''}`,
      `${ranked.filter((r) => r.error).length} of ${plan.count} combinations failed`,
    ],
  });
  // No wall-clock figure and no absolute path: the same sweep writes the same files.
  const json = `${JSON.stringify(
    {
      gridbot: 'sweep',
      instance: plan.instance,
      rankBy: plan.rankBy,
      heatmap: plan.heatmap,
      params: plan.params.map((p) => ({ path: p.path, values: p.values.map((v) => v.text) })),
      combinations: plan.count,
      failed: ranked.filter((r) => r.error).length,
      rows: ranked.map((r, i) => ({
        rank: i + 1,
        combination: r.index,
        params: Object.fromEntries(plan.params.map((p, k) => [p.path, r.values[k]])),
        ...(r.figures ?? {}),
        error: r.error,
      })),
    },
    null,
    2,
  )}\n`;
  const files: string[] = [];
  if (options.outDir) {
    mkdirSync(options.outDir, { recursive: true });
    for (const [name, text] of [
      ['sweep.csv', csv],
      ['sweep.html', html],
      ['sweep.json', json],
    ] as const) {
      const path = join(options.outDir, name);
      writeFileSync(path, text);
      files.push(path);
    }
  }
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
