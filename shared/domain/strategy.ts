/**
 * The strategy seam (issue 14): what every strategy module provides to the shared machinery, so the
 * decision pipeline, recon, operator commands, the stream worker, the simulator and the CDK app work on
 * any strategy without naming one. Registered by the config's `strategy` name in `strategies/index.ts`.
 *
 * A module is pure (domain): it says which legs an instance trades, what market data and scheduled jobs it
 * needs, how its state is read and written, and decides — on a fill, on a recon snapshot of all its legs,
 * on a protection snapshot, on a command's outcome, on an operator's flatten — returning the next state and
 * the commands to carry out. The shell (`shared/application`) does all I/O around those decisions, the same
 * way for every strategy. What a strategy needs beyond that (the Key Level Grid's level recompute, its
 * cold start from PARAMS) lives in its application runtime (`shared/application/strategies/<name>`).
 *
 * Every state carries the `InstanceEnvelope` fields the shell reads (version, pause, alerts, backoff, fills
 * not yet journaled); the rest of the state is the strategy's own.
 */
import type { z } from 'zod';
import type { CommandOutcome, Decision, OrderCommand } from './commands.js';
import type { InstanceGuards } from './guards/instance-guards.js';
import type { MarginPolicy } from './guards/margin.js';
import type { Tape } from './market-tape.js';
import { compareDec, type Decimal } from './money.js';
import type { ExchangeOrder, Fill, FillCursor, Position, PositionSide } from './orders.js';
import type { OrderSlot, UnjournaledFill } from './stored-instance.js';
import type { SymbolRules } from './symbol-rules.js';

/** One position an instance trades: an account, a symbol and a position side, under a role name. */
export interface Leg {
  readonly role: string;
  readonly account: string;
  readonly symbol: string;
  readonly positionSide: PositionSide;
}

export type StrategyMarketChannel = 'bookTop' | 'trades' | 'markPrice' | 'candles1m';
/** Scheduled jobs: recon is the shell's own; the others are the strategy runtime's. */
export type StrategyJob = 'recon' | 'recompute' | 'risk';

export type { UnjournaledFill };

/** The fields of every strategy's state that the shell reads and writes. */
export interface InstanceEnvelope {
  readonly strategy: string;
  readonly instanceId: string;
  /** Optimistic-concurrency version: the store's conditional writes compare it. */
  readonly version: number;
  readonly paused: boolean;
  readonly pauseReason: string | null;
  /** Alert codes currently raised, so a persisting condition alerts once. */
  readonly activeAlerts: readonly string[];
  /** Applied fills whose journal line may not be written yet, oldest first (bounded). */
  readonly unjournaled: readonly UnjournaledFill[];
  /** After the exchange rate-limited a recon pass, scheduled passes before this time only protect. */
  readonly reconBackoffUntil: number | null;
  /** The last price a decision saw (alerts state the position's value with it). */
  readonly lastPrice: Decimal | null;
  readonly updatedAt: number;
}

/** The config fields the shell reads; the rest is the strategy's own schema. */
export interface InstanceConfigBase {
  readonly id: string;
  readonly strategy: string;
  readonly enabled: boolean;
  readonly recon_interval_sec: number;
  /** The instance's own pre-trade limits (`instanceGuardsSchema`; a strategy's schema includes it). */
  readonly guards?: InstanceGuards | undefined;
}

/** What a decision knows of one leg's market. */
export interface LegMarket {
  /** Current price (last trade or book), what polarity and placement rules use. */
  readonly price: Decimal;
  /** The mark price, when known (what stops trigger on). */
  readonly markPrice?: Decimal | undefined;
  readonly rules: SymbolRules;
  /** The venue can amend a live limit order. */
  readonly supportsAmend: boolean;
}

/**
 * Market data a strategy asked for (`marketChannels`), as one of its legs sees it; or, for a strategy that
 * asked to be woken (`wakeEveryMs`), the `timer` channel: no new data, time passed (an order's TTL runs out
 * on a silent market too).
 */
