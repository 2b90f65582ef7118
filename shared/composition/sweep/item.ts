/**
 * One combination of a distributed sweep (`gridbot sweep --aws`), as the item Lambda runs it: the sweep's
 * inputs come from the object store into a local folder that mirrors their keys (kept across the runs of a
 * warm Lambda), combination `index` is derived from the base config and the sweep file exactly as the local
 * sweep derives it, and `runSweepTask` — the local sweep's worker task — simulates it. The result goes to
 * `results/<sweepId>/<index>.json`.
 *
 * Entry point: `runSweepItem(item, deps)`.
 *
 * A failed simulation is a result with its error (a row of the table, as locally). Thrown are only what a
 * retry could fix (the store) and what no retry fixes: inputs missing from the store, or an item whose
 * values are not those of its combination (`SweepItemError`).
 */
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { applyCombination, combinationAt, describeCombination } from '../../domain/sweep/sweep.js';
import { type StoredResult, type SweepItem, sweepKeys } from '../../domain/sweep/work-items.js';
import { isSafeObjectKey, type ObjectStore } from '../../ports/object-store.js';
import { planSweepFrom } from './plan.js';
import { runSweepTask } from './worker.js';

/** An item that can never run: its inputs are not in the store, or it is not its combination. */
export class SweepItemError extends Error {
  override readonly name = 'SweepItemError';
  readonly retryable = false;
}

export interface SweepItemDeps {
  readonly store: ObjectStore;
  /** Where the inputs are mirrored (a Lambda's /tmp). */
  readonly workDir: string;
}

export interface SweepItemOutcome {
  readonly sweepId: string;
  readonly index: number;
  /** Where the result row is. */
  readonly result: string;
  readonly ok: boolean;
}

async function readJson(store: ObjectStore, key: string, what: string): Promise<unknown> {
  const text = await store.read(key);
  if (text === null) throw new SweepItemError(`the ${what} ${key} is not in the sweep store`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SweepItemError(`the ${what} ${key} is not valid JSON: ${(e as Error).message}`);
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Every input object of the sweep, mirrored under `workDir` by key (those already there are kept). */
async function mirrorMarket(item: SweepItem, deps: SweepItemDeps): Promise<(key: string) => string> {
  // Only plain keys of this sweep map into the work directory: a key with `..` (a bucket someone else can
  // write to) or of another sweep is refused, never followed.
  const prefix = sweepKeys(item.sweepId).inputs;
  const local = (key: string) => {
    const ours = key.startsWith(prefix) || key === prefix.slice(0, -1);
    if (!isSafeObjectKey(key) || !ours)
      throw new SweepItemError(`the key ${JSON.stringify(key)} is not an input of sweep ${item.sweepId}`);
    return join(deps.workDir, ...key.split('/'));
  };
  for (const key of await deps.store.list(sweepKeys(item.sweepId).market)) {
    const path = local(key);
    if (await exists(path)) continue;
    const text = await deps.store.read(key);
    if (text === null) throw new SweepItemError(`the market file ${key} vanished from the sweep store`);
    await mkdir(dirname(path), { recursive: true });
    // Whole files only: a run cut short by its timeout leaves nothing half written for the next one.
    const partial = `${path}.partial-${process.pid}`;
    await writeFile(partial, text);
    await rename(partial, path);
  }
  return local;
}

const mapPaths = (files: Readonly<Record<string, string>> | undefined, local: (k: string) => string) =>
  files ? Object.fromEntries(Object.entries(files).map(([symbol, key]) => [symbol, local(key)])) : undefined;

export async function runSweepItem(item: SweepItem, deps: SweepItemDeps): Promise<SweepItemOutcome> {
  const raw = await readJson(deps.store, item.inputs.config, 'base config');
  const sweepFile = await readJson(deps.store, item.inputs.sweep, 'sweep file');
  const { plan } = planSweepFrom(raw, sweepFile, { config: item.inputs.config, grid: item.inputs.sweep });
  if (item.index >= plan.count)
    throw new SweepItemError(`item ${item.index}: the sweep has only ${plan.count} combinations`);
  const combination = combinationAt(plan, item.index);
  const expected = Object.fromEntries(plan.params.map((p, k) => [p.path, combination.values[k]!.text]));
  if (JSON.stringify(expected) !== JSON.stringify(item.params))
    throw new SweepItemError(
      `item ${item.index} names ${JSON.stringify(item.params)}, but combination ${item.index} of the sweep file is ${describeCombination(plan, combination)}: items.json does not belong to this sweep file`,
    );
  const local = await mirrorMarket(item, deps);
  const m = item.market;
  const candles = mapPaths(m.candles, local);
  const ticks = mapPaths(m.ticks, local);
  const funding = mapPaths(m.funding, local);
  const result = await runSweepTask({
    index: item.index,
    config: applyCombination(raw, plan, combination),
    dir: local(sweepKeys(item.sweepId).inputs.replace(/\/$/, '')),
    instance: plan.instance,
    ...(candles ? { candles } : {}),
    ...(ticks ? { ticks } : {}),
    ...(funding ? { funding } : {}),
    ...(m.exchangeInfo ? { exchangeInfo: local(m.exchangeInfo) } : {}),
    ...(m.from !== undefined ? { from: m.from } : {}),
    ...(m.to !== undefined ? { to: m.to } : {}),
  });
  const stored: StoredResult = {
    sweepId: item.sweepId,
    index: item.index,
    params: item.params,
    figures: result.figures,
    error: result.error,
    errorName: result.errorName,
    ms: result.ms,
  };
  const key = sweepKeys(item.sweepId).result(item.index);
  await deps.store.write(key, `${JSON.stringify(stored, null, 2)}\n`);
  return { sweepId: item.sweepId, index: item.index, result: key, ok: result.error === null };
}
