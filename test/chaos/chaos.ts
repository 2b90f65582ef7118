/**
 * The chaos suite (issue 13): one Key Level Grid run on the paper exchange through the production services
 * (the StreamWorker, `reconcileInstance`, `handleFill`), on a seeded random market, with faults injected
 * at random moments, then three clean recon passes, then the books are audited against the exchange.
 *
 * Faults, each at a seeded random step:
 *  - crash: the process dies mid-decision (the store throws a non-store error on a save, before or after it
 *    lands), as kill -9 of a recon pass or of the worker would leave it;
 *  - unknown outcome: a write reaches the exchange but its answer is lost (a 5xx after the fact), or a 5xx
 *    refuses it before anything happened;
 *  - 429 and 418 storms on every call;
 *  - store throttling (`StoreUnavailableError` on reads and writes);
 *  - user-stream events dropped, duplicated, delayed (a stalled socket), and the stream cut and restored;
 *  - a second account whose secret is bad (never connects) beside the good one.
 *
 * Audit (the table `npm run chaos` prints; every column must be zero, the last at most one round trip plus
 * the injected fault): fills lost or doubled (ledger vs exchange position), orphan orders (ours on the
 * exchange, unknown to the state), levels with two orders of ours, levels stuck in PLACING / CANCELING
 * after three clean passes, and the longest time a holding had no covering stop.
 *
 * Everything runs in one process on a virtual clock, bound to 127.0.0.1-free in-process parts: nothing
 * listens on a socket, every run ends by itself.
 */
import { PaperApiError } from '../../shared/adapters/paper/errors.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import { StreamWorker } from '../../shared/application/stream-worker.js';
import { DeferredExchangePort } from '../../shared/composition/deferred-exchange.js';
import { decodeClientOrderId } from '../../shared/domain/client-order-id.js';
import { type Decimal, dec } from '../../shared/domain/money.js';
import { longestUncoveredMs } from '../../shared/domain/sim/event-checks.js';
import { parseKlgConfig } from '../../shared/domain/strategies/klg/config.js';
import { ExchangeError, type ExchangePort } from '../../shared/ports/exchange.js';
import { type StateStore, StoreUnavailableError } from '../../shared/ports/state-store.js';
import { mulberry32 } from '../adapters/store/prng.js';
import { paperApp } from '../support/app.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';
import { loadKlg } from '../support/strategies/klg/state.js';

const SYMBOL = 'DOGE/USDC:USDC';

/** The audit both chaos suites end with: every count must be zero. */
export interface ChaosAudit {
  readonly seed: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly fills: number;
  readonly lost: number;
  readonly doubled: number;
  readonly orphans: number;
  readonly duplicateLevels: number;
  readonly stuckLevels: number;
  readonly longestUnprotectedMs: number;
}

/** The counts of an audit that must be zero, by name (what the table and the tests check). */
export function mustBeZero(r: ChaosAudit) {
  return {
    lost: r.lost,
    doubled: r.doubled,
    orphans: r.orphans,
    duplicateLevels: r.duplicateLevels,
    stuckLevels: r.stuckLevels,
  };
}

export interface ChaosRow extends ChaosAudit {
  readonly steps: number;
  readonly crashes: number;
  readonly reconFailures: number;
}

class CrashError extends Error {
  override readonly name = 'CrashError';
}

/** The store, with a crash armed for a future save (before or after it lands) and throttling. */
function faultyStore(store: StateStore, counters: { crashes: number }) {
  let crashIn: { saves: number; afterLanding: boolean } | null = null;
  let throttled = 0;
  const wrapped: StateStore = Object.create(store);
  const throttle = () => {
    if (throttled > 0) {
      throttled -= 1;
      throw new StoreUnavailableError('throttled (injected)', true);
    }
  };
  wrapped.loadGrid = async (id) => {
    throttle();
    return store.loadGrid(id);
  };
  wrapped.saveGrid = async (state, expected) => {
    throttle();
    if (crashIn && --crashIn.saves <= 0) {
      const after = crashIn.afterLanding;
      crashIn = null;
      counters.crashes += 1;
      if (after) await store.saveGrid(state, expected);
      throw new CrashError(`process killed ${after ? 'after' : 'before'} a save (injected)`);
    }
    return store.saveGrid(state, expected);
  };
  return {
    store: wrapped,
    crash: (saves: number, afterLanding: boolean) => {
      crashIn = { saves, afterLanding };
    },
    throttle: (n: number) => {
      throttled = n;
    },
  };
}

