/**
 * The simulator's adapters, chosen here: the paper exchange (one paper account per config account, with
 * the config's balances and hedge mode), a virtual clock, the DynamoDB adapter on the embedded dynalite
 * server (default) or the in-memory store, sinks that keep what the services emit, and a seeded `random`.
 * Everything the application gets goes through the same ports as in AWS.
 */
import { VirtualClock } from '../../adapters/clock/virtual-clock.js';
import { MemorySink } from '../../adapters/events/index.js';
import { JsonConsoleLogger } from '../../adapters/logging/index.js';
import { LineRecorder } from '../../adapters/logging/log-lines.js';
import { createMemoryStateStore } from '../../adapters/memory/index.js';
import { RecordingMetrics } from '../../adapters/metrics/index.js';
import { MemoryNotifier } from '../../adapters/notify/index.js';
import { PaperExchange } from '../../adapters/paper/engine.js';
import { PaperExchangePort } from '../../adapters/paper/paper-exchange-port.js';
import type { AppContext } from '../../application/context.js';
import { RulesCache } from '../../application/market.js';
import type { DeploymentConfig } from '../../domain/config/deployment.js';
import type { SimulationConfig } from '../../domain/config/simulation.js';
import { type Decimal, dec } from '../../domain/money.js';
import { seededRandom } from '../../domain/sim/demo-market.js';
import { legsOf } from '../../domain/strategies/index.js';
import type { ExchangePort } from '../../ports/exchange.js';
import type { StateStore } from '../../ports/state-store.js';
import { guardsOf } from '../runtime-context.js';
import { InFlight } from './in-flight.js';
import { parseLinearSymbol, type SimMarkets } from './markets.js';

/** URL-safe base64 digits: a seeded stand-in for the random confirmation tokens of a live process. */
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export type SimStoreKind = 'dynamo' | 'memory';

export interface SimRuntime {
  readonly ctx: AppContext;
  /** The store itself, for the driver's own reads once the application has settled (`ctx.store` is metered). */
  readonly store: StateStore;
  readonly clock: VirtualClock;
  readonly exchange: PaperExchange;
  /** The Exchange port of each account (unmetered: the summary, the openings, symbol ids). */
  readonly ports: ReadonlyMap<string, PaperExchangePort>;
  readonly inFlight: InFlight;
  readonly events: MemorySink;
  readonly notifier: MemoryNotifier;
  readonly metrics: RecordingMetrics;
  readonly log: LineRecorder;
  /** Starting wallet balances per account and asset. */
  readonly balances: ReadonlyMap<string, ReadonlyMap<string, Decimal>>;
  stop(): Promise<void>;
}

const DEFAULT_BALANCE = '10000';

/** Balances per account: the config's, else 10 000 of each settlement asset the account's instances use. */
function startingBalances(
  config: DeploymentConfig,
  sim: SimulationConfig,
): Map<string, Map<string, Decimal>> {
  const out = new Map<string, Map<string, Decimal>>();
  for (const account of config.accounts) {
    const given = sim.balances[account.id];
    const wallets = new Map<string, Decimal>();
    if (given) for (const [asset, v] of Object.entries(given)) wallets.set(asset, v);
    else
      for (const leg of config.instances.flatMap((i) => legsOf(i)).filter((l) => l.account === account.id))
        wallets.set(parseLinearSymbol(leg.symbol).quote, dec(DEFAULT_BALANCE));
    out.set(account.id, wallets);
  }
  return out;
}

export async function buildSimRuntime(opts: {
  readonly config: DeploymentConfig;
  readonly sim: SimulationConfig;
  readonly markets: SimMarkets;
  readonly startTime: number;
  readonly store: SimStoreKind;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}): Promise<SimRuntime> {
  const { config, sim, markets } = opts;
  const clock = new VirtualClock(opts.startTime);
  const exchange = new PaperExchange({
    clock,
    exchangeInfo: markets.exchangeInfo,
    fees: markets.fees,
    slippage: sim.slippage,
  });
  const balances = startingBalances(config, sim);
  const inFlight = new InFlight();
  const ports = new Map<string, PaperExchangePort>();
  const metered = new Map<string, ExchangePort>();
  for (const account of config.accounts) {
    exchange.createAccount({
      id: account.id,
      balances: Object.fromEntries(balances.get(account.id) ?? []),
      dualSidePosition: account.hedge_mode,
    });
    // An OKX account sees its swaps in contracts and has its post-only orders cancelled, as on OKX.
    const port = new PaperExchangePort(
      exchange,
      account.id,
      account.exchange === 'okx' ? { contracts: markets.contracts, postOnlyCancels: true } : {},
    );
    ports.set(account.id, port);
    metered.set(account.id, inFlight.exchange(port));
  }

  let store: StateStore;
  let stopStore = async (): Promise<void> => {};
  if (opts.store === 'dynamo') {
    // Loaded only for this store: dynalite's native LevelDB binding has no place in a bundle that
    // simulates on the in-memory store only (the sweep item Lambda).
    const { startEmbeddedStateStore } = await import('../../adapters/embedded/dynalite-server.js');
    const embedded = await startEmbeddedStateStore({ now: () => clock.now() });
    store = embedded.store;
    stopStore = () => embedded.stop();
  } else {
    // The serial queue in `inFlight` already delivers every store answer on a fresh event-loop turn.
    store = createMemoryStateStore({ now: () => clock.now(), yieldTurn: false });
  }
  const log = new LineRecorder();
  const logger = new JsonConsoleLogger({
    level: opts.logLevel ?? 'INFO',
    write: log.write,
    now: () => clock.now(),
    context: { service: 'gridbot-sim' },
  });
  const events = new MemorySink();
  const notifier = new MemoryNotifier();
  const metrics = new RecordingMetrics();
  const random = seededRandom(sim.seed);
  const ctx: AppContext = {
    store: inFlight.store(store),
    exchanges: (accountId) => {
      const port = metered.get(accountId);
      if (!port) throw new Error(`no account "${accountId}" in the simulation; declare it under accounts`);
      return port;
    },
    clock,
    notifier,
    metrics,
    logger,
    events,
    random,
    newToken: () => Array.from({ length: 22 }, () => TOKEN_ALPHABET[Math.floor(random() * 64)]).join(''),
    instanceIds: config.instances.map((i) => i.id),
    rules: new RulesCache(),
    guards: guardsOf(config),
  };
  for (const instance of config.instances) await ctx.store.putConfig(instance);
  return {
    ctx,
    store,
    clock,
    exchange,
    ports,
    inFlight,
    events,
    notifier,
    metrics,
    log,
    balances,
    stop: stopStore,
  };
}
