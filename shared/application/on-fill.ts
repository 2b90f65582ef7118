/**
 * `handleFill`: the event track (SPEC §2) as the stream worker and the simulator run it. One fill in,
 * the engine's single-point answer out, within milliseconds: dedupe (the trade id rides in the same
 * conditional write that applies the fill), `onFill`, send the follow-up, fold its outcome, journal.
 * No retry on failure: the level goes IDLE and recon repairs it.
 *
 * Latency recorded: fill received (the stream event's `receivedAt`) → first order sent.
 */

import { decodeClientOrderId } from '../domain/client-order-id.js';
import { protectiveStopCheck } from '../domain/guards/protective-stop.js';
import { EXTERNAL_TRADE_ALERT, externalTradeAlert } from '../domain/guards/recon-guards.js';
import { type Decimal, ZERO } from '../domain/money.js';
import type { Fill } from '../domain/orders.js';
import { legFor, legsOf, strategyOf } from '../domain/strategies/index.js';
import {
  type InstanceConfigBase,
  type InstanceEnvelope,
  type Leg,
  markJournaled,
  type StrategyFillDecision,
} from '../domain/strategy.js';
import type { AppContext } from './context.js';
import { decideAndSave } from './decide-and-save.js';
import { GridConflictError } from './errors.js';
import { carryOutDecision } from './pipeline.js';

export interface FillReport<S extends InstanceEnvelope = InstanceEnvelope> {
  readonly instanceId: string;
  readonly duplicate: boolean;
  readonly commands: number;
  /** Fill received → first follow-up order sent (ms), when there was a follow-up. */
  readonly fillToOrderMs: number | null;
  readonly holdings: string | null;
  /** The state stored after the fill was handled (null when it was a duplicate or nothing is stored). */
  readonly state: S | null;
  /** Trade ids whose journal lines were written (the caller passes them back with the next fill). */
  readonly journaled: readonly string[];
}

export interface FillContext<S extends InstanceEnvelope = InstanceEnvelope> {
  /** When the stream delivered the fill (clock ms). */
  readonly receivedAt: number;
  /** The account whose stream delivered it (default: the first leg on the fill's symbol and side). */
  readonly account?: string | undefined;
  /** Latest known price (book or mark); the fill price when none is known. */
  readonly price?: Decimal | undefined;
  /** Latest fresh mark price: what a stop-trigger breach is judged by (the fill price when none). */
  readonly mark?: Decimal | undefined;
  /**
   * The instance's state as this process last saved it (a stateful caller: the stream worker). The
   * decision is made on it and saved conditionally on its version, without reading it first; if another
   * writer moved the state since, the save loses and the decision is made again on what is stored.
   */
  readonly current?: S | undefined;
  /** Trade ids whose journal lines are written: dropped from `unjournaled` in this decision's write. */
  readonly journaled?: readonly string[] | undefined;
}

/** The leg a fill arrived on: by its account when known, else the first on its symbol and side. */
function legOf(config: InstanceConfigBase, fill: Fill, account: string | undefined): Leg {
  const legs = strategyOf(config).legs(config);
  const found = account
    ? legFor(config, account, fill.symbol, fill.positionSide)
    : legs.find((l) => legFor(config, l.account, fill.symbol, fill.positionSide) === l);
  // A fill of another market is the module's to refuse (it is counted as not applied).
  return found ?? legs[0]!;
}

/**
 * A trade not made by the bot (by hand, another bot) that the strategy applied: `external_trade` once per
 * burst (recon lets the next burst alert again), for every strategy (`guards/recon-guards.ts`).
 */
function withExternalTradeAlert<S extends InstanceEnvelope>(
  instanceId: string,
  leg: Leg,
  fill: Fill,
  d: StrategyFillDecision<S>,
): StrategyFillDecision<S> {
  if (fill.liquidation || d.state.activeAlerts.includes(EXTERNAL_TRADE_ALERT)) return d;
  return {
    ...d,
    state: { ...d.state, activeAlerts: [...d.state.activeAlerts, EXTERNAL_TRADE_ALERT] },
    commands: [...d.commands, externalTradeAlert(instanceId, leg, [fill])],
  };
}

