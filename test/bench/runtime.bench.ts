/**
 * Runtime figures of issue 6 against the Binance protocol server (paper engine, real ccxt inside):
 *  - store round trips per fill on the event track, before the follow-up leaves and in all, stateless
 *    (read, decide, write) and stateful (decide on the state last saved, write);
 *  - fill-to-order latency in the stream worker: stream event received → follow-up order sent (p50/p99),
 *    and exchange fill → follow-up order accepted by the exchange, with the memory store and dynalite,
 *    the stateless and the stateful worker in the same run;
 *  - recon pass duration for 50 and 200 levels (the layout pass and steady passes), split into
 *    exchange, store and engine time.
 * Latency figures go through stats.ts (warm-up, then ≥ 1,000 samples, budgets); the round trips are counts.
 */
import { performance } from 'node:perf_hooks';

import { SystemClock } from '../../shared/adapters/clock/index.js';
import { startEmbeddedStateStore } from '../../shared/adapters/embedded/dynalite-server.js';
import { JournalSink, MemorySink } from '../../shared/adapters/events/index.js';
import { JsonConsoleLogger } from '../../shared/adapters/logging/index.js';
import { createMemoryStateStore } from '../../shared/adapters/memory/index.js';
import { RecordingMetrics } from '../../shared/adapters/metrics/index.js';
import { MemoryNotifier } from '../../shared/adapters/notify/index.js';
import type { AppContext } from '../../shared/application/context.js';
import { RulesCache } from '../../shared/application/market.js';
import { handleFill } from '../../shared/application/on-fill.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import { StreamWorker } from '../../shared/application/stream-worker.js';
import { dec } from '../../shared/domain/money.js';
import type { Fill } from '../../shared/domain/orders.js';
import { parseKlgConfig } from '../../shared/domain/strategies/klg/config.js';
import type { KlgState } from '../../shared/domain/strategies/klg/index.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { startPaperVenue } from '../support/binance/paper-venue.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';
import { loadKlg } from '../support/strategies/klg/state.js';
import type { Bench } from './run.js';
import { type Budget, fmtMs, latencyLine, sampleLatency, summarize } from './stats.js';

type StoreKind = 'memory' | 'dynalite';

async function setup(kind: StoreKind, levels: number) {
  const venue = await startPaperVenue();
  const top = dec('0.1').plus(dec('0.0005').times(levels - 1));
  const start = top.minus(dec('0.0005').times(Math.floor(levels / 2))).plus('0.00025');
  venue.moveTo('DOGEUSDC', start.toFixed());
  let store: StateStore;
  let stopStore = async () => {};
  if (kind === 'dynalite') {
    const e = await startEmbeddedStateStore();
    store = e.store;
    stopStore = () => e.stop();
  } else store = createMemoryStateStore();
  const prices = Array.from({ length: levels }, (_, i) => dec('0.1').plus(dec('0.0005').times(i)).toFixed());
  const config = parseKlgConfig(
    klgConfigInput({ account: 'acct-a', levels: { source: 'manual', prices }, base_amount_per_grid: '100' }),
  );
  await store.putConfig(config);
  const port = venue.port('acct-a');
  const metrics = new RecordingMetrics();
  const ctx: AppContext = {
    store,
    exchanges: () => port,
    clock: new SystemClock(),
    notifier: new MemoryNotifier(),
    metrics,
    logger: new JsonConsoleLogger({ level: 'ERROR' }),
    events: new MemorySink(),
    random: Math.random,
    newToken: () => 'bench-token-0000000000',
    instanceIds: [config.id],
    rules: new RulesCache(),
  };
  return {
    venue,
    ctx,
    config,
    metrics,
    start,
    stop: async () => {
      await venue.stop();
      await stopStore();
    },
  };
}

