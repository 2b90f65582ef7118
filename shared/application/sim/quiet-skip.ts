/**
 * Quiet stretches of a replay: what the driver may leave out because it would change nothing, so a month
 * replays in seconds. Most minutes of a resting grid are quiet: the candle fills nothing, and the recon pass
 * after it decides nothing. Those minutes are cut short, and only those:
 *  - a recon pass is skipped while the price it would see (the close) stays strictly inside the band its strategy
 *    promises after a settled pass (`StrategySimulation.quietBand`), before the band's time limit, with
 *    nothing changed on the exchange (a skipped pass counts as a quiet pass: it would decide nothing and
 *    write at most a refresh of its volatile fields, its time, price and roles, which nothing decides on;
 *    so the stored grid may keep an older time and price than the `--exact` run's, while its events and
 *    summary are the same; an instance whose siblings read its stored price is never skipped). A pass
 *    that changed the grid but sent nothing opens a band too when deciding again on its result changes
 *    nothing (`ReconReport.fixedPoint`): the pass after it would only prove that;
 *  - a candle goes to the exchange as a quiet one (`PaperExchange.applyQuietCandle`: prices, mark and
 *    kline set, no matching, nothing published) when it closes inside the bands of every instance on its
 *    symbol and trades only inside the exchange's own quiet range (nothing rests, triggers or liquidates in it; no funding
 *    due on a position), and the next candle would be quiet too, and no job runs for real before the one
 *    after: what the stream worker's market tape holds when anything decides again is then exactly what
 *    it would hold had every candle been published (the tape keeps one candle's trades and the trade
 *    before them).
 * A steady risk check is skipped too (`SteadyCheck`: the same findings while the equity neither peaks nor
 * reaches the drawdown limit, and while any grid a pass or recompute wrote since finds the same by the
 * check's own rules, `holdsFor`), and the stream worker's heartbeats are kept, not written, until a step or
 * job that runs in full may read them (only the last is written). Recomputes always run. A fill, a
 * candle closing outside a band, a pass or recompute that changed the grid ends the stretch; a flatten
 * ends skipping for the rest of the replay. The same replay with and without skipping writes the same
 * `events.jsonl` and summary (tested on real months: `test/sim/quiet-skip.test.ts`); `gridbot sim
 * --exact` runs every pass.
 *
 * What is never skipped: an instance whose strategy gives no band, decides on market data (`onMarket`),
 * shares an account with another instance (a sibling reads its stored price and exposure), declares a
 * budget, or trades on an account with account-wide limits (those read the equity each pass refreshes).
 */
import type { InstanceConfig } from '../../domain/config/deployment.js';
import type { GridState } from '../../domain/grid-state.js';
import type { Decimal } from '../../domain/money.js';
import { legsOf, strategyOf } from '../../domain/strategies/index.js';
import { insideBand, type QuietBand } from '../../domain/strategy.js';
import type { StateStore } from '../../ports/state-store.js';
import type { AppContext } from '../context.js';
import { budgetPolicyOf } from '../guard-rails.js';
import { guardsFor } from '../pipeline.js';
import type { JobName } from '../scheduled.js';
import type { SteadyCheck } from '../strategies/runtime.js';

/** A candle the exchange can take as a quiet one. */
export interface QuietCandle {
  /** The symbol as the config names it. */
  readonly symbol: string;
  readonly low: Decimal;
  readonly high: Decimal;
  readonly close: Decimal;
  /** Applies the candle without matching or publishing when it lies inside `range`; false (nothing done) if not. */
  applyQuiet(range: QuietBand): boolean;
}

/** The exchange's side: where a symbol's candle can do nothing, and a count that moves when that may change. */
export interface QuietMarket {
  range(symbol: string): QuietBand | null;
  version(): number;
  /** An account's equity (margin balance) in `asset` now. */
  equity(account: string, asset: string): Decimal;
}

/** What the driver asks of the schedule: when an instance next runs a job. */
export interface JobPeek {
  nextOf(instanceId: string, job: JobName): number;
}

interface Step {
  readonly at: number;
  readonly quiet?: QuietCandle | undefined;
}

export class QuietSkip {
  /** Recon passes skipped, and candles applied as quiet ones. */
  skippedPasses = 0;
  quietCandles = 0;
  readonly #ctx: AppContext;
  readonly #market: QuietMarket;
  readonly #byId: Map<string, InstanceConfig>;
  /** Instances on each symbol; a symbol with one never skipped is never quiet. */
  readonly #bySymbol = new Map<string, InstanceConfig[]>();
  readonly #eligible = new Set<string>();
  /** Each band with the exchange's change count it holds for, and the stored grid's version it was taken on. */
  readonly #bands = new Map<
    string,
    QuietBand & { readonly version: number; readonly grid: number; readonly symbol: string }
  >();
  /** Each steady risk check's promise, with the exchange's change count it holds for. */
  readonly #steady = new Map<string, SteadyCheck & { readonly version: number }>();
  /** Instances whose risk check may hand the position to the closer (which reads the market tape). */
  readonly #flattensOnRisk = new Set<string>();
  readonly #ranges = new Map<string, { version: number; range: QuietBand | null }>();
  /** The last close of each symbol (the price a settled pass decided at). */
  readonly #close = new Map<string, Decimal>();
  #off = false;
  readonly #heartbeatMs: number;
  /** Where the stored grids are read (the driver's own reads). */
  readonly #grids: Pick<StateStore, 'loadGrid'>;
  skippedChecks = 0;

