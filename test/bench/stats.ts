/**
 * The benches' one way to measure a latency (`sampleLatency` / `measureLatency`) and to report it
 * (`latencyLine`): an untimed warm-up (at least `warmup.iterations` steps and `warmup.ms` of wall time, so the
 * JIT, sockets and caches settle), then at least `MIN_SAMPLES` timed samples per figure, then one line per
 * figure with n, mean, p50, p99 and max, all in milliseconds, and the figure's budget: a p99 above it prints
 * `OVER BUDGET`. Benches measure, they never fail on a budget (the machines are shared and noisy).
 */
import { performance } from 'node:perf_hooks';

/** No latency figure is reported on fewer samples: below this a p99 is one or two outliers. */
export const MIN_SAMPLES = 1000;

/** The default warm-up: at least 50 untimed steps and at least one second, whichever takes longer. */
export const DEFAULT_WARMUP: Warmup = { iterations: 50, ms: 1000 };

export interface Warmup {
  /** Untimed steps, at least. */
  readonly iterations: number;
  /** Wall time spent warming up, at least (ms). */
  readonly ms: number;
}

/** A latency budget on the p99 and where it comes from (a document, or a measurement with headroom). */
export interface Budget {
  readonly p99Ms: number;
  readonly source: string;
}

export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentile (p in 0..100) of samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return rankOf(sorted, p);
}

function rankOf(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0)
    return { n, mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
  return {
    n,
    mean: sorted.reduce((a, b) => a + b, 0) / n,
    p50: rankOf(sorted, 50),
    p90: rankOf(sorted, 90),
    p99: rankOf(sorted, 99),
    max: sorted[n - 1]!,
  };
}

/** A duration for prose (µs below a millisecond); report lines use `ms` instead, one unit throughout. */
export function fmtMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
}

/** Milliseconds with three decimals (µs resolution), right-aligned: the unit of every report line. */
export function ms(value: number): string {
  return value.toFixed(3).padStart(8);
}

/** True when the figure misses its budget (p99 above it); a figure without a budget never does. */
export function overBudget(s: Summary, budget?: Budget): boolean {
  return budget !== undefined && s.p99 > budget.p99Ms;
}

/**
 * One report line: `label  n=…  mean … p50 … p99 … max … ms  budget p99 ≤ … ms (source)  ok | OVER BUDGET`.
 * A figure on fewer than `MIN_SAMPLES` samples says so instead of passing for a percentile.
 */
export function latencyLine(label: string, s: Summary, budget?: Budget): string {
  const figures = `n=${String(s.n).padStart(5)}  mean ${ms(s.mean)}  p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  max ${ms(s.max)} ms`;
  const few = s.n < MIN_SAMPLES ? `  (TOO FEW SAMPLES: < ${MIN_SAMPLES})` : '';
  const verdict = budget
    ? `  budget p99 ≤ ${budget.p99Ms} ms (${budget.source})  ${overBudget(s, budget) ? 'OVER BUDGET' : 'ok'}`
    : '';
  return `${label.padEnd(LABEL_WIDTH)} ${figures}${verdict}${few}`;
}

const LABEL_WIDTH = 48;

export interface SeriesSpec {
  readonly label: string;
  readonly budget?: Budget;
}

export interface SampleOptions {
  /** Timed samples per figure, at least; never below `MIN_SAMPLES`. */
  readonly samples?: number;
  readonly warmup?: Warmup;
  /** Stop with an error after this many measured steps (a step that never records a figure). */
  readonly maxSteps?: number;
  /** Print the report lines (default true). */
  readonly print?: boolean;
}

export interface Figure extends Summary {
  readonly over: boolean;
}

export type Recorder<K extends string> = (figure: K, ms: number) => void;

/**
 * Runs `step` until every figure of `series` holds `samples` samples. A step does one unit of work and
 * records the durations it timed (a step may time several figures, or none, e.g. a price move with no
 * fill). During the warm-up the same steps run and their recordings are dropped. Returns the summaries
 * and prints one `latencyLine` per figure, in the order of `series`.
 */
