/**
 * The simulator's composition root (`gridbot sim`, `npm start`): plans the run from the config and the
 * market data, builds the paper exchange, virtual clock, store and sinks (`sim/runtime.ts`), replays the
 * market through the production services (`application/sim/replay.ts`: the StreamWorker, runScheduled,
 * reconcileInstance, handleFill, recomputeParams, runRiskCheck), then writes `summary.json`,
 * `events.jsonl`, `report.html` and `sim.log` into the output directory.
 *
 * Entry point: `runSimulation(options)`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processRedactor } from '../adapters/logging/redactor.js';
import type { CandleInput } from '../adapters/paper/market-driver.js';
import { preflightInstances } from '../application/preflight.js';
import type { QuietCandle } from '../application/sim/quiet-skip.js';
import { type MarketStep, replayMarket } from '../application/sim/replay.js';
import type { DeploymentConfig } from '../domain/config/deployment.js';
import { type Decimal, ZERO } from '../domain/money.js';
import type { DemoPhase } from '../domain/sim/demo-market.js';
import { checkEventLog } from '../domain/sim/event-checks.js';
import { checkHedgeLog } from '../domain/sim/hedge-checks.js';
import { legsOf, strategyOf } from '../domain/strategies/index.js';
import type { InstanceEnvelope, QuietBand, SimOpening } from '../domain/strategy.js';
import type { SymbolRules } from '../domain/symbol-rules.js';
import { loadDeploymentConfigFile } from './deployment-source.js';
import { eventsJsonl, orderEvents } from './sim/events-file.js';
import { SimInputError } from './sim/markets.js';
import { configDirOf, planSimulation, type SimInputs, type SimPlan } from './sim/plan.js';
import { Recorder } from './sim/recorder.js';
import { reportHtml } from './sim/report-html.js';
import { buildSimRuntime, type SimRuntime, type SimStoreKind } from './sim/runtime.js';
import { buildSummary, type MarketInfo, type Summary } from './sim/summary.js';

export type { SimStoreKind } from './sim/runtime.js';
export { SimInputError };

export interface SimOptions extends Omit<SimInputs, 'config' | 'configDir'> {
  /** A config file path, or a parsed config with the directory its relative paths resolve from. */
  readonly config: string | { readonly config: DeploymentConfig; readonly dir: string };
  readonly store?: SimStoreKind;
  /** Where the files go; nothing is written without it. */
  readonly outDir?: string;
  readonly onProgress?: (done: number, total: number, at: number) => void;
  /** Told what the market data lacks (missing minutes) without failing the run. */
  readonly onWarning?: (message: string) => void;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Draw report.html (default true); a sweep run keeps only the summary's figures. */
  readonly report?: boolean;
  /**
   * Run every recon pass and apply every candle in full, quiet or not (default false: quiet stretches are
   * cut short, `application/sim/quiet-skip.ts`; the events are the same either way).
   */
  readonly exact?: boolean;
}

export interface SimResult {
  readonly summary: Summary;
  readonly eventsJsonl: string;
  /** report.html ('' when `report` is false). */
  readonly html: string;
  readonly files: readonly string[];
  readonly plan: SimPlan;
  /** Wall-clock split of the replay (ms), for the benchmark. */
  readonly timings: {
    readonly totalMs: number;
    readonly marketMs: number;
    readonly exchangeMs: number;
    readonly storeMs: number;
    readonly reconEngineMs: number;
    /** Recon passes not written: nothing changed but their time and price (skipped ones included). */
    readonly reconQuiet: number;
    /** Of those, skipped inside a quiet band; risk checks skipped as steady; candles applied as quiet ones (`quiet-skip.ts`). */
    readonly reconSkipped: number;
    readonly riskSkipped: number;
    readonly quietCandles: number;
    readonly steps: number;
    readonly storeCalls: number;
    /** Virtual-clock timers fired, and turns of the event loop the driver waited for: costs free of noise. */
    readonly timersFired: number;
    readonly turns: number;
  };
}

/**
 * The positions `simulation.positions` asks for, opened by hand (a market order each) when the bot starts,
 * after the market data of that instant; each records where one market order closing it would have gone.
 */
