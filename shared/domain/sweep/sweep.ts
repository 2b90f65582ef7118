/**
 * Parameter sweeps (`gridbot sweep`), the pure part: the sweep file's schema, its expansion into every
 * combination of the swept values (in a fixed order), applying a combination to a raw deployment config by
 * path, and validating each resulting config with the real deployment schema, so a bad combination is
 * refused before anything runs, naming the field and the fix.
 *
 * A sweep file:
 *   instance: dogeklg                 # the instance whose figures are ranked (default: the only one)
 *   params:                           # paths into the instance (or, when the first segment is a top-level
 *     base_amount_per_grid: [100, 200]  # key such as `simulation`, into the deployment config)
 *     min_profit_pct: { from: 0.2, to: 1.0, step: 0.2 }   # both ends included, exact in Decimal
 *     levels.count: { from: 8, to: 20, step: 4 }
 *   rank_by: sharpe                   # return | drawdown | sharpe | grid_profit | fills (default return)
 *   heatmap: [base_amount_per_grid, min_profit_pct]       # default: the first two params
 *
 * Combinations are numbered like nested loops in the order the params are written: the first param
 * changes slowest, the last fastest. Combination `i` is the same for the same file, always.
 */
import { z } from 'zod';
import { deploymentConfigSchema, parseDeploymentConfig } from '../config/deployment.js';
import { ConfigError, describeIssues } from '../config/format-error.js';
import { DECIMAL_TEXT, Decimal } from '../money.js';

/** Most combinations one sweep may run (each is a whole simulation). */
export const MAX_COMBINATIONS = 10_000;
/** Most values one range may produce. */
export const MAX_RANGE_VALUES = 1_000;

export const RANK_METRICS = ['return', 'drawdown', 'sharpe', 'grid_profit', 'fills'] as const;
export type RankMetric = (typeof RANK_METRICS)[number];

/** A bad sweep file or combination: the message names the field and the fix. */
export class SweepInputError extends Error {
  override readonly name = 'SweepInputError';
}

const PATH = /^[A-Za-z_][A-Za-z0-9_-]*(\.([A-Za-z0-9_-]+))*$/;

const decimalInput = z.union([z.number(), z.string()]).transform((v, ctx): Decimal => {
  const text = typeof v === 'number' ? String(v) : v.trim();
  if (!Number.isFinite(Number(text)) || !DECIMAL_TEXT.test(text)) {
    ctx.addIssue({ code: 'custom', message: `must be a number, e.g. 0.2 (got ${JSON.stringify(v)})` });
    return z.NEVER;
  }
  return new Decimal(text);
});

const rangeSchema = z
  .object({
    from: decimalInput,
    to: decimalInput,
    step: decimalInput.refine((d) => d.greaterThan(0), { message: 'must be greater than 0, e.g. 0.1' }),
  })
  .strict();

const listSchema = z
  .array(z.union([z.number(), z.string(), z.boolean()]), {
    message: 'must be a list of values, e.g. [100, 200, 300], or a range { from: 0.2, to: 1, step: 0.2 }',
  })
  .min(1, { message: 'needs at least one value' });

export const sweepFileSchema = z
  .object({
    instance: z.string().min(1).optional(),
    params: z.record(z.string(), z.unknown(), {
      message: 'must map config paths to values, e.g. base_amount_per_grid: [100, 200, 300]',
    }),
    rank_by: z.enum(RANK_METRICS).default('return'),
    heatmap: z.tuple([z.string(), z.string()]).optional(),
  })
  .strict();

/** One swept value: its text (the CSV's, exact) and what goes into the config. */
export interface SweepValue {
  readonly text: string;
  readonly raw: number | string | boolean;
}

export interface SweepParam {
  readonly path: string;
  readonly values: readonly SweepValue[];
}

export interface SweepPlan {
  /** The instance whose figures are ranked. */
  readonly instance: string;
  readonly params: readonly SweepParam[];
  readonly rankBy: RankMetric;
  /** Two param paths (one when the sweep has one param). */
  readonly heatmap: readonly string[];
  readonly count: number;
}

export interface Combination {
  readonly index: number;
  /** One value per param, in the params' order. */
  readonly values: readonly SweepValue[];
}

const plainText = (d: Decimal): string => d.toFixed();

