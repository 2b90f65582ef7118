/**
 * A sweep's files from its runs' results, whoever ran them (worker threads here, Lambda runs on AWS): the
 * rows ranked by the metric, then the combination index, as `sweep.csv`, `sweep.html` and `sweep.json`.
 * The same results give byte-identical files, whatever order they arrived in and wherever they ran.
 *
 * Entry points: `sweepOutputs(plan, results, source)`, `writeSweepFiles(outDir, outputs)`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  combinationAt,
  describeCombination,
  rankRows,
  type SweepFigures,
  SweepInputError,
  type SweepPlan,
  type SweepRow,
  sweepCsv,
} from '../../domain/sweep/sweep.js';
import type { MarketInputs } from '../sim/plan.js';
import { sweepHtml } from './html.js';

/** What one combination's run produced: its figures, or why it failed (and the error's class name). */
export interface SweepRunResult {
  readonly index: number;
  readonly figures: SweepFigures | null;
  readonly error: string | null;
  readonly errorName: string | null;
}

/** The files the sweep was given, as the user named them (the HTML page quotes them). */
export interface SweepSource {
  readonly config: string;
  readonly grid: string;
  readonly market: Pick<MarketInputs, 'candles' | 'ticks' | 'from' | 'to'>;
}

export interface SweepOutputs {
  /** Best first. */
  readonly ranked: readonly SweepRow[];
  readonly csv: string;
  readonly html: string;
  readonly json: string;
}

/** Errors a run reports that mean the input (data files, config) was wrong, not the run. */
const INPUT_ERROR_NAMES = new Set([
  'SimInputError',
  'ConfigError',
  'DeploymentSourceError',
  'PaperSetupError',
]);

export function sweepOutputs(
  plan: SweepPlan,
  results: readonly SweepRunResult[],
  source: SweepSource,
): SweepOutputs {
  // When nothing ran, the cause is the input all combinations share (a data file, the period): say it.
  if (results.length > 0 && results.every((r) => r.error !== null)) {
    const first = [...results].sort((a, b) => a.index - b.index)[0]!;
    const message = `every combination failed; combination ${first.index} (${describeCombination(plan, combinationAt(plan, first.index))}): ${first.error}`;
    if (INPUT_ERROR_NAMES.has(first.errorName ?? '')) throw new SweepInputError(message);
    throw new Error(message);
  }
  const rows: SweepRow[] = results.map((r) => ({
    index: r.index,
    values: combinationAt(plan, r.index).values.map((v) => v.text),
    figures: r.figures,
    error: r.error,
  }));
  const ranked = rankRows(rows, plan.rankBy);
  const csv = sweepCsv(plan, ranked);
  const market = {
    candles: source.market.candles ?? {},
    ...(source.market.ticks ? { ticks: source.market.ticks } : {}),
    from: source.market.from === undefined ? null : new Date(source.market.from).toISOString(),
    to: source.market.to === undefined ? null : new Date(source.market.to).toISOString(),
  };
  const title = `gridbot sweep: ${plan.count} combinations of ${plan.params.map((p) => p.path).join(', ')}`;
  const html = sweepHtml({
    title,
    plan,
    ranked,
    notes: [
      `config ${source.config}, sweep file ${source.grid}, instance ${plan.instance}`,
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
  return { ranked, csv, html, json };
}

/** Writes sweep.csv, sweep.html and sweep.json into `outDir`; returns their paths. */
export function writeSweepFiles(outDir: string, outputs: SweepOutputs): string[] {
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  for (const [name, text] of [
    ['sweep.csv', outputs.csv],
    ['sweep.html', outputs.html],
    ['sweep.json', outputs.json],
  ] as const) {
    const path = join(outDir, name);
    writeFileSync(path, text);
    files.push(path);
  }
  return files;
}