// Budgets. SPEC.md asks the worker to react to fills "within milliseconds" and names no figure, and a recon
// pass has only its schedule (`recon_interval_sec 60`, 30 allowed) above it. So these come from figures
// measured on this 2-core shared machine (fill → order p99 ≈ 13–56 ms memory, 34–58 ms dynalite, n ≈ 20;
// steady recon median ≈ 11–12 ms memory, 40–47 ms dynalite) with about 2× headroom, to catch regressions.
const FILL_IN_WORKER: Record<StoreKind, Budget> = {
  memory: { p99Ms: 50, source: 'measured figures, ~2x headroom' },
  dynalite: { p99Ms: 100, source: 'measured figures, ~2x headroom' },
};
const FILL_END_TO_END: Record<StoreKind, Budget> = {
  memory: { p99Ms: 60, source: 'measured figures, ~2x headroom' },
  dynalite: { p99Ms: 120, source: 'measured figures, ~2x headroom' },
};
const RECON_STEADY: Record<StoreKind, Budget> = {
  memory: { p99Ms: 60, source: 'measured figures, ~2x headroom' },
  dynalite: { p99Ms: 200, source: 'measured figures, ~2x headroom' },
};

/**
 * The layout pass (placing the whole grid) happens once per grid: one figure, not a distribution. Steady
 * passes (nothing to change: read the exchange, plan, save) are the latency figure: warm-up, then 1,000
 * passes, timed whole (performance.now) and split by the pass's own timings into exchange, store and engine.
 */
async function reconFigures(kind: StoreKind, levels: number): Promise<void> {
  const s = await setup(kind, levels);
  const layout = await reconcileInstance(s.ctx, s.config.id);
  console.log(
    `recon ${String(levels).padStart(3)} levels, ${kind.padEnd(8)} layout pass (one-off, n=1): ${fmtMs(layout.timings.totalMs)} (${layout.commands} orders: exchange ${fmtMs(layout.timings.exchangeMs)}, store ${fmtMs(layout.timings.storeMs)}, engine ${fmtMs(layout.timings.engineMs)})`,
  );
  const head = `recon ${String(levels).padStart(3)} levels, ${kind.padEnd(8)}`;
  await sampleLatency(
    {
      total: { label: `${head} steady pass`, budget: RECON_STEADY[kind] },
      exchange: { label: '    of which exchange' },
      store: { label: '    of which store' },
      engine: { label: '    of which engine' },
    },
    async (record) => {
      const t0 = performance.now();
      const r = await reconcileInstance(s.ctx, s.config.id, { force: true });
      record('total', performance.now() - t0);
      record('exchange', r.timings.exchangeMs);
      record('store', r.timings.storeMs);
      record('engine', r.timings.engineMs);
    },
  );
  await s.stop();
}

/**
 * Fill → follow-up order, one fill per step: the price walks one level at a time down and back up through
 * a few levels around the start, each move filling one order on the paper engine; the step waits for the
 * follow-up (a new or amended order of the account on the engine) and for the worker to drain. Two figures
 * per fill: the worker's own `FillToOrderMs` (stream event received → order sent, whole ms as production
 * records it) and exchange fill → follow-up on the exchange (performance.now on the engine's events).
 */
async function fillFigures(kind: StoreKind, stateful: boolean): Promise<void> {
  const s = await setup(kind, 50);
  await reconcileInstance(s.ctx, s.config.id);
  const worker = new StreamWorker(s.ctx, { instances: [s.config], writer: 'bench', stateful });
  await worker.start();
  let waiting: { filled: boolean; resolve: (at: number) => void } | null = null;
  const sub = s.venue.engine.subscribeAccount('acct-a', {
    onEvent(e) {
      if (e.type !== 'orderUpdate' || !waiting) return;
      if (e.executionType === 'TRADE') waiting.filled = true;
      else if (waiting.filled && (e.executionType === 'NEW' || e.executionType === 'AMENDMENT'))
        waiting.resolve(performance.now());
    },
  });
  // The grid stops trading on this walk after 15–20 fills (recon between rounds does not revive it), so these
  // two figures stay below MIN_SAMPLES and say so; TODO: a walk (or a fresh instance per few fills) that keeps
  // the grid trading for 1,000 fills.
  const walk = [1, 2, 3, 4, 3, 2, 1, 0, -1, -2, -3, -2, -1, 0];
  const inWorker: number[] = [];
  const endToEnd: number[] = [];
  for (let at = 0; at < 4 * walk.length; at++) {
    if (at % walk.length === 0) await reconcileInstance(s.ctx, s.config.id, { force: true });
    const price = s.start.minus(dec('0.0005').times(walk[at % walk.length]!));
    const seen = s.metrics.values('FillToOrderMs').length;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const followUp = new Promise<number | null>((resolve) => {
      waiting = { filled: false, resolve };
      timer = setTimeout(() => resolve(null), 2_000);
    });
    const t0 = performance.now();
    s.venue.moveTo('DOGEUSDC', price.toFixed());
    const t1 = waiting!.filled ? await followUp : null;
    clearTimeout(timer);
    waiting = null;
    await worker.drain();
    if (t1 !== null) endToEnd.push(t1 - t0);
    inWorker.push(...s.metrics.values('FillToOrderMs').slice(seen));
  }
  const label = `fill → order, ${kind.padEnd(8)} ${stateful ? 'stateful ' : 'stateless'}`;
  console.log(latencyLine(`${label} event in → order sent`, summarize(inWorker), FILL_IN_WORKER[kind]));
  console.log(
    latencyLine('    exchange fill → order on the exchange', summarize(endToEnd), FILL_END_TO_END[kind]),
  );
  sub.close();
  await worker.stop();
  await s.stop();
}