/** A Decimal as the config gets it: a number when that number prints back the same digits, else text. */
function rawOf(d: Decimal): number | string {
  const n = d.toNumber();
  return String(n) === d.toFixed() ? n : d.toFixed();
}

/** Every value of an inclusive range, exact in Decimal; `to` must be reached by whole steps. */
export function rangeValues(path: string, r: { from: Decimal; to: Decimal; step: Decimal }): SweepValue[] {
  const where = `params.${path}`;
  if (r.to.lessThan(r.from))
    throw new SweepInputError(
      `${where}: to (${plainText(r.to)}) is below from (${plainText(r.from)}); swap them`,
    );
  const steps = r.to.minus(r.from).dividedBy(r.step);
  if (!steps.isInteger()) {
    const below = r.from.plus(steps.floor().times(r.step));
    throw new SweepInputError(
      `${where}: to (${plainText(r.to)}) is not reached from ${plainText(r.from)} in steps of ${plainText(r.step)}; set to to ${plainText(below)} or ${plainText(below.plus(r.step))}, or change step`,
    );
  }
  if (steps.plus(1).greaterThan(MAX_RANGE_VALUES))
    throw new SweepInputError(
      `${where}: the range has ${steps.plus(1).toFixed()} values (at most ${MAX_RANGE_VALUES}); use a larger step`,
    );
  const out: SweepValue[] = [];
  for (let i = 0; i <= steps.toNumber(); i++) {
    const v = r.from.plus(r.step.times(i));
    out.push({ text: plainText(v), raw: rawOf(v) });
  }
  return out;
}

function listValues(path: string, list: readonly (number | string | boolean)[]): SweepValue[] {
  const out: SweepValue[] = list.map((v) => {
    if (typeof v === 'number') {
      const d = new Decimal(String(v));
      return { text: plainText(d), raw: rawOf(d) };
    }
    return { text: String(v), raw: v };
  });
  const seen = new Set<string>();
  for (const v of out) {
    if (seen.has(v.text))
      throw new SweepInputError(`params.${path}: ${v.text} is listed twice; list each value once`);
    seen.add(v.text);
  }
  return out;
}

/** One param's values from its spec: a list or a range; problems name `params.<path>`. */
function paramValues(path: string, spec: unknown): SweepValue[] {
  if (!PATH.test(path))
    throw new SweepInputError(
      `params.${path}: not a config path; write dotted config keys, e.g. levels.count or base_amount_per_grid`,
    );
  const isRange = typeof spec === 'object' && spec !== null && !Array.isArray(spec);
  const parsed = (isRange ? rangeSchema : listSchema).safeParse(spec);
  if (!parsed.success) throw new SweepInputError(describeIssues(parsed.error, `params.${path}`).join('; '));
  const v = parsed.data;
  return Array.isArray(v) ? listValues(path, v) : rangeValues(path, v as z.infer<typeof rangeSchema>);
}

/** The ids of a raw config's instances (whatever their validity: the schema judges them later). */
function instanceIds(config: unknown): string[] {
  const list = (config as { instances?: unknown } | null)?.instances;
  if (!Array.isArray(list)) return [];
  return list.map((i) => String((i as { id?: unknown } | null)?.id ?? ''));
}

/**
 * The sweep file checked against the base config: every field and value known, the instance found, the
 * heatmap's params swept, and not too many combinations. Each problem names its field and the fix.
 */