export interface LegMarketEvent extends LegMarket {
  readonly channel: StrategyMarketChannel | 'timer';
  /** Everything the worker has received of the symbol's market (book top, trades, mark), stamped on arrival. */
  readonly tape: Tape;
  /**
   * The run of the process delivering it (`RUN_ID_PATTERN`, new at every start): orders placed on market
   * data carry it in their client id, so a shutdown cancels only its own run's.
   */
  readonly run: string;
  /** The book top, on a `bookTop` event. */
  readonly bid?: Decimal | undefined;
  readonly ask?: Decimal | undefined;
  /** When the venue stamped it. */
  readonly time: number;
}

/** What the protection pass read for one leg: prices, open orders (ours and foreign), the position. */
export interface LegProtectionSnapshot extends LegMarket {
  readonly leg: Leg;
  readonly openOrders: readonly ExchangeOrder[];
  readonly position: Position | null;
  /**
   * The leg's account could not be read on this pass (only for a strategy whose legs stand apart,
   * `StrategyModule.independentLegs`): every other field is empty and must not be judged.
   */
  readonly unreadable?: LegReadFailure | undefined;
}

/** What recon read for one leg (never from memory). */
export interface LegSnapshot extends LegProtectionSnapshot {
  /** Our trades on the leg after its fill cursor, oldest first. */
  readonly fills: readonly Fill[];
  /** Fates of the orders `ordersToLookUp` asked about (null: unknown to the exchange). */
  readonly orderLookups: Readonly<Record<string, ExchangeOrder | null>>;
  /** The leg account's wallet balance in the symbol's settlement asset. */
  readonly wallet: Decimal;
  /** Its equity: the wallet with unrealized PnL (what budgets are checked against). */
  readonly equity: Decimal;
  readonly at: number;
}

/** Why a leg could not be read: the exchange error's kind (`fatal`: credentials) and its message. */
export interface LegReadFailure {
  readonly kind: 'retryable' | 'rate_limited' | 'fatal' | 'unknown_outcome';
  readonly message: string;
}

/** Whose order a fill executed: this instance's (by the shared client-id grammar), or anyone else's. */
export type FillOrigin = 'own' | 'external';

/** An event-track decision; `applied` is false when the fill was a duplicate or not this instance's. */
export interface StrategyFillDecision<S> extends Decision<S> {
  readonly applied: boolean;
}

/** A stop recon found live whose placement it had not seen confirmed: journaled as placed. */
export interface FoundStop {
  readonly clientOrderId: string;
  readonly triggerPrice: Decimal;
  /** Null for a stop that closes whatever the position is. */
  readonly qty: Decimal | null;
  /** The leg it protects and the side it closes with, when the strategy says (a multi-leg one does). */
  readonly leg?: string | undefined;
  readonly side?: 'buy' | 'sell' | undefined;
}

export interface StrategyReconDecision<S> extends Decision<S> {
  /** Fills from trade history the event track had missed. */
  readonly fillsApplied: number;
  readonly stopsFound: readonly FoundStop[];
  /**
   * Legs whose ledger the strategy set to the exchange's position on this pass (a difference its trade
   * history did not explain): the shadow ledger says so (`guards/recon-guards.ts`).
   */
  readonly resynced?: readonly LegResync[];
  /**
   * Legs the strategy leaves alone on this pass (a pair skipped at start for a position that is not its
   * own, an account that could not be read): the shared recon checks do not judge them.
   */
  readonly unmanaged?: readonly string[];
}

export interface LegResync {
  readonly role: string;
  /** Signed coins the ledger held, and what the exchange holds. */
  readonly from: Decimal;
  readonly to: Decimal;
}

