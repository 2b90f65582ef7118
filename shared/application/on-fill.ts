/**
 * `handleFill`: the event track (SPEC §2) as the stream worker and the simulator run it. One fill in,
 * the engine's single-point answer out, within milliseconds: dedupe (the trade id rides in the same
 * conditional write that applies the fill), `onFill`, send the follow-up, fold its outcome, journal.
 * No retry on failure: the level goes IDLE and recon repairs it.
 *
 * Latency recorded: fill received (the stream event's `receivedAt`) → first order sent.
 */

import type { Decimal } from '../domain/money.js';
import type { Fill } from '../domain/orders.js';
import type { KlgConfig } from '../domain/strategies/klg/config.js';
import { type FillDecision, type KlgState, markJournaled, onFill } from '../domain/strategies/klg/index.js';
import type { AppContext } from './context.js';
import { decideAndSave } from './decide-and-save.js';
import { GridConflictError } from './errors.js';
import { carryOutDecision } from './pipeline.js';

export interface FillReport {
  readonly instanceId: string;
  readonly duplicate: boolean;
  readonly commands: number;
  /** Fill received → first follow-up order sent (ms), when there was a follow-up. */
  readonly fillToOrderMs: number | null;
  readonly holdings: string | null;
  /** The state stored after the fill was handled (null when it was a duplicate or nothing is stored). */
  readonly state: KlgState | null;
  /** Trade ids whose journal lines were written (the caller passes them back with the next fill). */
  readonly journaled: readonly string[];
}

export interface FillContext {
  /** When the stream delivered the fill (clock ms). */
  readonly receivedAt: number;
  /** Latest known price (book or mark); the fill price when none is known. */
  readonly price?: Decimal | undefined;
  /** Latest fresh mark price: what a stop-trigger breach is judged by (the fill price when none). */
  readonly mark?: Decimal | undefined;
  /**
   * The instance's state as this process last saved it (a stateful caller: the stream worker). The
   * decision is made on it and saved conditionally on its version, without reading it first; if another
   * writer moved the state since, the save loses and the decision is made again on what is stored.
   */
  readonly current?: KlgState | undefined;
  /** Trade ids whose journal lines are written: dropped from `unjournaled` in this decision's write. */
  readonly journaled?: readonly string[] | undefined;
}

export async function handleFill(
  ctx: AppContext,
  config: KlgConfig,
  fill: Fill,
  fx: FillContext,
): Promise<FillReport> {
  const exchange = ctx.exchanges(config.account);
  const now = ctx.clock.now();
  const rules = await ctx.rules.get(exchange, config.symbol, now);
  const market = {
    price: fx.price ?? fill.price,
    markPrice: fx.mark ?? fx.price ?? fill.price,
    rules,
    supportsAmend: exchange.supportsAmend,
  };
  const saved = await decideAndSave(
    ctx,
    config.id,
    (stored) => {
      if (!stored) return { next: null, result: null as FillDecision | null };
      const d = onFill(stored, fill, config, market, now);
      if (!d.applied) return { next: null, result: d };
      const lighter = fx.journaled?.length ? markJournaled(d.state, fx.journaled) : null;
      return { next: lighter ?? d.state, result: d };
    },
    fx.current ? { current: fx.current } : {},
  );
  if (!saved.ok) throw new GridConflictError(config.id, saved.attempts);
  const decision = saved.result;
  const dims = { instance: config.id };
  if (!decision?.applied || !saved.state) {
    ctx.metrics.put('DuplicateFills', 1, 'Count', dims);
    return {
      instanceId: config.id,
      duplicate: true,
      commands: 0,
      fillToOrderMs: null,
      holdings: null,
      state: saved.state,
      journaled: [],
    };
  }
  // Only this fill's journal line is written here; recon drops it from the state later (no third write).
  const done = await carryOutDecision(ctx, config, exchange, saved.state, decision.commands, {
    journalOnly: [fill.tradeId],
  });
  const latency = done.firstSentAt === null ? null : done.firstSentAt - fx.receivedAt;
  const finalState = done.state;
  ctx.metrics.put('Fills', 1, 'Count', dims);
  if (latency !== null) ctx.metrics.put('FillToOrderMs', latency, 'Milliseconds', dims);
  return {
    instanceId: config.id,
    duplicate: false,
    commands: done.executed.length + done.followUps.length,
    fillToOrderMs: latency,
    holdings: finalState.holdings.toFixed(),
    state: finalState,
    journaled: done.journaled,
  };
}
