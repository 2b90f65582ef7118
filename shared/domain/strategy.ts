/**
 * The strategy seam (issue 14): what every strategy module provides to the shared machinery, so the
 * pipeline, the stream worker, the simulator and the CDK app work on any strategy without naming one.
 * Registered by the config's `strategy` name in `strategies.ts`.
 *
 * Provided today: the legs an instance trades, the market channels and scheduled jobs it needs, its state
 * codec and its invariants. Still to come (issue 14): decisions per event, recon over all legs, operator
 * commands, and the projection for status, metrics and the report.
 */
import type { PositionSide } from './orders.js';
import type { SymbolRules } from './symbol-rules.js';

/** One position an instance trades: an account, a symbol and a position side, under a role name. */
export interface Leg {
  readonly role: string;
  readonly account: string;
  readonly symbol: string;
  readonly positionSide: PositionSide;
}

export type StrategyMarketChannel = 'bookTop' | 'trades' | 'markPrice' | 'candles1m';
export type StrategyJob = 'recon' | 'recompute' | 'risk';

export interface StrategyModule<Config, State> {
  /** The config's `strategy` value. */
  readonly name: string;
  legs(config: Config): readonly Leg[];
  /** Market data its decisions use (the stream worker subscribes to these for each leg's symbol). */
  readonly marketChannels: readonly StrategyMarketChannel[];
  /** The scheduled jobs its instances run (the CDK app schedules these, the simulator runs them). */
  readonly jobs: readonly StrategyJob[];
  parseState(json: unknown, where?: string): State;
  stateToJson(state: State): unknown;
  /** Every broken invariant of a stored state, as one message each (empty: healthy). */
  invariants(state: State, config: Config, rules: SymbolRules): string[];
}