/** The exchange port, with "executed but the answer was lost" armed for the next writes. */
function faultyPort(port: ExchangePort) {
  let lostAnswers = 0;
  const wrapped: ExchangePort = Object.create(port);
  const lose = async <T>(call: () => Promise<T>): Promise<T> => {
    const r = await call();
    if (lostAnswers > 0) {
      lostAnswers -= 1;
      throw new ExchangeError('unknown_outcome', '502 Bad Gateway (injected, after the fact)');
    }
    return r;
  };
  wrapped.submit = (req) => lose(() => port.submit(req));
  wrapped.cancel = (s, id, kind) => lose(() => port.cancel(s, id, kind));
  wrapped.amend = (req) => lose(() => port.amend(req));
  return {
    port: wrapped,
    loseNext: (n: number) => {
      lostAnswers = n;
    },
  };
}

export async function runChaos(seed: number, steps = 240): Promise<ChaosRow> {
  const rnd = mulberry32(seed);
  const app = await paperApp();
  const counters = { crashes: 0 };
  const faults: Record<string, number> = {};
  const count = (f: string) => {
    faults[f] = (faults[f] ?? 0) + 1;
  };
  const s = faultyStore(app.ctx.store, counters);
  const p = faultyPort(app.port);
  const badPort = new DeferredExchangePort(
    'bad',
    'paper',
    true,
    async () => {
      throw new Error('secret gridbot/bad still holds its placeholder value');
    },
    app.clock,
    new Error('secret gridbot/bad still holds its placeholder value'),
  );
  const ctx = {
    ...app.ctx,
    store: s.store,
    exchanges: (id: string): ExchangePort => (id === 'bad' ? badPort : p.port),
  };
  const config = parseKlgConfig(klgConfigInput());
  await app.ctx.store.putConfig(parseKlgConfig(klgConfigInput({ id: 'badklg', account: 'bad' })));
  const worker = new StreamWorker(ctx, {
    instances: [config, parseKlgConfig(klgConfigInput({ id: 'badklg', account: 'bad' }))],
    writer: `chaos-${seed}`,
  });
  let reconFailures = 0;
  const recon = async (force = false) => {
    try {
      await reconcileInstance(ctx, config.id, { force });
    } catch {
      reconFailures += 1;
    }
  };
  await recon(true);
  await worker.start();

  let price = dec('0.185');
  let reconnectAt: number | null = null;
  const faultsAt = app.ex.faults;
  for (let step = 0; step < steps; step++) {
    const r = rnd();
    if (r < 0.04) {
      s.crash(1 + Math.floor(rnd() * 3), rnd() < 0.5);
      count('crash');
    } else if (r < 0.09) {
      p.loseNext(1);
      count('unknown outcome (executed)');
    } else if (r < 0.12) {
      faultsAt.rejectNext({
        count: 1,
        error: new PaperApiError(-1001, 'Internal error; unable to process your request.', 503),
        operations: ['placeOrder', 'cancelOrder', 'placeAlgoOrder', 'cancelAlgoOrder', 'amendOrder'],
      });
      count('5xx refused');
    } else if (r < 0.16) {
      const banned = rnd() < 0.3;
      faultsAt.rejectNext({
        count: 2 + Math.floor(rnd() * 8),
        error: new PaperApiError(
          -1003,
          banned ? 'Way too many requests; IP banned.' : 'Too many requests.',
          banned ? 418 : 429,
        ),
      });
      count(banned ? '418 storm' : '429 storm');
    } else if (r < 0.19) {
      s.throttle(1 + Math.floor(rnd() * 4));
      count('store throttled');
    } else if (r < 0.23) {
      faultsAt.dropNextEvents('main', 1 + Math.floor(rnd() * 3));
      count('events dropped');
    } else if (r < 0.26) {
      faultsAt.duplicateNextEvents('main', 1 + Math.floor(rnd() * 3));
      count('events duplicated');
    } else if (r < 0.28) {
      faultsAt.delayNextEvents('main', 2, 5_000 + Math.floor(rnd() * 20_000));
      count('stalled socket');
    } else if (r < 0.3 && reconnectAt === null) {
      faultsAt.disconnectStream('main');
      reconnectAt = step + 1 + Math.floor(rnd() * 3);
      count('stream cut');
    }
    if (reconnectAt === step) {
      faultsAt.reconnectStream('main');
      reconnectAt = null;
    }
    // A random walk inside the grid (0.15–0.22), one 1-minute candle per step.
    const open = price;
    const next = price.times(dec(((rnd() - 0.5) * 0.03 + 1).toFixed(6)));
    price = Decimal_clamp(next.toDecimalPlaces(5), dec('0.152'), dec('0.222'));
    const hi = Decimal_max(open, price).times('1.001').toDecimalPlaces(5);
    const lo = Decimal_min(open, price).times('0.999').toDecimalPlaces(5);
    await app.feed(`${open.toFixed()} ${hi.toFixed()} ${lo.toFixed()} ${price.toFixed()}`);
    await worker.drain();
    await recon();
  }

  // The storm passes: no more faults, the stream back, three clean passes.
  faultsAt.clear();
  s.throttle(0);
  p.loseNext(0);
  await app.clock.advanceBy(60_000);
  await worker.drain();
  for (let i = 0; i < 3; i++) {
    await app.clock.advanceBy(60_000);
    await recon(true);
    await worker.drain();
  }
  await worker.stop();

  const state = (await loadKlg(app.ctx.store, config.id))!;
  const position = await app.port.position(SYMBOL, 'LONG');
  const open = (await app.port.openOrders(SYMBOL)).filter(
    (o) => decodeClientOrderId(o.clientOrderId)?.instanceId === config.id,
  );
  const tracked = new Set<string>([
    ...state.levels.flatMap((l) => (l.order ? [l.order.clientOrderId] : [])),
    ...state.stops.map((x) => x.clientOrderId),
  ]);
  const perLevel = new Map<number, number>();
  for (const o of open) {
    const d = decodeClientOrderId(o.clientOrderId);
    if (d?.kind === 'level') perLevel.set(d.level, (perLevel.get(d.level) ?? 0) + 1);
  }
  let fills = 0;
  for (let cursor = null as null | { time: number; tradeId: string }; ; ) {
    const page = await app.port.tradesSince(SYMBOL, cursor, 500);
    fills += page.length;
    const last = page[page.length - 1];
    if (page.length < 500 || !last) break;
    cursor = { time: last.time, tradeId: last.tradeId };
  }
  const diff = state.holdings.minus(position.qty);
  const row: ChaosRow = {
    seed,
    steps,
    faults,
    fills,
    lost: diff.isNegative() ? 1 : 0,
    doubled: diff.greaterThan(0) ? 1 : 0,
    orphans: open.filter((o) => !tracked.has(o.clientOrderId)).length,
    duplicateLevels: [...perLevel.values()].filter((n) => n > 1).length,
    stuckLevels: state.levels.filter((l) => l.state === 'PLACING' || l.state === 'CANCELING').length,
    longestUnprotectedMs: longestUncoveredMs(
      app.events.filter((e) => e.instanceId === config.id),
      app.clock.now(),
    ),
    crashes: counters.crashes,
    reconFailures,
  };
  if (process.env.CHAOS_DEBUG) {
    for (const e of app.events.filter((x) => x.instanceId === config.id))
      console.log(
        new Date(e.ts).toISOString(),
        e.type,
        e.code ?? '',
        e.side ?? '',
        e.price ?? '',
        e.qty ?? '',
        e.holdings ?? '',
        e.clientOrderId ?? '',
        (e.reason ?? '').slice(0, 90),
      );
  }
  await app.stop();
  return row;
}

function Decimal_max(a: Decimal, b: Decimal): Decimal {
  return a.greaterThan(b) ? a : b;
}
function Decimal_min(a: Decimal, b: Decimal): Decimal {
  return a.lessThan(b) ? a : b;
}
function Decimal_clamp(v: Decimal, lo: Decimal, hi: Decimal): Decimal {
  return Decimal_max(lo, Decimal_min(hi, v));
}
