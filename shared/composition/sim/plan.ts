/**
 * Planning a simulation from its inputs, before anything runs: the effective config, the symbol rules,
 * each symbol's market data (a candle or tick file, or the demo market) and the bot's period. The bot
 * starts at `--from`, or as soon as the data holds the history its level source needs (none for manual
 * levels; `candles + 2` bars of the source's timeframe for computed ones); earlier data is history the
 * exchange replays with no bot running. Funding rates come from `--funding` or, by default, a funding file
 * found next to the market data (`funding.ts`). Every problem is a `SimInputError` with a one-line reason.
 */
import { dirname, resolve } from 'node:path';
import { loadExchangeInfo } from '../../adapters/paper/data-files.js';
import type { CandleInput, TradeInput } from '../../adapters/paper/market-driver.js';
import type { DeploymentConfig, InstanceConfig } from '../../domain/config/deployment.js';
import { type SimulationConfig, simulationSchema } from '../../domain/config/simulation.js';
import { type Decimal, dec } from '../../domain/money.js';
import { type DemoPhase, generateDemoMarket } from '../../domain/sim/demo-market.js';
import { legsOf, strategyOf } from '../../domain/strategies/index.js';
import { type FundingInfo, resolveFunding } from './funding.js';
import { readCandleCsv, readTickCsv } from './market-data.js';
import { resolveMarkets, SimInputError, type SimMarkets, type SimVenue } from './markets.js';

const MINUTE = 60_000;

/** The market a replay runs on: data files per symbol, symbol rules, and the period. */
export interface MarketInputs {
  /** Per ccxt symbol: a 1-minute candle CSV, a trade tick CSV, an 8h funding CSV. */
  readonly candles?: Readonly<Record<string, string>>;
  readonly ticks?: Readonly<Record<string, string>>;
  readonly funding?: Readonly<Record<string, string>>;
  readonly exchangeInfo?: string;
  readonly from?: number;
  readonly to?: number;
}

/** The market inputs `x` carries, without the absent ones (for objects that spread them on). */
export function marketInputsOf(x: MarketInputs): MarketInputs {
  return {
    ...(x.candles ? { candles: x.candles } : {}),
    ...(x.ticks ? { ticks: x.ticks } : {}),
    ...(x.funding ? { funding: x.funding } : {}),
    ...(x.exchangeInfo ? { exchangeInfo: x.exchangeInfo } : {}),
    ...(x.from !== undefined ? { from: x.from } : {}),
    ...(x.to !== undefined ? { to: x.to } : {}),
  };
}

export interface SimInputs extends MarketInputs {
  readonly config: DeploymentConfig;
  /** Where relative paths in the config resolve from. */
  readonly configDir: string;
  /** Told what the market data lacks (missing minutes) without failing the run. */
  readonly onWarning?: (message: string) => void;
}

export interface SymbolFeed {
  readonly symbol: string;
  readonly id: string;
  readonly kind: 'demo' | 'candles' | 'ticks';
  readonly file?: string;
  readonly candles: readonly CandleInput[];
  readonly ticks: readonly (TradeInput & { time: number })[];
  /** The funding rates the exchange settles (empty when funding is not modelled), and what to report. */
  readonly funding: readonly { fundingTime: number; fundingRate: Decimal }[];
  readonly fundingInfo: FundingInfo;
  readonly phases: readonly DemoPhase[];
}

type MarketFeed = Omit<SymbolFeed, 'funding' | 'fundingInfo'>;

export interface SimPlan {
  readonly config: DeploymentConfig;
  readonly sim: SimulationConfig;
  readonly instances: readonly InstanceConfig[];
  readonly markets: SimMarkets;
  readonly feeds: readonly SymbolFeed[];
  /** First data time (the clock starts here), the bot's first scheduled time, and its last. */
  readonly dataStart: number;
  readonly start: number;
  readonly end: number;
}

/** History an instance needs before its first scheduled job (ms; its strategy says). */
export function historyNeededMs(config: InstanceConfig): number {
  return strategyOf(config).simulation.historyNeededMs(config);
}

