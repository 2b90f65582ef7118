/**
 * The decision pipeline: what every track does once a decision is saved (ARCHITECTURE.md "State and
 * concurrency"). The event track (`handleFill`), recon (its normal pass and its protection pass while
 * backing off), rebuilds and operator commands all end here, so the rules below hold for each of them:
 *
 *   decide → save (conditional on version, the caller's `decideAndSave`) → pre-trade step → carry out on
 *   the exchange → settle outcomes (and their follow-ups) → journal fills, then orders → alerts.
 *
 * Entry point: `carryOutDecision(ctx, config, exchange, decided, commands, options)`.
 * Invariants:
 *  1. Nothing is sent that the store does not already hold (the caller saved `decided` first).
 *  2. Every outcome is folded into the freshest stored state (`settleOutcomes`), follow-ups included.
 *  3. Fill journal lines ride in the saved state and are written here (`journalFills`), then order events,
 *     then alerts, each alert stating the position.
 *  4. The pre-trade step sees every order command before it leaves (today it passes them through; the
 *     guard-rails issue puts pre-trade checks and budgets there).
 */
import type { Command } from '../domain/commands.js';
import type { KlgConfig } from '../domain/config/klg-config.js';
import type { KlgState } from '../domain/klg/index.js';
import type { TradingEvent } from '../ports/events.js';
import type { ExchangePort } from '../ports/exchange.js';
import type { AppContext } from './context.js';
import { carryOut, type Executed, orderEvents, publishAlerts, settleOutcomes } from './execute.js';
import { journalFills } from './journal-fills.js';

export interface PipelineOptions {
  /** Events to journal before the order events (e.g. stops recon found live), made when they are written. */
  readonly leadingEvents?: () => readonly TradingEvent[];
  /** The level price of a level index for order events (default: the decided state's levels). */
  readonly levelPrice?: (level: number | null) => string | undefined;
}

export interface PipelineResult {
  /** The state stored after settling and journaling. */
  readonly state: KlgState;
  /** The decision's commands as carried out, then the follow-ups. */
  readonly executed: readonly Executed[];
  readonly followUps: readonly Executed[];
  readonly rateLimited: boolean;
  /** When the first order left (clock ms), for fill-to-order latency. */
  readonly firstSentAt: number | null;
}

/** The pre-trade step: every order command passes here before it is sent. */
function preTrade(commands: readonly Command[]): readonly Command[] {
  return commands;
}

export async function carryOutDecision(
  ctx: AppContext,
  config: KlgConfig,
  exchange: ExchangePort,
  decided: KlgState,
  commands: readonly Command[],
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  const summary = await carryOut(ctx, exchange, preTrade(commands));
  const settled = await settleOutcomes(ctx, config, summary.executed, exchange);
  const state = await journalFills(ctx, settled.state ?? decided);
  const levelPrice =
    options.levelPrice ??
    ((i: number | null) => (i === null ? undefined : decided.levels[i]?.price.toFixed()));
  await ctx.events.record([
    ...(options.leadingEvents?.() ?? []),
    ...orderEvents([...summary.executed, ...settled.followUps], state, levelPrice),
  ]);
  await publishAlerts(ctx, [...summary.alerts, ...settled.alerts], state);
  return {
    state,
    executed: summary.executed,
    followUps: settled.followUps,
    rateLimited: summary.rateLimited || settled.rateLimited,
    firstSentAt: summary.firstSentAt,
  };
}
