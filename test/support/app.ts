/**
 * An application context on real parts for service tests: the paper exchange behind its Exchange port,
 * the in-memory store (or dynalite), a virtual clock, and sinks that keep what the services emit.
 */
import { VirtualClock } from '../../shared/adapters/clock/virtual-clock.js';
import { startEmbeddedStateStore } from '../../shared/adapters/embedded/dynalite-server.js';
import { createMemoryStateStore } from '../../shared/adapters/memory/index.js';
import { PaperExchange } from '../../shared/adapters/paper/engine.js';
import { PaperExchangePort, type PaperVenueRules } from '../../shared/adapters/paper/paper-exchange-port.js';
import type { AppContext } from '../../shared/application/context.js';
import { RulesCache } from '../../shared/application/market.js';
import type { Alert } from '../../shared/domain/commands.js';
import type { InstanceConfig } from '../../shared/domain/config/deployment.js';
import { dec } from '../../shared/domain/money.js';
import { type KlgConfigInput, parseKlgConfig } from '../../shared/domain/strategies/klg/config.js';
import type { TradingEvent } from '../../shared/ports/events.js';
import type { ExchangePort } from '../../shared/ports/exchange.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { candle, exchangeInfoFixture, T0 } from './paper.js';
import { klgConfigInput } from './strategies/klg/config.js';

export interface PaperApp {
  readonly ctx: AppContext;
  readonly ex: PaperExchange;
  readonly clock: VirtualClock;
  /** The first account's port (`main` unless `accounts` says otherwise). */
  readonly port: PaperExchangePort;
  /** Every account's port. */
  readonly ports: ReadonlyMap<string, PaperExchangePort>;
  readonly events: TradingEvent[];
  readonly alerts: Alert[];
  readonly metrics: { name: string; value: number; dims: Record<string, string> }[];
  readonly logs: { level: string; message: string; extra?: unknown }[];
  /** Feeds 1m candles (`'o h l c'`), advancing the clock to each close. */
  feed(...ohlcs: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function paperApp(
  opts: {
    instance?: Partial<KlgConfigInput>;
    /** Instances of any registered strategy, instead of the one Key Level Grid `instance` describes. */
    instances?: readonly InstanceConfig[];
    /** Paper accounts (hedge mode, 10 000 USDC and USDT each unless `balances` says); default `['main']`. */
    accounts?: readonly string[];
    balances?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    store?: 'memory' | 'dynalite';
    price?: string;
    /** How the paper accounts behave like another venue (e.g. OKX's post-only cancels). */
    venueRules?: PaperVenueRules;
  } = {},
): Promise<PaperApp> {
  const clock = new VirtualClock(T0);
  const ex = new PaperExchange({ clock, exchangeInfo: exchangeInfoFixture() });
  const ports = new Map<string, PaperExchangePort>();
  for (const id of opts.accounts ?? ['main']) {
    ex.createAccount({
      id,
      balances: opts.balances?.[id] ?? { USDC: '10000', USDT: '10000' },
      dualSidePosition: true,
    });
    ports.set(id, new PaperExchangePort(ex, id, opts.venueRules));
  }
  const port = [...ports.values()][0]!;
  let minute = T0;
  const feed = async (...ohlcs: string[]) => {
    for (const o of ohlcs) {
      await clock.advanceTo(Math.max(clock.now(), minute + 60_000));
      ex.applyCandle('DOGEUSDC', candle(minute, o));
      minute += 60_000;
    }
  };
  await feed(
    `${opts.price ?? '0.185'} ${opts.price ?? '0.185'} ${opts.price ?? '0.185'} ${opts.price ?? '0.185'}`,
  );

  let store: StateStore;
  let stopStore = async () => {};
  if (opts.store === 'dynalite') {
    const embedded = await startEmbeddedStateStore({ now: () => clock.now() });
    store = embedded.store;
    stopStore = () => embedded.stop();
  } else {
    store = createMemoryStateStore({ now: () => clock.now() });
  }
  const events: TradingEvent[] = [];
  const alerts: Alert[] = [];
  const metrics: PaperApp['metrics'] = [];
  const logs: PaperApp['logs'] = [];
  const logger = {
    debug: (message: string, extra?: unknown) => logs.push({ level: 'debug', message, extra }),
    info: (message: string, extra?: unknown) => logs.push({ level: 'info', message, extra }),
    warn: (message: string, extra?: unknown) => logs.push({ level: 'warn', message, extra }),
    error: (message: string, extra?: unknown) => logs.push({ level: 'error', message, extra }),
    child: () => logger,
  };
  const configs = opts.instances ?? [parseKlgConfig(klgConfigInput(opts.instance))];
  let tokens = 0;
  const ctx: AppContext = {
    store,
    exchanges: (account: string): ExchangePort => {
      const p = ports.get(account);
      if (!p) throw new Error(`no account ${account}`);
      return p;
    },
    // Short sleeps (conflict backoff, ≤ 500 ms) just yield; long ones (heartbeats) wait for virtual time.
    clock: {
      now: () => clock.now(),
      sleep: (ms: number, signal?: AbortSignal) =>
        ms <= 500 ? new Promise((r) => setImmediate(r)) : clock.sleep(ms, signal),
    },
    notifier: { notify: async (a) => void alerts.push(a) },
    metrics: {
      put: (name, value, _unit, dims = {}) => void metrics.push({ name, value, dims: { ...dims } }),
      flush: async () => {},
    },
    logger,
    events: { record: async (e) => void events.push(...e) },
    random: () => 0.5,
    newToken: () => `tok${String(++tokens).padStart(19, '0')}`,
    instanceIds: configs.map((c) => c.id),
    rules: new RulesCache(),
  };
  for (const config of configs) await store.putConfig(config);
  return { ctx, ex, clock, port, ports, events, alerts, metrics, logs, feed, stop: stopStore };
}

export const D = dec;