/**
 * Store round trips per fill on the event track: before the follow-up order leaves and in all, deciding on
 * a fresh read (stateless) or on the state the worker last saved (stateful). Counted on dynalite through a
 * wrapper that sees every StateStore call; the first order call of the fill marks "before".
 */
async function roundTrips(stateful: boolean): Promise<void> {
  const s = await setup('dynalite', 50);
  await reconcileInstance(s.ctx, s.config.id);
  const calls: string[] = [];
  let beforeOrder: number | null = null;
  const counting = new Proxy(s.ctx.store, {
    get(target, key) {
      const v = Reflect.get(target, key, target) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(key));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const port = s.ctx.exchanges('acct-a');
  const firstOrder = () => {
    beforeOrder ??= calls.length;
  };
  const watched = new Proxy(port, {
    get(target, key) {
      const v = Reflect.get(target, key, target) as unknown;
      if (typeof v !== 'function') return v;
      if (key === 'submit' || key === 'amend') {
        return (...args: unknown[]) => {
          firstOrder();
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  });
  // Journal lines go to the store as in production (the JournalSink), so they are counted too.
  const ctx: AppContext = {
    ...s.ctx,
    store: counting,
    events: new JournalSink(counting),
    exchanges: () => watched,
  };
  const fills: Fill[] = [];
  const sub = await port.subscribeUser((e) => {
    if (e.type === 'fill') fills.push(e.fill);
  });
  let state: KlgState | undefined = (await loadKlg(s.ctx.store, s.config.id)) ?? undefined;
  const before: number[] = [];
  const total: number[] = [];
  let price = s.start;
  for (let i = 0; i < 10; i++) {
    price = price.minus('0.0005');
    const seen = fills.length;
    s.venue.moveTo('DOGEUSDC', price.toFixed());
    for (let w = 0; w < 500 && fills.length === seen; w++) await new Promise((r) => setTimeout(r, 2));
    for (const fill of fills.slice(seen)) {
      calls.length = 0;
      beforeOrder = null;
      const r = await handleFill(ctx, s.config, fill, {
        receivedAt: Date.now(),
        ...(stateful ? { current: state } : {}),
      });
      state = r.state ?? undefined;
      if (r.duplicate) continue;
      before.push(beforeOrder ?? calls.length);
      total.push(calls.length);
    }
  }
  await sub.close();
  const mean = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(1);
  console.log(
    `store round trips per fill (a count, not a latency), ${stateful ? 'stateful ' : 'stateless'}: ${mean(before)} before the order leaves, ${mean(total)} in all (n=${total.length}; ${[...new Set(calls)].join(', ')})`,
  );
  await s.stop();
}

const bench: Bench = {
  name: 'runtime against the Binance protocol server',
  async run() {
    for (const stateful of [false, true]) await roundTrips(stateful);
    for (const kind of ['memory', 'dynalite'] as const)
      for (const stateful of [false, true]) await fillFigures(kind, stateful);
    for (const levels of [50, 200])
      for (const kind of ['memory', 'dynalite'] as const) await reconFigures(kind, levels);
  },
};

export default bench;