/** The symbols an instance's legs trade. */
/**
 * The venue each simulated symbol trades on: OKX when the accounts trading it are OKX accounts, Binance
 * USD-M otherwise (`paper` accounts too). One engine market per symbol: a symbol traded on both venues in
 * one simulation is refused, with the fix.
 */
export function venuesOf(
  config: DeploymentConfig,
  instances: readonly InstanceConfig[],
): (symbol: string) => SimVenue {
  const venues = new Map<string, Set<SimVenue>>();
  for (const inst of instances)
    for (const leg of legsOf(inst)) {
      const exchange = config.accounts.find((a) => a.id === leg.account)?.exchange;
      const set = venues.get(leg.symbol) ?? new Set<SimVenue>();
      set.add(exchange === 'okx' ? 'okx' : 'binanceusdm');
      venues.set(leg.symbol, set);
    }
  for (const [symbol, set] of venues)
    if (set.size > 1)
      throw new SimInputError(
        `${symbol} is traded on OKX and Binance accounts: the simulator hosts one market per symbol; simulate each venue's instances in its own run`,
      );
  return (symbol) => [...(venues.get(symbol) ?? [])][0] ?? 'binanceusdm';
}

export function symbolsOf(config: InstanceConfig): string[] {
  return [...new Set(legsOf(config).map((l) => l.symbol))];
}

function tickOf(markets: SimMarkets, id: string): Decimal {
  const entry = markets.exchangeInfo.symbols.find((s) => (s as { symbol?: string }).symbol === id) as
    | { filters?: { filterType: string; tickSize?: string }[] }
    | undefined;
  const tick = entry?.filters?.find((f) => f.filterType === 'PRICE_FILTER')?.tickSize;
  if (!tick) throw new SimInputError(`symbol rules of ${id} have no PRICE_FILTER tickSize`);
  return dec(tick);
}

function demoPrice(symbol: string, sim: SimulationConfig, instances: readonly InstanceConfig[]): Decimal {
  const given = sim.demo_market.prices[symbol];
  if (given) return given;
  // The first instance on the symbol whose strategy knows a sensible opening (the grid: its levels' middle).
  for (const i of instances) {
    const price = strategyOf(i).simulation.openingPrice(i, symbol);
    if (price) return price;
  }
  throw new SimInputError(
    `the demo market needs an opening price for ${symbol}: set simulation.demo_market.prices["${symbol}"], or pass --candles`,
  );
}

function feedFor(
  symbol: string,
  id: string,
  inputs: SimInputs,
  plan: {
    sim: SimulationConfig;
    instances: readonly InstanceConfig[];
    markets: SimMarkets;
    warmupMs: number;
  },
): MarketFeed {
  const candleFile = inputs.candles?.[symbol];
  const tickFile = inputs.ticks?.[symbol];
  if (candleFile && tickFile)
    throw new SimInputError(`${symbol}: give either --candles or --ticks for a symbol, not both`);
  if (candleFile) {
    // Only the period asked for (and the history before it) is parsed.
    const window = {
      ...(inputs.from !== undefined ? { from: inputs.from - plan.warmupMs - 2 * MINUTE } : {}),
      ...(inputs.to !== undefined ? { to: inputs.to } : {}),
    };
    const candles = readCandleCsv(candleFile, window, inputs.onWarning);
    return { symbol, id, kind: 'candles', file: candleFile, candles, ticks: [], phases: [] };
  }
  if (tickFile)
    return {
      symbol,
      id,
      kind: 'ticks',
      file: tickFile,
      candles: [],
      ticks: readTickCsv(tickFile),
      phases: [],
    };
  const demo = plan.sim.demo_market;
  const warmupMinutes = Math.ceil(plan.warmupMs / MINUTE);
  const runStart = Math.floor(Date.parse(demo.start) / MINUTE) * MINUTE;
  const { candles, phases } = generateDemoMarket({
    startTime: runStart - warmupMinutes * MINUTE,
    minutes: warmupMinutes + Math.round(demo.days * 1440),
    warmupMinutes,
    startPrice: demoPrice(symbol, plan.sim, plan.instances),
    tickSize: tickOf(plan.markets, id),
    seed: demo.seed,
    dailyVolatility: demo.daily_volatility.toNumber(),
  });
  return { symbol, id, kind: 'demo', candles, ticks: [], phases };
}