function openingStep(
  plan: SimPlan,
  rt: SimRuntime,
  takerFees: ReadonlyMap<string, Decimal>,
  openings: SimOpening[],
): { at: number; order: number; apply: () => boolean } | null {
  if (plan.sim.positions.length === 0) return null;
  return {
    at: plan.start,
    order: plan.feeds.length,
    apply: () => {
      plan.sim.positions.forEach((p, i) => {
        const id = plan.feeds.find((f) => f.symbol === p.symbol)!.id;
        const book = rt.exchange.bookTop(id);
        if (!book)
          throw new SimInputError(`simulation.positions[${i}]: ${p.symbol} has no price when the bot starts`);
        rt.exchange.placeOrder(p.account, {
          symbol: id,
          side: p.side === 'LONG' ? 'BUY' : 'SELL',
          type: 'MARKET',
          quantity: p.qty,
          positionSide: p.side,
          newClientOrderId: `sim_open_${i}`,
        });
        openings.push({
          account: p.account,
          symbol: p.symbol,
          positionSide: p.side,
          qty: p.qty,
          at: rt.clock.now(),
          touch: p.side === 'LONG' ? book.bid : book.ask,
          takerFee: takerFees.get(p.symbol) ?? ZERO,
        });
      });
      return true;
    },
  };
}

/** What every market step of a replay shares: the exchange, the time spent in it, what it delivered. */
interface StepContext {
  readonly exchange: SimRuntime['exchange'];
  readonly timing: { ms: number };
  /** Events the exchange sent to any account so far. */
  delivered: number;
}

/** A candle's close as a market step, and as a quiet candle (methods, not closures: a month has 43,200). */
class CandleStep implements MarketStep, QuietCandle {
  readonly at: number;
  readonly low: Decimal;
  readonly high: Decimal;
  readonly close: Decimal;
  constructor(
    private readonly ctx: StepContext,
    private readonly feedId: string,
    readonly symbol: string,
    readonly order: number,
    private readonly candle: CandleInput,
  ) {
    this.at = candle.openTime + 60_000;
    this.low = candle.low;
    this.high = candle.high;
    this.close = candle.close;
  }

  get quiet(): QuietCandle {
    return this;
  }

  apply(): boolean {
    const a = performance.now();
    const before = this.ctx.delivered;
    this.ctx.exchange.applyCandle(this.feedId, this.candle);
    this.ctx.timing.ms += performance.now() - a;
    return this.ctx.delivered !== before;
  }

  applyQuiet(range: QuietBand): boolean {
    const a = performance.now();
    const done = this.ctx.exchange.applyQuietCandle(this.feedId, this.candle, range);
    this.ctx.timing.ms += performance.now() - a;
    return done;
  }
}

function marketSteps(
  plan: SimPlan,
  rt: SimRuntime,
  timing: { ms: number },
  opening: { at: number; order: number; apply: () => boolean } | null,
): MarketStep[] {
  // Counts what the exchange sends to every account, so a step that reached nobody skips the wait.
  const ctx: StepContext = { exchange: rt.exchange, timing, delivered: 0 };
  for (const account of plan.config.accounts)
    rt.exchange.subscribeAccount(account.id, {
      onEvent: () => {
        ctx.delivered += 1;
      },
    });
  const steps: (MarketStep & { order: number })[] = [];
  plan.feeds.forEach((feed, order) => {
    if (feed.funding.length > 0) rt.exchange.setFundingRates(feed.id, feed.funding);
    for (const c of feed.candles) steps.push(new CandleStep(ctx, feed.id, feed.symbol, order, c));
    for (const t of feed.ticks)
      steps.push({
        at: t.time,
        order,
        apply: () => {
          const a = performance.now();
          const before = ctx.delivered;
          rt.exchange.applyTrade(feed.id, t);
          timing.ms += performance.now() - a;
          return ctx.delivered !== before;
        },
      });
  });
  if (opening) steps.push(opening);
  return steps.sort((a, b) => a.at - b.at || a.order - b.order).filter((s) => s.at <= plan.end);
}

