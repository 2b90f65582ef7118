/**
 * The two ends of a distributed sweep, on any object store: `stageSweep` puts a sweep's inputs and its
 * items.json (one item per combination) into the store; `collectSweep` reads the result rows the item runs
 * left and makes the same files a local sweep makes (`outputs.ts`). `gridbot sweep --aws` does both around a
 * Step Functions execution; the tests do both around the item handler on a directory.
 *
 * Entry points: `stageSweep(store, options)`, `collectSweep(store, staged, source)`, `countResults`.
 *
 * Market data keeps its neighbourhood: a funding CSV next to a candle or tick file, or in `../funding`,
 * goes into the store beside it (`market/<n>/data/`, `market/<n>/funding/`), so a run finds the funding a
 * local run would find. The config's own `simulation.exchange_info` is staged as the explicit file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SweepInputError, type SweepPlan } from '../../domain/sweep/sweep.js';
import {
  type StagedMarket,
  type StoredResult,
  storedResultSchema,
  sweepItems,
  sweepKeys,
} from '../../domain/sweep/work-items.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { MarketInputs } from '../sim/plan.js';
import { type SweepOutputs, type SweepRunResult, type SweepSource, sweepOutputs } from './outputs.js';
import { planSweep } from './plan.js';

export interface StageOptions extends MarketInputs {
  readonly sweepId: string;
  /** The base config and sweep files (YAML or JSON). */
  readonly config: string;
  readonly grid: string;
}

export interface StagedSweep {
  readonly sweepId: string;
  readonly plan: SweepPlan;
  /** The items.json key (the Distributed Map's item reader reads it). */
  readonly items: string;
  /** Every key written. */
  readonly keys: readonly string[];
}

const FUNDING_FILE = /_funding_.*\.csv$/;

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new SweepInputError(`cannot read the ${what} ${path}: ${(e as Error).message}`);
  }
}

export async function stageSweep(store: ObjectStore, options: StageOptions): Promise<StagedSweep> {
  const configPath = resolve(options.config);
  const { raw, sweepFile, plan } = planSweep(configPath, resolve(options.grid));
  const keys = sweepKeys(options.sweepId);
  const written: string[] = [];
  const put = async (key: string, text: string, type = 'application/json') => {
    await store.write(key, text, type);
    written.push(key);
  };
  let folder = 0;
  /** A market file in its own folder, with the funding files a local run could find next to it. */
  const stageFile = async (path: string, what: string, neighbours: boolean): Promise<string> => {
    const base = `${keys.market}${folder++}/`;
    const key = `${base}data/${basename(path)}`;
    await put(key, readText(path, what), 'text/plain');
    if (!neighbours) return key;
    const dir = dirname(resolve(path));
    for (const [from, to] of [
      [dir, 'data'],
      [join(dir, '..', 'funding'), 'funding'],
    ] as const) {
      if (!existsSync(from)) continue;
      for (const name of readdirSync(from).sort())
        if (FUNDING_FILE.test(name) && join(from, name) !== resolve(path))
          await put(`${base}${to}/${name}`, readText(join(from, name), 'funding file'), 'text/plain');
    }
    return key;
  };
  const stageAll = async (
    files: Readonly<Record<string, string>> | undefined,
    what: string,
    near: boolean,
  ) => {
    if (!files || Object.keys(files).length === 0) return undefined;
    const out: Record<string, string> = {};
    for (const [symbol, path] of Object.entries(files)) out[symbol] = await stageFile(path, what, near);
    return out;
  };

  await put(keys.config, `${JSON.stringify(raw, null, 2)}\n`);
  await put(keys.sweep, `${JSON.stringify(sweepFile, null, 2)}\n`);
  const candles = await stageAll(options.candles, 'candle file', true);
  const ticks = await stageAll(options.ticks, 'tick file', true);
  const funding = await stageAll(options.funding, 'funding file', false);
  const declared = (raw as { simulation?: { exchange_info?: unknown } }).simulation?.exchange_info;
  const infoPath =
    options.exchangeInfo ??
    (typeof declared === 'string' ? resolve(dirname(configPath), declared) : undefined);
  const exchangeInfo = infoPath ? await stageFile(infoPath, 'exchangeInfo file', false) : undefined;
  const market: StagedMarket = {
    ...(candles ? { candles } : {}),
    ...(ticks ? { ticks } : {}),
    ...(funding ? { funding } : {}),
    ...(exchangeInfo ? { exchangeInfo } : {}),
    ...(options.from !== undefined ? { from: options.from } : {}),
    ...(options.to !== undefined ? { to: options.to } : {}),
  };
  await put(keys.items, JSON.stringify(sweepItems(options.sweepId, plan, market)));
  return { sweepId: options.sweepId, plan, items: keys.items, keys: written };
}

/** How many combinations have left a result so far. */
export async function countResults(store: ObjectStore, sweepId: string): Promise<number> {
  return (await store.list(sweepKeys(sweepId).results)).filter((k) => k.endsWith('.json')).length;
}

/** A combination without a result: its run failed beyond Step Functions' retries. */
export const MISSING_RESULT =
  'no result: the run of this combination failed (see the map run of the execution)';

/** The result of each combination (a missing one as a failed row), in index order. */
export async function readResults(store: ObjectStore, staged: Pick<StagedSweep, 'sweepId' | 'plan'>) {
  const keys = sweepKeys(staged.sweepId);
  const results: SweepRunResult[] = [];
  for (let index = 0; index < staged.plan.count; index++) {
    const key = keys.result(index);
    const text = await store.read(key);
    if (text === null) {
      results.push({ index, figures: null, error: MISSING_RESULT, errorName: 'SweepResultMissing' });
      continue;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = null;
    }
    const parsed = storedResultSchema.safeParse(doc);
    if (!parsed.success || parsed.data.index !== index || parsed.data.sweepId !== staged.sweepId)
      throw new Error(`${key} is not the result of combination ${index} of sweep ${staged.sweepId}`);
    const r: StoredResult = parsed.data;
    results.push({ index, figures: r.figures, error: r.error, errorName: r.errorName });
  }
  return results;
}

export async function collectSweep(
  store: ObjectStore,
  staged: Pick<StagedSweep, 'sweepId' | 'plan'>,
  source: SweepSource,
): Promise<SweepOutputs & { results: SweepRunResult[] }> {
  const results = await readResults(store, staged);
  return { ...sweepOutputs(staged.plan, results, source), results };
}