/** The ledger of an instance as journal lines and alerts state it. */
export interface LedgerView {
  readonly holdings: Decimal;
  readonly avgEntry: Decimal;
  /** Realized PnL of the instance (quote currency, as the strategy books it): the capital allocator adds it to the budget. */
  readonly realizedPnl: Decimal;
  /**
   * What the ledger says each leg holds, by role: signed coins (short negative) and the entry price (zero
   * when the strategy keeps none). The shadow ledger compares it with the exchange's position per leg.
   */
  readonly legs: Readonly<Record<string, LegLedger>>;
}

export interface LegLedger {
  readonly qty: Decimal;
  readonly avgEntry: Decimal;
}

/** The strategy's own promises the simulator's event checks verify (besides those every strategy keeps). */
export interface StrategyEventChecks {
  /** Sells never at or below the profit floor, nor beyond the sell quota (the Key Level Grid's). */
  readonly sellGuard?: {
    readonly minProfitPct: Decimal;
    readonly sellQuotaRatio: Decimal;
    /** One grid unit in coins; null when the grid is sized in quote currency (see `sim/event-checks.ts`). */
    readonly baseAmountPerGrid: Decimal | null;
  };
  /**
   * A hedge of grids on several legs (the ATR hedge grid): each leg's role and position side, so the checks
   * can hold every leg to its take-profits and the pair to its imbalance allowance (`sim/hedge-checks.ts`).
   */
  readonly hedge?: {
    readonly legs: Readonly<Record<string, 'LONG' | 'SHORT'>>;
  };
}

/** What the CDK app's alarms and dashboard read of an instance (the rest comes from its legs and jobs). */
export interface StrategyMonitoring {
  /** The risk job's breach alarm and what the instance does on a breach; null: no risk job. */
  readonly riskBreach: { readonly onBreach: 'alert' | 'pause' | 'flatten' } | null;
  /** How stale the stream heartbeat of a leg's account may grow before a human is told (s). */
  readonly heartbeatMaxAgeSec: number;
}

/** A position the simulator opened by hand when the bot started (`simulation.positions`). */
export interface SimOpening {
  readonly account: string;
  readonly symbol: string;
  readonly positionSide: 'LONG' | 'SHORT';
  readonly qty: Decimal;
  readonly at: number;
  /** Where one market order closing it at that moment would have gone: the bid (LONG) or the ask (SHORT). */
  readonly touch: Decimal;
  /** The taker fee rate that order would have paid. */
  readonly takerFee: Decimal;
}

/** What the simulator and its report read of a strategy. */
export interface StrategySimulation<Config, State> {
  /** Market history an instance needs before its first scheduled job (ms). */
  historyNeededMs(config: Config): number;
  /** A price to open a demo market at when the config gives none (null: none known). */
  openingPrice(config: Config, symbol: string): Decimal | null;
  /** Price lines the report draws (the grid's levels). */
  chartLevels(state: State): readonly Decimal[];
  eventChecks(config: Config): StrategyEventChecks;
  /** The strategy's own figures for the summary and report (the closer: its exits against the market). */
  report?(config: Config, state: State, openings: readonly SimOpening[]): Record<string, unknown>;
  /**
   * Replay speed (`application/sim/quiet-skip.ts`): given a state a recon pass at `price` just left
   * unchanged (no command, no fill, only its `reconVolatile` fields refreshed), the prices strictly
   * between which another pass on that state, with the exchange unchanged, would also change nothing, and
   * until when (ms). Null: no such promise (the simulator then runs every pass). Absent: never skipped.
   */
  quietBand?(state: State, config: Config, rules: SymbolRules, price: Decimal): QuietBand | null;
}

/** An open price interval (a null end is unbounded) and a time limit (`StrategySimulation.quietBand`). */
export interface QuietBand {
  readonly low: Decimal | null;
  readonly high: Decimal | null;
  readonly until: number;
}

/** Whether [lo, hi] lies strictly inside the open interval (low, high) (a null end is unbounded). */
export function insideBand(
  lo: Decimal,
  hi: Decimal,
  band: { readonly low: Decimal | null; readonly high: Decimal | null },
): boolean {
  return (
    (band.low === null || compareDec(lo, band.low) > 0) &&
    (band.high === null || compareDec(hi, band.high) < 0)
  );
}