function candlesOf(plan: SimPlan, rt: SimRuntime): Map<string, CandleInput[]> {
  const out = new Map<string, CandleInput[]>();
  for (const feed of plan.feeds) {
    if (feed.kind !== 'ticks') {
      out.set(
        feed.symbol,
        feed.candles.filter((c) => c.openTime + 60_000 > plan.start && c.openTime < plan.end),
      );
      continue;
    }
    // Ticks: the 1-minute klines the exchange built from them.
    const klines: CandleInput[] = [];
    for (let from = plan.start - 60_000; ; ) {
      const page = rt.exchange.klines(feed.id, '1m', { startTime: from, endTime: plan.end, limit: 1500 });
      klines.push(...page);
      if (page.length < 1500) break;
      from = page[page.length - 1]!.openTime + 60_000;
    }
    out.set(feed.symbol, klines);
  }
  return out;
}

function marketInfo(plan: SimPlan, candles: Map<string, CandleInput[]>): MarketInfo {
  const kinds = new Set(plan.feeds.map((f) => f.kind));
  return {
    source: kinds.has('ticks') ? 'ticks' : kinds.has('candles') ? 'candles' : 'demo',
    files: Object.fromEntries(plan.feeds.filter((f) => f.file).map((f) => [f.symbol, f.file!])),
    from: plan.start,
    to: plan.end,
    candles: Object.fromEntries([...candles].map(([s, c]) => [s, c.length])),
    historyCandles: Object.fromEntries(
      plan.feeds.map((f) => [f.symbol, f.candles.filter((c) => c.openTime + 60_000 < plan.start).length]),
    ),
    funding: Object.fromEntries(plan.feeds.map((f) => [f.symbol, f.fundingInfo])),
  };
}

