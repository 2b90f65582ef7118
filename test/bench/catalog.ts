/**
 * Every bench of `npm run bench`, by name (its file is `test/bench/<name>.bench.ts`), with the line
 * `npm run bench -- --help` prints and the kinds of figure it reports: `latency` through `stats.ts`
 * (`sampleLatency` / `measureLatency`: warm-up, ≥ 1,000 samples per figure, p50/p99/max, budgets);
 * `throughput` whole batches or long runs (`measureThroughput` or the bench's own rate: means and rates, no
 * percentiles); `size` sizes and one-shot cold-start times (each sample a fresh process, nothing to warm
 * up); `outcome` what a replay achieved (slippage, fills), one run each, not a timing.
 */
export type BenchKind = 'latency' | 'throughput' | 'size' | 'outcome';

export interface CatalogEntry {
  readonly name: string;
  /** The kinds of figure the bench prints, the main one first. */
  readonly kinds: readonly BenchKind[];
  readonly description: string;
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'analysis',
    kinds: ['latency', 'throughput'],
    description:
      'market analysis: streaming ATR per update; aggregation, ATR, key levels, grid levels as batches',
  },
  {
    name: 'ccxt',
    kinds: ['latency'],
    description: 'ccxt adapter ↔ Binance and OKX protocol servers: place + cancel, fill → event',
  },
  {
    name: 'closer',
    kinds: ['latency', 'outcome'],
    description: 'closer on real BTCUSDT tape: decision per market event; slippage through the simulator',
  },
  {
    name: 'engine',
    kinds: ['latency'],
    description: 'KLG engine decisions (pure compute): onFill and planRecon on 50 and 200 levels',
  },
  {
    name: 'guards',
    kinds: ['latency'],
    description: 'pre-trade step (every check) on the 100 new orders of a 200-level layout',
  },
  {
    name: 'hedge-grid',
    kinds: ['latency'],
    description: 'ATR hedge grid event-track decisions: onFill and onMarket',
  },
  {
    name: 'infra',
    kinds: ['size'],
    description: 'Lambda bundles: size and cold import, one ccxt class vs the whole package',
  },
  {
    name: 'logging',
    kinds: ['latency'],
    description: 'one redacted log line per logger and line shape (and lines per second)',
  },
  {
    name: 'paper',
    kinds: ['throughput'],
    description: 'paper engine: candles per second with 200 resting orders (a month of 1m candles)',
  },
  {
    name: 'runtime',
    kinds: ['latency'],
    description:
      'runtime vs the Binance protocol server: fill → order, recon passes (store round trips: counts)',
  },
  {
    name: 'sim',
    kinds: ['throughput'],
    description: 'simulator: a month of 1m candles through the production services (takes minutes)',
  },
  {
    name: 'store',
    kinds: ['latency'],
    description: 'state store: conditional load + save on memory, dynalite and DynamoDB Local (and cycles/s)',
  },
];

export const KIND_NOTE: Record<BenchKind, string> = {
  latency: 'latency figures: warm-up, then ≥ 1,000 samples each; p99 over budget prints OVER BUDGET',
  throughput: 'throughput figures: rates over long runs, not latency percentiles',
  size: 'size and cold-start figures: each run a fresh process, nothing to warm up',
  outcome: 'outcome figures: what a replay achieved, one run each, not timings',
};

/** The usage text of `npm run bench -- --help`. */
export function usage(): string {
  const width = Math.max(...CATALOG.map((b) => b.name.length));
  const kindsWidth = Math.max(...CATALOG.map((b) => b.kinds.join('+').length));
  return [
    'usage: npm run bench [-- <name> [<name>…]]   (no name: every bench; -h, --help: this list)',
    '',
    'benches:',
    ...CATALOG.map(
      (b) => `  ${b.name.padEnd(width)}  ${b.kinds.join('+').padEnd(kindsWidth)}  ${b.description}`,
    ),
    '',
    'latency benches warm up, then time ≥ 1,000 samples per figure and print n, mean, p50, p99 and max in ms;',
    'a p99 above the figure’s budget prints OVER BUDGET (benches measure: the process does not fail).',
    'Throughput lines time whole batches (mean per run and a rate), outcome lines report what a replay did.',
    'Figures are wall-clock on a shared machine: compare runs, do not assert on them.',
  ].join('\n');
}