  constructor(
    ctx: AppContext,
    instances: readonly InstanceConfig[],
    market: QuietMarket,
    heartbeatIntervalMs: number,
    grids: Pick<StateStore, 'loadGrid'> = ctx.store,
  ) {
    this.#ctx = ctx;
    this.#grids = grids;
    this.#market = market;
    this.#heartbeatMs = heartbeatIntervalMs;
    this.#byId = new Map(instances.map((c) => [c.id, c]));
    const perAccount = new Map<string, number>();
    for (const c of instances)
      for (const account of new Set(legsOf(c).map((l) => l.account)))
        perAccount.set(account, (perAccount.get(account) ?? 0) + 1);
    for (const c of instances) {
      for (const symbol of new Set(legsOf(c).map((l) => l.symbol))) {
        const list = this.#bySymbol.get(symbol) ?? [];
        list.push(c);
        this.#bySymbol.set(symbol, list);
      }
      const strategy = strategyOf(c);
      const accounts = new Set(legsOf(c).map((l) => l.account));
      const guards = guardsFor(ctx);
      const eligible =
        c.enabled &&
        strategy.simulation.quietBand !== undefined &&
        strategy.onMarket === undefined &&
        budgetPolicyOf(c) === null &&
        [...accounts].every((a) => {
          const limits = guards.limits(a);
          return perAccount.get(a) === 1 && !limits.maxAccountNotional && !limits.maxLeverage;
        });
      if (eligible) this.#eligible.add(c.id);
      if (strategy.monitoring(c).riskBreach?.onBreach === 'flatten') this.#flattensOnRisk.add(c.id);
    }
  }

  /** Still cutting quiet stretches short (not stopped by a flatten). */
  get active(): boolean {
    return !this.#off;
  }

  /** Nothing more is skipped in this replay (a flatten is being worked: its closer reads every candle). */
  stop(): void {
    this.#off = true;
    this.#bands.clear();
    this.#steady.clear();
  }

  /** A market step was applied in full: remember its close; a band it left is gone. */
  fullStep(step: Step): void {
    const q = step.quiet;
    if (!q) {
      this.#bands.clear();
      return;
    }
    this.#close.set(q.symbol, q.close);
    for (const c of this.#bySymbol.get(q.symbol) ?? []) {
      const band = this.#bands.get(c.id);
      if (band && !insideBand(q.close, q.close, band)) this.#bands.delete(c.id);
    }
  }

  /** Fills were handled, or something else moved the grids: every band is gone. */
  forgetAll(): void {
    this.#bands.clear();
    this.#steady.clear();
  }

  /** A risk check ran for real: what it promises of the next ones (`SteadyCheck`), if anything. */
  checked(instanceId: string, steady: SteadyCheck | null | undefined): void {
    this.#steady.delete(instanceId);
    if (this.#off || !steady || !this.#eligible.has(instanceId)) return;
    if (this.#heartbeatMs >= steady.heartbeatMaxAgeMs) return;
    this.#steady.set(instanceId, { ...steady, version: this.#market.version() });
  }

  /**
   * A job ran for real on the instance: a recon pass renews its band when it settled, or when it changed
   * the grid into a fixed point (`ReconReport.fixedPoint`: deciding again on it changes nothing), or ends
   * it; a risk check or recompute ends it unless the stored grid is as it was (the exchange is checked on
   * each use).
   */
  async ran(instanceId: string, job: JobName, settled: boolean, fixedPoint = false): Promise<void> {
    const had = this.#bands.get(instanceId);
    this.#bands.delete(instanceId);
    if (this.#off || !this.#eligible.has(instanceId)) return;
    if (job !== 'recon') {
      // A check that did not finish promises nothing about the next.
      if (!settled) this.#steady.delete(instanceId);
      const stored = had || job === 'recompute' ? await this.#grids.loadGrid(instanceId) : null;
      if (had && settled && stored?.version === had.grid) this.#bands.set(instanceId, had);
      // A recompute that moved the grid may have moved what a risk check reads.
      if (job === 'recompute' && (!had || stored?.version !== had.grid)) this.#regrid(instanceId, stored);
      return;
    }
    const state = await this.#grids.loadGrid(instanceId);
    // A pass that changed the grid may have changed what a risk check reads (holdings, counters).
    if (!settled) {
      this.#regrid(instanceId, state);
      if (!fixedPoint) return;
    }
    const config = this.#byId.get(instanceId);
    const quietBand = config ? strategyOf(config).simulation.quietBand : undefined;
    if (!config || !state || !quietBand) return;
    const leg = legsOf(config)[0]!;
    const price = this.#close.get(leg.symbol);
    if (!price || legsOf(config).some((l) => l.symbol !== leg.symbol)) return;
    const rules = await this.#ctx.rules.get(
      this.#ctx.exchanges(leg.account),
      leg.symbol,
      this.#ctx.clock.now(),
    );
    const band = quietBand(state, config, rules, price);
    if (band && insideBand(price, price, band))
      this.#bands.set(instanceId, {
        ...band,
        version: this.#market.version(),
        grid: state.version,
        symbol: leg.symbol,
      });
  }

