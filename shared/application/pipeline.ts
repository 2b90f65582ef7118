/**
 * The decision pipeline: what every track does once a decision is saved (ARCHITECTURE.md "State and
 * concurrency"). The event track (`handleFill`), recon (its normal pass and its protection pass while
 * backing off), rebuilds and operator commands all end here, so the rules below hold for each of them:
 *
 *   decide → save (conditional on version, the caller's `decideAndSave`) → pre-trade step → carry out on
 *   the exchange → settle outcomes (and their follow-ups) → journal fills, then orders → alerts.
 *
 * Entry points: `carryOutDecision(ctx, config, decided, commands, options)`, and `decideOnSnapshot` for
 * operator decisions made on a fresh read of every leg (rebuild, flatten). The pipeline knows no strategy:
 * it reaches the instance's through the registry (outcomes, ledger, level prices), and sends each command
 * to the exchange of its leg's account.
 * Invariants:
 *  1. Nothing is sent that the store does not already hold (the caller saved `decided` first).
 *  2. Every outcome is folded into the freshest stored state (`settleOutcomes`), follow-ups included.
 *  3. Fill journal lines ride in the saved state and are written here in one journal write with the order
 *     events, then dropped from the state (the event track leaves that to recon), then alerts, each alert
 *     stating the position.
 *  4. The pre-trade step sees every order command before it leaves (today it passes them through; the
 *     guard-rails issue puts pre-trade checks and budgets there).
 */
import type { Command, Decision } from '../domain/commands.js';
import { strategyOf } from '../domain/strategies/index.js';
import type { InstanceConfigBase, InstanceEnvelope, LegSnapshot } from '../domain/strategy.js';
import type { TradingEvent } from '../ports/events.js';
import type { AppContext } from './context.js';
import { decideAndSave } from './decide-and-save.js';
import { GridConflictError } from './errors.js';
import { carryOut, type Executed, orderEvents, publishAlerts, settleOutcomes } from './execute.js';
import { dropJournaled, fillEvent } from './journal-fills.js';
import { gatherSnapshots } from './market.js';

export interface PipelineOptions {
  /** Events to journal before the order events (e.g. stops recon found live), made when they are written. */
  readonly leadingEvents?: () => readonly TradingEvent[];
  /** The level price of a level index for order events (default: the strategy's, on the decided state). */
  readonly levelPrice?: (level: number | null) => string | undefined;
  /**
   * Which unjournaled fills to write. By default all the state lists (this decision's and any a crash
   * left), then dropped from the state with a write of its own. The event track passes its fill's trade
   * id: only that line is written and nothing is dropped here (no third write on the fill path); the
   * worker drops it in its next decision's write (`FillContext.journaled`), and recon drops what is left.
   */
  readonly journalOnly?: readonly string[];
}

export interface PipelineResult<S extends InstanceEnvelope> {
  /** The state stored after settling and journaling. */
  readonly state: S;
  /** The decision's commands as carried out, then the follow-ups. */
  readonly executed: readonly Executed[];
  readonly followUps: readonly Executed[];
  readonly rateLimited: boolean;
  /** When the first order left (clock ms), for fill-to-order latency. */
  readonly firstSentAt: number | null;
  /** Trade ids whose journal lines this call wrote (still listed in `state` when `journalOnly` was given). */
  readonly journaled: readonly string[];
}

/** The pre-trade step: every order command passes here before it is sent. */
function preTrade(commands: readonly Command[]): readonly Command[] {
  return commands;
}

export async function carryOutDecision<S extends InstanceEnvelope>(
  ctx: AppContext,
  config: InstanceConfigBase,
  decided: S,
  commands: readonly Command[],
  options: PipelineOptions = {},
): Promise<PipelineResult<S>> {
  const exchangeFor = (account: string) => ctx.exchanges(account);
  const summary = await carryOut(ctx, exchangeFor, preTrade(commands));
  // Outcomes are folded into the state just saved, without reading it back (a lost race re-reads).
  const settled = await settleOutcomes(ctx, config, summary.executed, exchangeFor, decided);
  const folded = settled.state ?? decided;
  const strategy = strategyOf(config);
  const levelPrice = options.levelPrice ?? ((i: number | null) => strategy.levelPrice(decided, i));
  // One journal write: the fills the state lists as unjournaled (this decision's and any a crash left),
  // then what was found, then the orders.
  const only = options.journalOnly ? new Set(options.journalOnly) : null;
  const fills = only ? folded.unjournaled.filter((f) => only.has(f.tradeId)) : folded.unjournaled;
  let state = folded;
  let journaled: string[] = [];
  try {
    await ctx.events.record([
      ...fills.map((f) => fillEvent(folded.instanceId, f)),
      ...(options.leadingEvents?.() ?? []),
      ...orderEvents([...summary.executed, ...settled.followUps], folded, levelPrice),
    ]);
    journaled = fills.map((f) => f.tradeId);
    if (!only && journaled.length > 0) state = await dropJournaled(ctx, folded, journaled);
  } finally {
    // Alerts go out even when the journal write failed: their conditions are already saved as raised.
    await publishAlerts(ctx, [...summary.alerts, ...settled.alerts], state);
  }
  return {
    state,
    journaled,
    executed: summary.executed,
    followUps: settled.followUps,
    rateLimited: summary.rateLimited || settled.rateLimited,
    firstSentAt: summary.firstSentAt,
  };
}

/** How often a decision on a fresh snapshot is tried again after losing its write to the other track. */
const SNAPSHOT_ATTEMPTS = 4;

/**
 * Decides on a fresh read of the exchange and carries the decision out. The snapshot belongs to the state
 * it was read for, so a write lost to the other track is not retried on the same snapshot (an old
 * position applied to a newer ledger invents a fill; an order placed since is missed): the state is read
 * again, then the exchange, a bounded number of times. Null when the instance has no state.
 */
export async function decideOnSnapshot<S extends InstanceEnvelope>(
  ctx: AppContext,
  config: InstanceConfigBase,
  base: S,
  plan: (state: S, snapshots: readonly LegSnapshot[], now: number) => Decision<S>,
  options: PipelineOptions = {},
): Promise<PipelineResult<S> | null> {
  let current = base;
  for (let attempt = 1; ; attempt++) {
    const now = ctx.clock.now();
    const snapshot = await gatherSnapshots(ctx, config, current, now);
    const saved = await decideAndSave<Decision<S> | null, S>(
      ctx,
      config.id,
      (cur) => {
        if (!cur) return { next: null, result: null };
        const d = plan(cur, snapshot, now);
        return { next: d.state, result: d };
      },
      { current, maxAttempts: 1 },
    );
    if (saved.ok && saved.state && saved.result)
      return carryOutDecision(ctx, config, saved.state, saved.result.commands, options);
    if (attempt >= SNAPSHOT_ATTEMPTS) throw new GridConflictError(config.id, attempt);
    const reread = (await ctx.store.loadGrid(config.id)) as S | null;
    if (!reread) return null;
    current = reread;
  }
}
