/**
 * A sweep run as independent work items (`gridbot sweep --aws`: a Step Functions Distributed Map over a
 * Lambda that runs one simulation per item): where its objects live in the store, the item each run gets
 * and the result it leaves. Pure: keys and schemas; the shells move the objects.
 *
 * Entry points: `sweepKeys`, `sweepItems`, `sweepItemSchema`, `storedResultSchema`.
 *
 * Invariants:
 *  1. Item `i` is combination `i` of the sweep file (`combinationAt`) and names its values as text, so the
 *     run that takes it can check that it derived the same combination before simulating anything.
 *  2. A sweep's inputs lie under `inputs/<sweepId>/`, its results under `results/<sweepId>/<index>.json`:
 *     one object per combination, whatever order the runs end in, and a retried run overwrites its own.
 *  3. Keys are relative and plain (`isSafeObjectKey`): an item can name nothing outside its sweep.
 */
import { z } from 'zod';
import type { SweepFigures, SweepPlan } from './sweep.js';
import { combinationAt } from './sweep.js';

/** A sweep id: also the Step Functions execution name (at most 80 of these characters). */
export const SWEEP_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

export const sweepKeys = (sweepId: string) => {
  const inputs = `inputs/${sweepId}/`;
  const results = `results/${sweepId}/`;
  return {
    inputs,
    config: `${inputs}config.json`,
    sweep: `${inputs}sweep.json`,
    items: `${inputs}items.json`,
    /** Market data files, each under its own folder (`market/<n>/data/<file>`, funding in `…/funding/`). */
    market: `${inputs}market/`,
    results,
    result: (index: number) => `${results}${index}.json`,
  };
};

const key = z
  .string()
  .min(1)
  .max(1024)
  .refine((k) => !k.startsWith('/') && k.split('/').every((s) => s !== '' && s !== '.' && s !== '..'), {
    message: 'must be a relative object key without . or .. segments',
  });

const perSymbol = z.record(z.string(), key);

/** What one run of the item Lambda gets: which combination, and where its inputs are. */
export const sweepItemSchema = z
  .object({
    sweepId: z.string().regex(SWEEP_ID, { message: 'must be letters, digits and -, at most 64' }),
    index: z.number().int().nonnegative(),
    /** The combination's values by param path, as the CSV prints them. */
    params: z.record(z.string(), z.string()),
    inputs: z.object({ config: key, sweep: key }).strict(),
    market: z
      .object({
        candles: perSymbol.optional(),
        ticks: perSymbol.optional(),
        funding: perSymbol.optional(),
        exchangeInfo: key.optional(),
        from: z.number().int().optional(),
        to: z.number().int().optional(),
      })
      .strict(),
  })
  .strict();

export type SweepItem = z.infer<typeof sweepItemSchema>;
export type StagedMarket = SweepItem['market'];

/** One item per combination of `plan`, in index order (the Distributed Map's items.json). */
export function sweepItems(sweepId: string, plan: SweepPlan, market: StagedMarket): SweepItem[] {
  const keys = sweepKeys(sweepId);
  return Array.from({ length: plan.count }, (_, index) => {
    const c = combinationAt(plan, index);
    return {
      sweepId,
      index,
      params: Object.fromEntries(plan.params.map((p, k) => [p.path, c.values[k]!.text])),
      inputs: { config: keys.config, sweep: keys.sweep },
      market,
    };
  });
}

const figuresSchema = z
  .object({
    returnPct: z.string().nullable(),
    maxDrawdownPct: z.string().nullable(),
    sharpe: z.number().nullable(),
    fills: z.number().int().nonnegative(),
    gridProfit: z.string(),
    netPnl: z.string(),
    violations: z.number().int().nonnegative(),
  })
  .strict() satisfies z.ZodType<SweepFigures>;

/** The object a run leaves at `results/<sweepId>/<index>.json`. */
export const storedResultSchema = z
  .object({
    sweepId: z.string(),
    index: z.number().int().nonnegative(),
    params: z.record(z.string(), z.string()),
    figures: figuresSchema.nullable(),
    error: z.string().nullable(),
    errorName: z.string().nullable(),
    ms: z.number().nonnegative(),
  })
  .strict();

export type StoredResult = z.infer<typeof storedResultSchema>;