/**
 * A strategy module. Methods (not arrow properties) so that a module typed on its own config and state is
 * usable wherever the shell holds the envelope types.
 */
export interface StrategyModule<Config extends InstanceConfigBase, State extends InstanceEnvelope> {
  /** The config's `strategy` value. */
  readonly name: string;
  /** Its instance config (the deployment config reads each instance by the schema its `strategy` names). */
  readonly configSchema: z.ZodType<Config>;
  legs(config: Config): readonly Leg[];
  /** Market data its decisions use (the stream worker subscribes to these for each leg's symbol). */
  readonly marketChannels: readonly StrategyMarketChannel[];
  /** The scheduled jobs its instances run (the CDK app schedules these, the simulator runs them). */
  readonly jobs: readonly StrategyJob[];
  /** How often an instance runs `job` (seconds; recon's 30 means twice a minute). */
  jobIntervalSec(config: Config, job: StrategyJob): number;
  parseState(json: unknown, where?: string): State;
  stateToJson(state: State): unknown;
  /** Every broken invariant of a stored state, as one message each (empty: healthy). */
  invariants(state: State, config: Config, rules: SymbolRules): string[];

  // --- the event track -----------------------------------------------------------------------------
  /**
   * A fill on `leg` (dedupe is the module's: the trade id rides in the state it returns). `origin` says
   * whether its client id is one of this instance's (`own`) or not (`external`: a hand trade, another
   * bot, a liquidation on the leg's position), as the shell decoded it with the shared id grammar.
   */
  onFill(
    state: State,
    fill: Fill,
    leg: Leg,
    config: Config,
    market: LegMarket,
    now: number,
    origin: FillOrigin,
  ): StrategyFillDecision<State>;
  /**
   * Market data on a leg's symbol, of a channel it asked for (the stream worker routes it, in order with
   * the instance's fills, coalesced to the latest while one is being decided). Null: nothing to do, and
   * nothing is written. Optional: a strategy that decides only on fills and recon (the Key Level Grid)
   * leaves it out and is never called.
   */
  onMarket?(
    state: State,
    leg: Leg,
    event: LegMarketEvent,
    config: Config,
    now: number,
  ): Decision<State> | null;
  /**
   * Its legs stand apart (pairs of accounts): a leg whose account cannot be read is handed to `planRecon`
   * as `unreadable` instead of failing the whole pass, so one bad account stops only its own pair.
   */
  readonly independentLegs?: boolean;
  /**
   * How often the stream worker wakes `onMarket` on the `timer` channel for each leg of an instance (ms);
   * absent: never (decisions on market data come only with market data).
   */
  readonly wakeEveryMs?: number;
  /** The outcome of a command it asked for (follow-ups and alerts in `commands`). */
  applyOutcome(
    state: State,
    command: OrderCommand,
    outcome: CommandOutcome,
    config: Config,
    now: number,
  ): Decision<State>;
  /** A protective close was refused as larger than the position: close `held` (what the exchange reports). */
  closeWhatIsHeld(state: State, held: Decimal, config: Config, now: number): Decision<State>;

  // --- recon ---------------------------------------------------------------------------------------
  /** Where the leg's trade history is read from (null: from the start). */
  fillCursor(state: State, leg: Leg): FillCursor | null;
  /** Client ids on `leg` whose fate recon must look up before deciding. */
  ordersToLookUp(
    state: State,
    leg: Leg,
    openOrders: readonly ExchangeOrder[],
    config: Config,
    now: number,
  ): string[];
  /** A full recon pass over every leg's snapshot (in `legs` order). */
  planRecon(
    state: State,
    snapshots: readonly LegSnapshot[],
    config: Config,
    now: number,
  ): StrategyReconDecision<State>;
  /** The protection pass while recon backs off: stops and protective closes only, never a cancel of a stop. */
  planProtection(
    state: State,
    snapshots: readonly LegProtectionSnapshot[],
    config: Config,
    now: number,
  ): Omit<StrategyReconDecision<State>, 'fillsApplied'>;