/** The shared protective-stop check after a fill decision (`guards/protective-stop.ts`). */
function withStopCheck<S extends InstanceEnvelope>(
  config: InstanceConfigBase,
  d: StrategyFillDecision<S>,
): StrategyFillDecision<S> {
  const strategy = strategyOf(config);
  if (!strategy.protectsHoldings(config)) return d;
  const legs = strategy.ledger(d.state).legs;
  const r = protectiveStopCheck({
    instanceId: config.id,
    holdings: legsOf(config).map((leg) => ({ leg, held: legs[leg.role]?.qty ?? ZERO })),
    slots: strategy.orderSlots(d.state),
    commands: d.commands,
    activeAlerts: d.state.activeAlerts,
  });
  if (r.alerts.length === 0) return d;
  return {
    ...d,
    state: { ...d.state, activeAlerts: r.activeAlerts },
    commands: [...d.commands, ...r.alerts],
  };
}

export async function handleFill<S extends InstanceEnvelope>(
  ctx: AppContext,
  config: InstanceConfigBase,
  fill: Fill,
  fx: FillContext<S>,
): Promise<FillReport<S>> {
  const strategy = strategyOf(config);
  const leg = legOf(config, fill, fx.account);
  // The shared id grammar says whose order this was; anything not ours is an external fill on the leg.
  const origin = decodeClientOrderId(fill.clientOrderId)?.instanceId === config.id ? 'own' : 'external';
  const exchange = ctx.exchanges(leg.account);
  const now = ctx.clock.now();
  const rules = await ctx.rules.get(exchange, leg.symbol, now);
  const market = {
    price: fx.price ?? fill.price,
    markPrice: fx.mark ?? fx.price ?? fill.price,
    rules,
    supportsAmend: exchange.supportsAmend,
  };
  const decide = (current: S | undefined) =>
    decideAndSave<StrategyFillDecision<S> | null, S>(
      ctx,
      config.id,
      (stored) => {
        if (!stored) return { next: null, result: null };
        const decided = strategy.onFill(
          stored,
          fill,
          leg,
          config,
          market,
          now,
          origin,
        ) as StrategyFillDecision<S>;
        if (!decided.applied) return { next: null, result: decided };
        const told = origin === 'external' ? withExternalTradeAlert(config.id, leg, fill, decided) : decided;
        const d = withStopCheck(config, told);
        const lighter = fx.journaled?.length ? markJournaled(d.state, fx.journaled) : null;
        return { next: lighter ?? d.state, result: d };
      },
      current ? { current } : {},
    );
  let saved = await decide(fx.current);
  // Not applied on the worker's cached state (nothing was written, so nothing said it was stale): the
  // store may know what the cache does not (recon opened what filled); decided once more on what it holds.
  if (saved.ok && fx.current && !saved.result?.applied) saved = await decide(undefined);
  if (!saved.ok) throw new GridConflictError(config.id, saved.attempts);
  const decision = saved.result;
  const dims = { instance: config.id };
  if (origin === 'external') {
    ctx.metrics.put('ExternalFills', 1, 'Count', dims);
    ctx.logger.info('external fill on a leg', {
      instance: config.id,
      leg: leg.role,
      tradeId: fill.tradeId,
      applied: decision?.applied === true,
    });
  }
  if (!decision?.applied || !saved.state) {
    if (origin === 'own') ctx.metrics.put('DuplicateFills', 1, 'Count', dims);
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
  const done = await carryOutDecision(ctx, config, saved.state, decision.commands, {
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
    holdings: strategy.ledger(finalState).holdings.toFixed(),
    state: finalState,
    journaled: done.journaled,
  };
}
