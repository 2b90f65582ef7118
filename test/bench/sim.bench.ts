/**
 * `npm run bench -- sim`: the simulator end to end — a month of real BTCUSDT 1-minute candles (2023-07-18
 * … 08-17, a range) through the production services (StreamWorker → handleFill, runScheduled → recon
 * every 60 s, risk every 300 s, recompute hourly; the config defaults) on a 22-level Key Level Grid. Reports candles per second and
 * where the time goes: the paper matching engine (market steps), Exchange port calls, store calls, the
 * KLG engine inside recon (`planRecon`, from the recon reports' `timings`), and the rest (application
 * shells, the driver, reporting). The memory store replays the whole month; the embedded DynamoDB
 * (dynalite, ~3–10 ms per call here) replays its first seven days (two with `--exact`), and the month is
 * projected from that rate. Each is run as the simulator runs by default (quiet stretches cut short:
 * `application/sim/quiet-skip.ts`) and with `--exact` (every pass, every candle in full), and the two
 * event logs are compared. CPU time is printed next to wall time: on a shared machine it is the steadier figure (for
 * dynalite it includes the in-process server). Measures only; asserts nothing.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulation, type SimResult } from '../../shared/composition/sim.js';
import { parseDeploymentConfig } from '../../shared/domain/config/deployment.js';
import type { Bench } from './run.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const candles = resolve(
  repoRoot,
  '../shared/data/ohlcv_1m/binance_usdm_BTCUSDT_1m_2023-07-18_2023-08-17.csv',
);
const SYMBOL = 'BTC/USDT:USDT';
const FROM = Date.parse('2023-07-18T11:14:00Z');

const levels: string[] = [];
for (let p = 28_200; p < 30_600; p *= 1.004) levels.push(p.toFixed(1));

const config = parseDeploymentConfig({
  accounts: [{ id: 'main', exchange: 'binanceusdm' }],
  instances: [
    {
      id: 'btcbench',
      strategy: 'key_level_grid',
      account: 'main',
      symbol: SYMBOL,
      levels: { source: 'manual', prices: levels },
      base_amount_per_grid: '0.01',
    },
  ],
  simulation: { balances: { main: { USDT: '20000' } } },
});

/** Months replayed again after the first, for the median a warm process reaches. */
const REPEATS = 5;

async function replay(store: 'memory' | 'dynamo', days?: number, exact = false): Promise<SimResult> {
  return runSimulation({
    config: { config, dir: repoRoot },
    candles: { [SYMBOL]: candles },
    store,
    exact,
    ...(days ? { from: FROM, to: FROM + days * 86_400_000 } : {}),
  });
}

function report(label: string, r: SimResult, cpuMs: number): void {
  const t = r.timings;
  const s = t.totalMs / 1000;
  const pct = (ms: number) => `${((100 * ms) / t.totalMs).toFixed(0).padStart(3)}%`;
  const rest = t.totalMs - t.marketMs - t.exchangeMs - t.storeMs - t.reconEngineMs;
  const rate = Math.round(t.steps / s).toLocaleString('en');
  const fills = r.summary.instances[0]!.fills.count;
  const head = `${label.padEnd(28)} ${t.steps.toLocaleString('en').padStart(6)} candles`;
  console.log(
    `${head}  ${s.toFixed(1).padStart(6)} s (cpu ${(cpuMs / 1000).toFixed(1)} s)  ${rate} candles/s`,
  );
  const n = (x: number) => x.toLocaleString('en');
  const counts = `${n(r.summary.jobs.recon)} recon passes (${n(t.reconQuiet)} quiet, not written; ${n(t.reconSkipped)} of them skipped), ${fills} fills, ${n(t.storeCalls)} store calls`;
  console.log(`${''.padEnd(28)} ${counts}`);
  // Counts, not times: they compare across runs whatever the machine's load.
  console.log(
    `${''.padEnd(28)} ${n(t.timersFired)} virtual timers fired, ${n(t.turns)} event-loop turns waited for`,
  );
  if (t.quietCandles > 0 || t.riskSkipped > 0)
    console.log(
      `${''.padEnd(28)} ${n(t.quietCandles)} candles applied as quiet ones, ${n(t.riskSkipped)} of ${n(r.summary.jobs.risk)} risk checks skipped as steady`,
    );
  const split = `market ${pct(t.marketMs)}  exchange ${pct(t.exchangeMs)}  store ${pct(t.storeMs)}`;
  console.log(`${''.padEnd(28)} ${split}  engine ${pct(t.reconEngineMs)}  other ${pct(rest)}`);
}

async function measured(
  store: 'memory' | 'dynamo',
  days?: number,
  exact = false,
): Promise<[SimResult, number]> {
  const cpu = process.cpuUsage();
  const r = await replay(store, days, exact);
  const used = process.cpuUsage(cpu);
  return [r, (used.user + used.system) / 1000];
}

const bench: Bench = {
  name: 'simulator: one month of 1-minute candles through the production services',
  async run(): Promise<void> {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    await replay('memory', 0.25); // warm-up (module loading, JIT)
    const [month, monthCpu] = await measured('memory');
    report('memory, whole month', month, monthCpu);
    // The same month again in the same process (what a sweep's worker does run after run): the first run
    // above still compiles code paths the short warm-up never took.
    const again: number[] = [];
    for (let i = 0; i < REPEATS; i++) again.push((await replay('memory')).timings.totalMs);
    again.sort((a, b) => a - b);
    const median = again[Math.floor(again.length / 2)]!;
    const rate = (ms: number) => Math.round(month.timings.steps / (ms / 1000)).toLocaleString('en');
    console.log(
      `${'memory, month again ×'.concat(String(REPEATS)).padEnd(28)} median ${(median / 1000).toFixed(2)} s (${rate(median)} candles/s), best ${(again[0]! / 1000).toFixed(2)} s, worst ${(again[again.length - 1]! / 1000).toFixed(2)} s`,
    );
    const [exact, exactCpu] = await measured('memory', undefined, true);
    report('memory, month, --exact', exact, exactCpu);
    const same = exact.eventsJsonl === month.eventsJsonl ? 'the same events.jsonl' : 'DIFFERENT events.jsonl';
    console.log(
      `${''.padEnd(28)} → quiet stretches cut short: ${(exact.timings.totalMs / month.timings.totalMs).toFixed(1)}× faster, ${same}`,
    );
    const [dyn, dynCpu] = await measured('dynamo', 7);
    report('dynamo (dynalite), 7 days', dyn, dynCpu);
    const [two, twoCpu] = await measured('dynamo', 2, true);
    report('dynamo, 2 days, --exact', two, twoCpu);
    const projected = (days: SimResult) =>
      (month.timings.steps / days.timings.steps) * (days.timings.totalMs / 1000);
    console.log(
      `${''.padEnd(28)} → the month would take about ${Math.round(projected(dyn))} s on dynalite (${Math.round(projected(two))} s with --exact)`,
    );
  },
};

export default bench;
