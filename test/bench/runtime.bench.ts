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
import { DEFAULT_PRE_TRADE_LIMITS, guardRails } from '../../shared/application/guard-rails.js';
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
import { type Budget, fmtMs, sampleLatency } from './stats.js';

type StoreKind = 'memory' | 'dynalite';

/** Recording metrics that also tell a listener each metric put, as it is put. */
class WatchedMetrics extends RecordingMetrics {
  onPut: ((name: string) => void) | null = null;

  override put(...args: Parameters<RecordingMetrics['put']>): void {
    super.put(...args);
    this.onPut?.(args[0]);
  }
}

async function setup(kind: StoreKind, levels: number) {
  // Binance's request weight (2,400 a minute) lifted: the loops measure latency, not the venue's pacing (at
  // that limit a thousand recon passes or fills spend most of their time in 429 back-offs).
  const venue = await startPaperVenue({ weightLimitPerMinute: 1_000_000_000 });
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
    klgConfigInput({
      account: 'acct-a',
      levels: { source: 'manual', prices },
      base_amount_per_grid: '100',
      // A grid that sells all it buys above one grid unit it keeps, so a walk that oscillates keeps it
      // trading and its position never goes flat (see `fillFigures`).
      sell_quota_ratio: '1',
      base_position_locked: '100',
    }),
  );
  await store.putConfig(config);
  const port = venue.port('acct-a');
  const metrics = new WatchedMetrics();
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
    // Every pre-trade check runs, with the order rate lifted like the venue's request weight: the fill loop
    // sends 50–70 orders a second, over the 300 per 10 s that would deny its follow-ups.
    guards: guardRails(
      new Map([['acct-a', { ...DEFAULT_PRE_TRADE_LIMITS, maxOrdersPer10s: 1_000_000_000 }]]),
    ),
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
// measured on this 2-core shared machine with n = 1,000 each (fill → order p99: event in → order sent
// 15–26 ms memory, 29–48 ms dynalite; exchange fill → order on the exchange 24–52 ms memory, 35–55 ms
// dynalite; steady recon p99 22–36 ms memory, 47–83 ms dynalite) with about 2× headroom, to catch
// regressions.
const FILL_IN_WORKER: Record<StoreKind, Budget> = {
  memory: { p99Ms: 50, source: 'measured figures, ~2x headroom' },
  dynalite: { p99Ms: 100, source: 'measured figures, ~2x headroom' },
};
const FILL_END_TO_END: Record<StoreKind, Budget> = {
  memory: { p99Ms: 100, source: 'measured figures, ~2x headroom' },
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
 * Fill → follow-up order, one price move per step: the price walks one level at a time down four levels,
 * back up, up three above the start and back (an oscillation around the start), each crossing filling one
 * resting order on the paper engine; a move that fills waits for the follow-up (the account's next new or
 * amended order on the engine) and for the worker to drain. Every round of the walk begins with a forced
 * recon pass (untimed, as production runs one a minute beside the worker). Two figures per fill: the
 * worker's own `FillToOrderMs` (stream event received → order sent, whole ms as production records it) and
 * exchange fill → follow-up on the exchange (performance.now on the engine's events).
 *
 * Why the grid keeps trading: the bench grid sells all it buys above one locked grid unit
 * (`sell_quota_ratio: 1`, `base_position_locked: 100`, see `setup`). With the default ratio 0.7 it keeps
 * 30 % of every buy, a sell frees only 0.7 of a level's quota (`max_fill_per_level: 1`), and the levels the
 * walk crosses had used their quota up after 15–20 fills: the grid stopped buying, by design, and recon
 * rightly did not revive it. The locked unit keeps the position from going flat: a leg that goes flat and
 * reopens within the worker's 2 s grace looks closed by someone else, and the worker's resync passes would
 * race this loop's fills (conflicting writes), which is not the path measured here.
 */
async function fillFigures(kind: StoreKind, stateful: boolean): Promise<void> {
  const s = await setup(kind, 50);
  await reconcileInstance(s.ctx, s.config.id);
  const worker = new StreamWorker(s.ctx, { instances: [s.config], writer: 'bench', stateful });
  await worker.start();
  let waiting: { filled: boolean; resolve: (at: number | null) => void } | null = null;
  const sub = s.venue.engine.subscribeAccount('acct-a', {
    onEvent(e) {
      if (e.type !== 'orderUpdate' || !waiting) return;
      if (e.executionType === 'TRADE') waiting.filled = true;
      else if (waiting.filled && (e.executionType === 'NEW' || e.executionType === 'AMENDMENT'))
        waiting.resolve(performance.now());
    },
  });
  const walk = [1, 2, 3, 4, 3, 2, 1, 0, -1, -2, -3, -2, -1, 0];
  let at = 0;
  let noFollowUp = 0;
  const label = `fill → order, ${kind.padEnd(8)} ${stateful ? 'stateful ' : 'stateless'}`;
  await sampleLatency(
    {
      inWorker: { label: `${label} event in → order sent`, budget: FILL_IN_WORKER[kind] },
      endToEnd: { label: '    exchange fill → order on the exchange', budget: FILL_END_TO_END[kind] },
    },
    async (record) => {
      if (at % walk.length === 0) await reconcileInstance(s.ctx, s.config.id, { force: true });
      const price = s.start.minus(dec('0.0005').times(walk[at++ % walk.length]!));
      const seen = s.metrics.points.length;
      let stuck: ReturnType<typeof setTimeout> | undefined;
      const followUp = new Promise<number | null>((resolve, reject) => {
        waiting = { filled: false, resolve };
        stuck = setTimeout(() => reject(new Error('the worker did not count a fill within 10 s')), 10_000);
        // The worker counts the fill once it has carried out its decision: no order by then, none comes
        // (e.g. the first buy, which the locked unit keeps, moves only the stop, an algo order). Resolved
        // after the events of that moment are delivered.
        s.metrics.onPut = (name) => {
          if (name === 'Fills' || name === 'DuplicateFills') setImmediate(() => resolve(null));
        };
      });
      const t0 = performance.now();
      s.venue.moveTo('DOGEUSDC', price.toFixed());
      const t1 = waiting!.filled ? await followUp : undefined;
      clearTimeout(stuck);
      s.metrics.onPut = null;
      waiting = null;
      await worker.drain();
      if (t1 === null) noFollowUp++;
      if (typeof t1 === 'number') record('endToEnd', t1 - t0);
      for (const p of s.metrics.points.slice(seen))
        if (p.name === 'FillToOrderMs') record('inWorker', p.value);
    },
  );
  console.log(
    `    (${noFollowUp} fills, warm-up included, needed no new or amended order: no exchange-side sample)`,
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