export async function runSimulation(options: SimOptions): Promise<SimResult> {
  const started = performance.now();
  const source =
    typeof options.config === 'string'
      ? { config: loadDeploymentConfigFile(options.config), dir: configDirOf(options.config) }
      : options.config;
  const plan = planSimulation({ ...options, config: source.config, configDir: source.dir });
  const store = options.store ?? 'dynamo';
  const rt = await buildSimRuntime({
    config: plan.config,
    sim: plan.sim,
    markets: plan.markets,
    startTime: plan.dataStart,
    store,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  try {
    // A config that cannot work on the venue and balance it is given is refused before the replay starts.
    await preflightInstances(rt.ctx, plan.instances, { manualLevelsOnly: true });
    const market = { ms: 0 };
    const takerFees = new Map<string, Decimal>();
    for (const p of plan.sim.positions)
      takerFees.set(p.symbol, (await rt.ports.get(p.account)!.loadRules(p.symbol)).takerFee);
    const openings: SimOpening[] = [];
    const all = marketSteps(plan, rt, market, openingStep(plan, rt, takerFees, openings));
    const history = all.filter((s) => s.at < plan.start);
    const steps = all.filter((s) => s.at >= plan.start);
    const recorder = new Recorder(
      plan.instances,
      {
        equity: (account, asset) => rt.exchange.marginBalance(account, asset),
        position: (leg) => {
          const id = rt.ports.get(leg.account)!.symbols.toId(leg.symbol);
          const p = rt.exchange.positionRisk(leg.account, id, leg.positionSide);
          return {
            qty: p.qty,
            markPrice: p.mark,
            liquidationPrice: p.liquidationPrice.isZero() ? undefined : p.liquidationPrice,
          };
        },
      },
      steps.length,
    );
    let done = 0;
    let seenEvents = rt.events.events.length;
    const replay = await replayMarket({
      ctx: rt.ctx,
      clock: rt.clock,
      instances: plan.instances,
      history,
      steps,
      start: plan.start,
      end: plan.end,
      settle: () => rt.inFlight.settle(),
      observe: rt.store,
      heartbeatIntervalMs: plan.sim.heartbeat_interval_sec * 1000,
      afterStep: (at) => {
        // A step that brought a fill is always kept, so the position chart shows every fill's effect.
        const logged = rt.events.events.length;
        let filled = false;
        for (let i = seenEvents; i < logged && !filled; i++) filled = rt.events.events[i]!.type === 'fill';
        seenEvents = logged;
        recorder.sample(at, filled);
        done += 1;
        options.onProgress?.(done, steps.length, at);
      },
      onGrid: (id, state, at) => recorder.grid(id, state, at),
      ...(options.exact
        ? {}
        : {
            quiet: {
              range: (symbol: string) =>
                rt.exchange.quietRange(plan.feeds.find((f) => f.symbol === symbol)!.id),
              version: () => rt.exchange.changes,
              equity: (account: string, asset: string) => rt.exchange.marginBalance(account, asset),
            },
          }),
    });
    recorder.sample(rt.clock.now(), true);
    recorder.finish(plan.end);

    const ids = plan.config.instances.map((i) => i.id);
    const events = orderEvents(rt.events.events, ids);
    const states = new Map<string, InstanceEnvelope | null>();
    for (const inst of plan.instances) states.set(inst.id, await rt.ctx.store.loadGrid(inst.id));
    const rules = new Map<string, SymbolRules>();
    for (const leg of plan.instances.flatMap((i) => legsOf(i)))
      if (!rules.has(leg.symbol))
        rules.set(leg.symbol, await rt.ports.get(leg.account)!.loadRules(leg.symbol));
    const candles = candlesOf(plan, rt);
    const eventViolations = new Map<string, string[]>();
    for (const inst of plan.instances) {
      // Every strategy's promises, plus its own (the grid's sell guard); judged on its first leg's market.
      const symbol = legsOf(inst)[0]!.symbol;
      const r = rules.get(symbol)!;
      const feed = plan.feeds.find((f) => f.symbol === symbol)!;
      const own = strategyOf(inst).simulation.eventChecks(inst);
      const mine = events.filter((e) => e.instanceId === inst.id);
      const hedge = own.hedge
        ? checkHedgeLog(mine, { legs: own.hedge.legs, tickSize: r.tickSize, end: plan.end }).map(
            (v) => `${inst.id} ${v}`,
          )
        : [];
      eventViolations.set(inst.id, [
        ...checkEventLog(mine, {
          sellGuard: own.sellGuard,
          tickSize: r.tickSize,
          stepSize: r.stepSize.times(r.contractSize),
          candles: feed.kind === 'ticks' ? undefined : feed.candles,
          end: plan.end,
          maxUnprotectedMs: strategyOf(inst).protectsHoldings(inst) ? 60_000 : null,
        }),
        ...hedge,
      ]);
    }
    const summary = await buildSummary({
      config: plan.config,
      store,
      markets: plan.markets,
      rules,
      market: marketInfo(plan, candles),
      replay,
      events,
      states,
      eventViolations,
      recorder,
      exchange: rt.exchange,
      ports: rt.ports,
      balances: rt.balances,
      openings,
      candles,
      alertData: rt.notifier.alerts,
    });
    const phases = new Map<string, readonly DemoPhase[]>(plan.feeds.map((f) => [f.symbol, f.phases]));
    const ticks = new Map(plan.feeds.filter((f) => f.kind === 'ticks').map((f) => [f.symbol, f.ticks]));
    const html =
      options.report === false
        ? ''
        : reportHtml({ summary, instances: plan.instances, candles, events, recorder, phases, ticks });
    const jsonl = eventsJsonl(events);
    const files: string[] = [];
    if (options.outDir) {
      mkdirSync(options.outDir, { recursive: true });
      const write = (name: string, text: string) => {
        const path = join(options.outDir!, name);
        // Reports are shared: no registered credential value reaches a file, whatever quoted it.
        writeFileSync(path, processRedactor.scrubRegistered(text));
        files.push(path);
      };
      write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
      write('events.jsonl', jsonl);
      if (options.report !== false) write('report.html', html);
      write('sim.log', rt.log.lines.map((l) => `${l}\n`).join(''));
    }
    return {
      summary,
      eventsJsonl: jsonl,
      html,
      files,
      plan,
      timings: {
        totalMs: performance.now() - started,
        marketMs: market.ms,
        exchangeMs: rt.inFlight.exchangeMs,
        storeMs: rt.inFlight.storeMs,
        reconEngineMs: replay.reconTimings.engineMs,
        reconQuiet: replay.reconTimings.quiet,
        reconSkipped: replay.skipped.reconPasses,
        riskSkipped: replay.skipped.riskChecks,
        quietCandles: replay.skipped.quietCandles,
        steps: replay.steps,
        storeCalls: rt.inFlight.storeCalls,
        timersFired: rt.clock.fired,
        turns: rt.inFlight.turns,
      },
    };
  } finally {
    await rt.stop();
  }
}
