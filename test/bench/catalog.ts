/**
 * Every bench of `npm run bench`, by name (its file is `test/bench/<name>.bench.ts`), with the line
 * `npm run bench -- --help` prints. `latency` benches report through `stats.ts` (warm-up, ≥ 1,000 samples per
 * figure, p50/p99/max, budgets); `throughput` benches time long runs (rates, no percentiles); `size` reports
 * sizes and one-shot cold-start times (each sample a fresh process, so there is nothing to warm up).
 */
export type BenchKind = 'latency' | 'throughput' | 'size';

export interface CatalogEntry {
  readonly name: string;
  readonly kind: BenchKind;
  readonly description: string;
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'analysis',
    kind: 'latency',
    description: 'market analysis: aggregation, ATR, key levels, grid levels, streaming ATR',
  },
  {
    name: 'ccxt',
    kind: 'latency',
    description: 'ccxt adapter ↔ Binance and OKX protocol servers: place + cancel, fill → event',
  },
  {
    name: 'closer',
    kind: 'latency',
    description: 'closer on real BTCUSDT tape: slippage through the simulator, decision per market event',
  },
  {
    name: 'engine',
    kind: 'latency',
    description: 'KLG engine decisions (pure compute): onFill and planRecon on 50 and 200 levels',
  },
  {
    name: 'guards',
    kind: 'latency',
    description: 'pre-trade step (every check) on a 200-level layout of 99 new orders',
  },
  {
    name: 'hedge-grid',
    kind: 'latency',
    description: 'ATR hedge grid event-track decisions: onFill and onMarket',
  },
  {
    name: 'infra',
    kind: 'size',
    description: 'Lambda bundles: size and cold import, one ccxt class vs the whole package',
  },
  { name: 'logging', kind: 'latency', description: 'one redacted log line per logger and line shape' },
  {
    name: 'paper',
    kind: 'throughput',
    description: 'paper engine: candles per second with 200 resting orders (a month of 1m candles)',
  },
  {
    name: 'runtime',
    kind: 'latency',
    description: 'runtime vs the Binance protocol server: store round trips, fill → order, recon passes',
  },
  {
    name: 'sim',
    kind: 'throughput',
    description: 'simulator: a month of 1m candles through the production services (takes minutes)',
  },
  {
    name: 'store',
    kind: 'latency',
    description: 'state store: conditional load + save on memory, dynalite (and DynamoDB Local)',
  },
];

export const KIND_NOTE: Record<BenchKind, string> = {
  latency: 'latency figures: warm-up, then ≥ 1,000 samples each; p99 over budget prints OVER BUDGET',
  throughput: 'throughput figures: rates over long runs, not latency percentiles',
  size: 'size and cold-start figures: each run a fresh process, nothing to warm up',
};

/** The usage text of `npm run bench -- --help`. */
export function usage(): string {
  const width = Math.max(...CATALOG.map((b) => b.name.length));
  return [
    'usage: npm run bench [-- <name> [<name>…]]   (no name: every bench; -h, --help: this list)',
    '',
    'benches:',
    ...CATALOG.map((b) => `  ${b.name.padEnd(width)}  ${b.kind.padEnd(10)}  ${b.description}`),
    '',
    'latency benches warm up, then time ≥ 1,000 samples per figure and print n, mean, p50, p99 and max in ms;',
    'a p99 above the figure’s budget prints OVER BUDGET (benches measure: the process does not fail).',
    'Figures are wall-clock on a shared machine: compare runs, do not assert on them.',
  ].join('\n');
}