const stepTimes = (f: MarketFeed): number[] =>
  f.kind === 'ticks' ? f.ticks.map((t) => t.time) : f.candles.map((c) => c.openTime + MINUTE);

export function planSimulation(inputs: SimInputs): SimPlan {
  const { config } = inputs;
  const sim = config.simulation ?? simulationSchema.parse({});
  const instances = config.instances.filter((i) => i.enabled);
  if (instances.length === 0)
    throw new SimInputError('every instance in the config is disabled: nothing to simulate');
  const symbols = [...new Set(instances.flatMap(symbolsOf))];
  for (const [flag, map] of [
    ['--candles', inputs.candles],
    ['--ticks', inputs.ticks],
    ['--funding', inputs.funding],
  ] as const)
    for (const s of Object.keys(map ?? {}))
      if (!symbols.includes(s))
        throw new SimInputError(
          `${flag} ${s}=...: no enabled instance trades ${s} (trading: ${symbols.join(', ')})`,
        );
  const infoPath =
    inputs.exchangeInfo ?? (sim.exchange_info ? resolve(inputs.configDir, sim.exchange_info) : undefined);
  let info: { path: string; body: unknown } | undefined;
  if (infoPath) {
    try {
      info = { path: infoPath, body: loadExchangeInfo(infoPath) };
    } catch (e) {
      throw new SimInputError(`cannot read the exchangeInfo file ${infoPath}: ${(e as Error).message}`);
    }
  }
  const markets = resolveMarkets(symbols, sim, info, venuesOf(config, instances));
  const warmupMs = Math.max(0, ...instances.map(historyNeededMs));
  const marketFeeds = symbols.map((s) =>
    feedFor(s, markets.ids[s]!, inputs, { sim, instances, markets, warmupMs }),
  );

  const firsts = marketFeeds.map((f) => stepTimes(f)[0]!);
  const lasts = marketFeeds.map((f) => stepTimes(f).at(-1)!);
  const dataFirstStep = Math.min(...firsts);
  const dataStart = Math.min(
    ...marketFeeds.map((f) => (f.kind === 'ticks' ? f.ticks[0]!.time : f.candles[0]!.openTime)),
  );
  const start = inputs.from ?? Math.max(...firsts) + warmupMs;
  const end = inputs.to ?? Math.max(...lasts);
  const iso = (t: number) => new Date(t).toISOString();
  if (start - warmupMs < dataStart && warmupMs > 0)
    throw new SimInputError(
      `the level source needs ${Math.round(warmupMs / 3_600_000)} h of history before the start (${iso(start)}), but the data begins at ${iso(dataStart)}; start later with --from`,
    );
  if (start < dataFirstStep)
    throw new SimInputError(`--from ${iso(start)} is before the first candle closes (${iso(dataFirstStep)})`);
  if (end <= start)
    throw new SimInputError(`nothing to simulate: the period ${iso(start)} → ${iso(end)} is empty`);
  const feeds: SymbolFeed[] = marketFeeds.map((f) => {
    const { rates, info } = resolveFunding({
      id: f.id,
      marketFile: f.file,
      explicit: inputs.funding?.[f.symbol],
      start,
      end,
    });
    return { ...f, funding: rates, fundingInfo: info };
  });
  sim.positions.forEach((p, i) => {
    if (!config.accounts.some((a) => a.id === p.account))
      throw new SimInputError(
        `simulation.positions[${i}].account: no account "${p.account}" in accounts (name one of ${config.accounts.map((a) => a.id).join(', ')})`,
      );
    if (!feeds.some((f) => f.symbol === p.symbol))
      throw new SimInputError(
        `simulation.positions[${i}].symbol: ${p.symbol} is not a market any instance trades (${feeds.map((f) => f.symbol).join(', ')})`,
      );
  });
  return { config: { ...config, simulation: sim }, sim, instances, markets, feeds, dataStart, start, end };
}

export function configDirOf(path: string): string {
  return dirname(resolve(path));
}