export function parseSweepFile(input: unknown, config: unknown, source = 'sweep file'): SweepPlan {
  const parsed = sweepFileSchema.safeParse(input);
  if (!parsed.success)
    throw new SweepInputError(`invalid ${source}: ${describeIssues(parsed.error).join('; ')}`);
  const file = parsed.data;
  const ids = instanceIds(config);
  let instance = file.instance;
  if (instance === undefined) {
    if (ids.length !== 1)
      throw new SweepInputError(
        `invalid ${source}: instance: the config has ${ids.length} instances (${ids.join(', ')}); name the one to rank, e.g. instance: ${ids[0] ?? 'my-grid'}`,
      );
    instance = ids[0]!;
  } else if (!ids.includes(instance))
    throw new SweepInputError(
      `invalid ${source}: instance: "${instance}" is not an instance of the config (known: ${ids.join(', ')})`,
    );
  const entries = Object.entries(file.params);
  if (entries.length === 0)
    throw new SweepInputError(
      `invalid ${source}: params: sweeps nothing; add a field, e.g. base_amount_per_grid: [100, 200, 300]`,
    );
  let params: SweepParam[];
  try {
    params = entries.map(([path, spec]) => ({ path, values: paramValues(path, spec) }));
  } catch (e) {
    throw new SweepInputError(`invalid ${source}: ${(e as Error).message}`);
  }
  const count = params.reduce((n, p) => n * p.values.length, 1);
  if (count > MAX_COMBINATIONS)
    throw new SweepInputError(
      `invalid ${source}: params: ${count} combinations (${params.map((p) => p.values.length).join(' × ')}); at most ${MAX_COMBINATIONS}: sweep fewer values`,
    );
  const heatmap = file.heatmap ?? params.slice(0, 2).map((p) => p.path);
  for (const [i, name] of heatmap.entries())
    if (!params.some((p) => p.path === name))
      throw new SweepInputError(
        `invalid ${source}: heatmap[${i}]: "${name}" is not a swept param (swept: ${params.map((p) => p.path).join(', ')})`,
      );
  if (heatmap.length === 2 && heatmap[0] === heatmap[1])
    throw new SweepInputError(
      `invalid ${source}: heatmap: names ${heatmap[0]} twice; name two different params`,
    );
  return { instance, params, rankBy: file.rank_by, heatmap, count };
}

/** Combination `index` (0-based): the first param changes slowest, the last fastest. */
export function combinationAt(plan: Pick<SweepPlan, 'params'>, index: number): Combination {
  const values: SweepValue[] = new Array(plan.params.length);
  let rest = index;
  for (let k = plan.params.length - 1; k >= 0; k--) {
    const vs = plan.params[k]!.values;
    values[k] = vs[rest % vs.length]!;
    rest = Math.floor(rest / vs.length);
  }
  return { index, values };
}

/** Every combination, in index order. */
export function combinations(plan: Pick<SweepPlan, 'params'>): Combination[] {
  const count = plan.params.reduce((n, p) => n * p.values.length, 1);
  return Array.from({ length: count }, (_, i) => combinationAt(plan, i));
}

const ROOT_KEYS: ReadonlySet<string> = new Set(Object.keys(deploymentConfigSchema.shape));

/**
 * The full path of a param in the deployment config: from the root when its first segment is a top-level
 * key (`simulation.balances.main.USDT`), else inside the instance (`levels.count`).
 */
