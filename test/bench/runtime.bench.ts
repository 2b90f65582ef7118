/**
 * Runtime figures of issue 6 against the Binance protocol server (paper engine, real ccxt inside):
 *  - store round trips per fill on the event track, before the follow-up leaves and in all, stateless
 *    (read, decide, write) and stateful (decide on the state last saved, write);
 *  - fill-to-order latency in the stream worker: stream event received → follow-up order sent (p50/p99),
 *    and exchange fill → follow-up order accepted by the exchange, with the memory store and dynalite,
 *    the stateless and the stateful worker in the same run;
 *  - recon pass duration for 50 and 200 levels (the layout pass and steady passes), split into
 *    exchange, store and engine time.
 */

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
import { fmtMs, summarize } from './stats.js';

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

async function reconFigures(kind: StoreKind, levels: number): Promise<void> {
  const s = await setup(kind, levels);
  const layout = await reconcileInstance(s.ctx, s.config.id);
  const steady: Awaited<ReturnType<typeof reconcileInstance>>[] = [];
  for (let i = 0; i < 10; i++) steady.push(await reconcileInstance(s.ctx, s.config.id, { force: true }));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const t = (k: 'totalMs' | 'exchangeMs' | 'storeMs' | 'engineMs') => median(steady.map((r) => r.timings[k]));
  console.log(
    `recon ${String(levels).padStart(3)} levels, ${kind.padEnd(8)} layout pass ${fmtMs(layout.timings.totalMs)} (${layout.commands} orders: exchange ${fmtMs(layout.timings.exchangeMs)}, store ${fmtMs(layout.timings.storeMs)}, engine ${fmtMs(layout.timings.engineMs)})`,
  );
  console.log(
    `                             steady pass median ${fmtMs(t('totalMs'))} (exchange ${fmtMs(t('exchangeMs'))}, store ${fmtMs(t('storeMs'))}, engine ${fmtMs(t('engineMs'))})`,
  );
  await s.stop();
}

async function fillFigures(kind: StoreKind, stateful: boolean): Promise<void> {
  const s = await setup(kind, 50);
  await reconcileInstance(s.ctx, s.config.id);
  const worker = new StreamWorker(s.ctx, { instances: [s.config], writer: 'bench', stateful });
  await worker.start();
  const exchangeToExchange: number[] = [];
  let price = s.start;
  for (let i = 0; i < 20; i++) {
    price = price.minus('0.0005');
    const before = new Set(s.venue.engine.openOrders('acct-a', 'DOGEUSDC').map((o) => o.clientOrderId));
    const filledAt = Date.now();
    s.venue.moveTo('DOGEUSDC', price.toFixed());
    for (let wait = 0; wait < 200; wait++) {
      const fresh = s.venue.engine
        .openOrders('acct-a', 'DOGEUSDC')
        .filter((o) => o.side === 'SELL' && !before.has(o.clientOrderId));
      const amended = s.metrics.count('FillToOrderMs');
      if (fresh.length > 0 || amended > i) {
        exchangeToExchange.push(Date.now() - filledAt);
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await worker.drain();
  }
  await worker.stop();
  const inWorker = summarize(s.metrics.values('FillToOrderMs'));
  const full = summarize(exchangeToExchange);
  console.log(
    `fill → order, ${kind.padEnd(8)} ${stateful ? 'stateful ' : 'stateless'} worker (event received → order sent): n=${inWorker.n} p50 ${fmtMs(inWorker.p50)} p99 ${fmtMs(inWorker.p99)}`,
  );
  console.log(
    `                       exchange fill → follow-up on the exchange:         n=${full.n} p50 ${fmtMs(full.p50)} p99 ${fmtMs(full.p99)}`,
  );
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
    `store round trips per fill, ${stateful ? 'stateful ' : 'stateless'}: ${mean(before)} before the order leaves, ${mean(total)} in all (n=${total.length}; ${[...new Set(calls)].join(', ')})`,
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