export async function sampleLatency<K extends string>(
  series: Readonly<Record<K, SeriesSpec>>,
  step: (record: Recorder<K>) => unknown,
  options: SampleOptions = {},
): Promise<Record<K, Figure>> {
  const samples = options.samples ?? MIN_SAMPLES;
  if (samples < MIN_SAMPLES) throw new Error(`a latency figure needs at least ${MIN_SAMPLES} samples`);
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const keys = Object.keys(series) as K[];
  const drop: Recorder<K> = () => {};
  const started = performance.now();
  for (let i = 0; i < warmup.iterations || performance.now() - started < warmup.ms; i++) {
    const r = step(drop);
    if (r instanceof Promise) await r;
  }
  const recorded = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const record: Recorder<K> = (k, ms) => {
    recorded[k].push(ms);
  };
  const maxSteps = options.maxSteps ?? samples * 100;
  for (let i = 0; keys.some((k) => recorded[k].length < samples); i++) {
    if (i >= maxSteps) throw new Error(`no ${samples} samples after ${maxSteps} steps`);
    const r = step(record);
    if (r instanceof Promise) await r;
  }
  const out = {} as Record<K, Figure>;
  for (const k of keys) {
    const s = summarize(recorded[k]);
    out[k] = { ...s, over: overBudget(s, series[k].budget) };
    if (options.print ?? true) console.log(latencyLine(series[k].label, s, series[k].budget));
  }
  return out;
}

/** `sampleLatency` of one figure timing the whole of `fn`. */
export async function measureLatency(
  label: string,
  fn: () => unknown,
  options: SampleOptions & { budget?: Budget } = {},
): Promise<Figure> {
  const { budget, ...rest } = options;
  const r = await sampleLatency(
    { only: { label, ...(budget ? { budget } : {}) } },
    (record) => {
      const t0 = performance.now();
      const r = fn();
      if (r instanceof Promise) return r.then(() => record('only', performance.now() - t0));
      record('only', performance.now() - t0);
      return undefined;
    },
    rest,
  );
  return r.only;
}

export interface ThroughputOptions {
  /** Timed runs (each a whole batch); a batch figure is a mean over runs, never a percentile. */
  readonly runs: number;
  /** Untimed runs first (default 1). */
  readonly warmupRuns?: number;
  /** Items one run processes (candles, updates, lines), for a rate per second. */
  readonly items?: number;
  /** What an item is, for the rate's unit (default `items`). */
  readonly unit?: string;
  /** Print the report line (default true). */
  readonly print?: boolean;
}

export interface Throughput {
  readonly runs: number;
  readonly meanMs: number;
  readonly bestMs: number;
  /** Items per second over the mean run; null without `items`. */
  readonly perSecond: number | null;
}

/**
 * One throughput line: `label  runs=…  mean … best … ms per run  … <unit>/s`. A batch (a month of candles, a
 * replay) is timed whole: its figure is a mean over a few runs and a rate, not a latency distribution.
 */
export function throughputLine(label: string, t: Throughput, unit = 'items'): string {
  const rate =
    t.perSecond === null ? '' : `  ${Math.round(t.perSecond).toLocaleString('en').padStart(12)} ${unit}/s`;
  return `${label.padEnd(LABEL_WIDTH)} runs=${String(t.runs).padStart(3)}  mean ${ms(t.meanMs)}  best ${ms(t.bestMs)} ms per run${rate}`;
}

/** Times `fn` as a batch: `warmupRuns` untimed runs, then `runs` timed ones; prints a `throughputLine`. */
export async function measureThroughput(
  label: string,
  fn: () => unknown,
  options: ThroughputOptions,
): Promise<Throughput> {
  if (options.runs < 1) throw new Error('a throughput figure needs at least one run');
  for (let i = 0; i < (options.warmupRuns ?? 1); i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
  const times: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const t0 = performance.now();
    const r = fn();
    if (r instanceof Promise) await r;
    times.push(performance.now() - t0);
  }
  const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
  const t: Throughput = {
    runs: times.length,
    meanMs,
    bestMs: Math.min(...times),
    perSecond: options.items === undefined ? null : options.items / (meanMs / 1000),
  };
  if (options.print ?? true) console.log(throughputLine(label, t, options.unit));
  return t;
}