  // --- operator commands ---------------------------------------------------------------------------
  /**
   * Legs the instance leaves alone now (a pair skipped at start for a position that is not its own): a
   * flatten never hands them to the closer. Absent: none.
   */
  leavesAlone?(state: State): readonly string[];
  pause(state: State, reason: string, now: number): State;
  resume(state: State, now: number): State;
  /** Flatten, first step: pause opening and cancel every order of ours that is not protective. */
  planFlattenOrders(
    state: State,
    snapshots: readonly LegSnapshot[],
    config: Config,
    now: number,
  ): Decision<State>;
  /**
   * A strategy that works its positions down itself (the closer) takes a flatten into its own state (its
   * urgency, unpaused) instead of handing it to the worker; absent: the shell hands it over.
   */
  flattenInPlace?(state: State, urgency: 'normal' | 'emergency', now: number): State;
  /** Flatten, second step: close every position at market (protective ids; the stop stays until flat). */
  planFlattenPositions(
    state: State,
    snapshots: readonly LegSnapshot[],
    config: Config,
    now: number,
  ): Decision<State>;

  // --- projection ----------------------------------------------------------------------------------
  /** The ledger journal lines and alerts state (a multi-leg strategy states its net exposure). */
  ledger(state: State): LedgerView;
  /** The price of the level an order command names, for its journal line. */
  levelPrice(state: State, level: number | null): string | undefined;
  /** Orders of ours the state holds live (a recon metric). */
  openOrderCount(state: State): number;
  /** Every order the state holds live, as strategy-neutral slots (the pre-trade step's exposure). */
  orderSlots(state: State): readonly OrderSlot[];
  /**
   * The margin facts behind a leg, for the pre-trade step's margin check (`guards/margin.ts`): wallet,
   * venue leverage, where its stop would sit. Absent or null: the check does not judge the leg.
   */
  marginPolicy?(config: Config, state: State, leg: Leg, rules: SymbolRules): MarginPolicy | null;
  /**
   * Whether every holding is covered by an exchange-side stop of ours (false: the strategy keeps none,
   * e.g. a hedged pair). The shared protective-stop check (`guards/protective-stop.ts`) and the
   * simulator's coverage check hold it to that.
   */
  protectsHoldings(config: Config): boolean;
  /** A readable status for `gridbot status` and the admin function. */
  status(config: Config, state: State): Record<string, unknown>;
  /**
   * What every recon pass refreshes and no decision reads as stored (dotted paths of the state, `*` for
   * every element of an array: its time, the price it saw, what it derives from that price again on every
   * pass). A pass that changes nothing else and sends nothing is not written (`quiet-pass.ts`). Absent:
   * every pass is written.
   */
  readonly reconVolatile?: readonly string[];
  readonly simulation: StrategySimulation<Config, State>;
  monitoring(config: Config): StrategyMonitoring;
}

/** A new instance's envelope: version 0, running, nothing raised, backed off or waiting to be journaled. */
export function freshEnvelope<N extends string>(
  strategy: N,
  instanceId: string,
  now: number,
): InstanceEnvelope & { readonly strategy: N } {
  return {
    strategy,
    instanceId,
    version: 0,
    paused: false,
    pauseReason: null,
    activeAlerts: [],
    unjournaled: [],
    reconBackoffUntil: null,
    lastPrice: null,
    updatedAt: now,
  };
}

/** The state without the listed fills (their journal lines are written), or null when none was listed. */
export function markJournaled<S extends InstanceEnvelope>(state: S, tradeIds: readonly string[]): S | null {
  const done = new Set(tradeIds);
  const left = state.unjournaled.filter((f) => !done.has(f.tradeId));
  return left.length === state.unjournaled.length ? null : { ...state, unjournaled: left };
}