  /**
   * Whether the job would change nothing: a recon pass inside its instance's band, or a risk check whose
   * last run promised the same while the account's equity stays where it is now.
   */
  skips(instanceId: string, job: JobName, at: number): boolean {
    if (this.#off) return false;
    if (job === 'risk') {
      const steady = this.#steady.get(instanceId);
      if (!steady || steady.version !== this.#market.version()) return false;
      const equity = this.#market.equity(steady.account, steady.asset);
      if (!steady.holds(equity)) return false;
      this.skippedChecks += 1;
      return true;
    }
    if (job !== 'recon') return false;
    const band = this.#band(instanceId);
    if (!band || at >= band.until) return false;
    // The exchange side too: what a pass reads of the account (its liquidation price, above all) holds only
    // inside the exchange's quiet range.
    const range = this.#range(band.symbol);
    const close = this.#close.get(band.symbol);
    if (!range || !close || at >= range.until || !insideBand(close, close, range)) return false;
    this.skippedPasses += 1;
    return true;
  }

  /**
   * Applies `steps[i]` as a quiet candle when it, and the candle after it on its symbol, lie inside every
   * band and the exchange's range, and no job on the symbol runs for real before the candle after that.
   * False: the caller applies it in full.
   */
  tryQuiet(steps: readonly Step[], i: number, jobs: JobPeek): boolean {
    const step = steps[i]!;
    const q = step.quiet;
    if (this.#off || !q) return false;
    const range = this.#range(q.symbol);
    if (!range || !this.#covers(q, step.at, range)) return false;
    // The next two candles of the symbol: the first must be quiet too; no real job before the second.
    let next: Step | undefined;
    let after: Step | undefined;
    for (let k = i + 1; k < steps.length && !after; k++) {
      const s = steps[k]!;
      if (s.quiet?.symbol !== q.symbol) {
        if (!s.quiet) return false; // a trade tick or an opening: not a candle replay
        continue;
      }
      if (!next) next = s;
      else after = s;
    }
    if (!next?.quiet || !after || !this.#covers(next.quiet, next.at, range)) return false;
    for (const c of this.#bySymbol.get(q.symbol)!) {
      // A pass that runs for real, or a risk check that may hand over a flatten, reads what the market
      // published: the candles before it are published.
      if (this.#band(c.id)!.until <= after.at) return false;
      if (this.#flattensOnRisk.has(c.id) && jobs.nextOf(c.id, 'risk') < after.at) return false;
    }
    if (!q.applyQuiet(range)) return false;
    this.#close.set(q.symbol, q.close);
    this.quietCandles += 1;
    return true;
  }

  #covers(q: QuietCandle, at: number, range: QuietBand): boolean {
    if (at >= range.until || !insideBand(q.low, q.high, range)) return false;
    // A pass sees the price the candle closed at; the exchange saw every price of the candle.
    for (const c of this.#bySymbol.get(q.symbol) ?? []) {
      const band = this.#band(c.id);
      if (!band || at >= band.until || !insideBand(q.close, q.close, band)) return false;
    }
    return true;
  }

  /** The grid changed: a steady risk check's promise holds only if the check says so of the new grid. */
  #regrid(instanceId: string, grid: GridState | null): void {
    const steady = this.#steady.get(instanceId);
    if (steady && (!grid || !steady.holdsFor(grid))) this.#steady.delete(instanceId);
  }

  /** The instance's band while the exchange is as it was when the band was taken. */
  #band(instanceId: string): (QuietBand & { readonly symbol: string }) | undefined {
    const band = this.#bands.get(instanceId);
    if (!band) return undefined;
    if (band.version === this.#market.version()) return band;
    this.#bands.delete(instanceId);
    return undefined;
  }

  #range(symbol: string): QuietBand | null {
    const version = this.#market.version();
    const cached = this.#ranges.get(symbol);
    if (cached && cached.version === version) return cached.range;
    const range = this.#market.range(symbol);
    this.#ranges.set(symbol, { version, range });
    return range;
  }
}