export function configPath(config: unknown, instance: string, path: string): (string | number)[] {
  const segments = path.split('.');
  if (ROOT_KEYS.has(segments[0]!)) return segments;
  const at = instanceIds(config).indexOf(instance);
  return ['instances', at, ...segments];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A deep copy of a raw (JSON-like) config with `value` set at `path`; missing objects on the way are made. */
export function setByPath(
  config: unknown,
  path: readonly (string | number)[],
  value: unknown,
  name = path.join('.'),
): unknown {
  const copy = structuredClone(config);
  let node: unknown = copy;
  path.forEach((segment, i) => {
    const last = i === path.length - 1;
    if (Array.isArray(node)) {
      const k = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : NaN;
      if (!Number.isInteger(k) || k >= node.length)
        throw new SweepInputError(
          `params.${name}: ${path.slice(0, i).join('.')} is a list of ${node.length}; "${segment}" must be an index below ${node.length}`,
        );
      if (last) node[k] = value;
      else node = node[k];
      return;
    }
    if (!isRecord(node))
      throw new SweepInputError(
        `params.${name}: ${path.slice(0, i).join('.')} is ${JSON.stringify(node)}, not a section with fields; sweep a field that holds a value`,
      );
    const key = String(segment);
    if (last) node[key] = value;
    else {
      if (node[key] === undefined) node[key] = {};
      node = node[key];
    }
  });
  return copy;
}

/** The raw config of one combination (not yet validated). */
export function applyCombination(config: unknown, plan: SweepPlan, combination: Combination): unknown {
  let out = config;
  plan.params.forEach((p, k) => {
    out = setByPath(out, configPath(config, plan.instance, p.path), combination.values[k]!.raw, p.path);
  });
  return out;
}

export const describeCombination = (plan: Pick<SweepPlan, 'params'>, c: Combination): string =>
  plan.params.map((p, k) => `${p.path}=${c.values[k]!.text}`).join(', ');

/**
 * Every combination's raw config, each validated with the deployment schema: the first invalid one is
 * refused, naming the combination, the config field, what is wrong, and the sweep param to change.
 */
export function expandSweep(
  config: unknown,
  plan: SweepPlan,
): { combination: Combination; config: unknown }[] {
  return combinations(plan).map((combination) => {
    const raw = applyCombination(config, plan, combination);
    try {
      parseDeploymentConfig(raw, 'deployment config');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      throw new SweepInputError(
        `combination ${combination.index} (${describeCombination(plan, combination)}) makes an invalid config: ${e.issues.join('; ')}; change the values of ${plan.params.map((p) => `params.${p.path}`).join(' / ')} in the sweep file`,
      );
    }
    return { combination, config: raw };
  });
}

/** What one combination's simulation produced for the ranked instance (or why it failed). */
export interface SweepFigures {
  readonly returnPct: string | null;
  readonly maxDrawdownPct: string | null;
  readonly sharpe: number | null;
  readonly fills: number;
  readonly gridProfit: string;
  readonly netPnl: string;
  readonly violations: number;
}

export interface SweepRow {
  readonly index: number;
  readonly values: readonly string[];
  readonly figures: SweepFigures | null;
  readonly error: string | null;
}

/** The rank metric of a row as a Decimal (null when missing or the run failed), and whether more is better. */
export function metricOf(row: SweepRow, metric: RankMetric): Decimal | null {
  const f = row.figures;
  if (!f) return null;
  switch (metric) {
    case 'return':
      return f.returnPct === null ? null : new Decimal(f.returnPct);
    case 'drawdown':
      return f.maxDrawdownPct === null ? null : new Decimal(f.maxDrawdownPct);
    case 'sharpe':
      return f.sharpe === null ? null : new Decimal(String(f.sharpe));
    case 'grid_profit':
      return new Decimal(f.gridProfit);
    case 'fills':
      return new Decimal(f.fills);
  }
}

/** Lower is better only for drawdown. */
export const higherIsBetter = (metric: RankMetric): boolean => metric !== 'drawdown';

/**
 * Rows best first by the metric; rows without it (failed runs, no figure) last; ties by combination index.
 * The order depends on the rows alone, never on the order they came in.
 */
export function rankRows(rows: readonly SweepRow[], metric: RankMetric): SweepRow[] {
  const sign = higherIsBetter(metric) ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = metricOf(a, metric);
    const y = metricOf(b, metric);
    if (x && y) {
      const c = x.comparedTo(y) * sign;
      if (c !== 0) return c;
    } else if (x || y) return x ? -1 : 1;
    return a.index - b.index;
  });
}

const CSV_FIGURES = [
  'return_pct',
  'max_drawdown_pct',
  'sharpe',
  'fills',
  'grid_profit',
  'net_pnl',
  'violations',
  'error',
] as const;

const csvCell = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/**
 * One ranked row as text cells, in the CSV's column order (rank from 1, combination, the params, the
 * figures, any failure); the HTML table shows the same cells.
 */
export function rowCells(r: SweepRow, rankIndex: number): string[] {
  const f = r.figures;
  return [
    String(rankIndex + 1),
    String(r.index),
    ...r.values,
    f?.returnPct ?? '',
    f?.maxDrawdownPct ?? '',
    f?.sharpe === null || f?.sharpe === undefined ? '' : String(f.sharpe),
    f ? String(f.fills) : '',
    f?.gridProfit ?? '',
    f?.netPnl ?? '',
    f ? String(f.violations) : '',
    r.error ?? '',
  ];
}

/** The ranked table as CSV: rank, combination, one column per param, then the figures and any failure. */
export function sweepCsv(plan: Pick<SweepPlan, 'params'>, ranked: readonly SweepRow[]): string {
  const head = ['rank', 'combination', ...plan.params.map((p) => p.path), ...CSV_FIGURES];
  const lines = [head.map(csvCell).join(',')];
  ranked.forEach((r, i) => {
    lines.push(rowCells(r, i).map(csvCell).join(','));
  });
  return `${lines.join('\n')}\n`;
}
