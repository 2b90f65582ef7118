/**
 * `reconcileInstance`: one recon pass for one instance (SPEC §2 recon track), as the recon Lambda, the
 * stream worker's resync and the simulator all run it.
 *
 * Steps: load config and grid (a missing grid is a cold start: levels in force + reverse reconciliation);
 * skip while backing off after rate limiting; gather the snapshot from the exchange; `planRecon` and save
 * conditionally on the version read (re-decide on conflict); send the commands; fold their outcomes into
 * the stored state; journal events, metrics and alerts.
 *
 * Rate limiting doubles the interval: the pass stops, records `reconBackoffUntil = now + 2 × interval`, and
 * scheduled passes before that time only protect (`planProtection`: three reads, stop commands only), so
 * the event track keeps priority on the API weight and the position is never left without its stop.
 */

import type { InstanceConfig } from '../domain/config/deployment.js';
import { protectiveStopCheck } from '../domain/guards/protective-stop.js';
import { reconGuards, type ShadowMemory } from '../domain/guards/recon-guards.js';
import { type Decimal, ZERO } from '../domain/money.js';
import { passOutcome } from '../domain/quiet-pass.js';
import { legsOf, strategyOf } from '../domain/strategies/index.js';
import type { FoundStop, InstanceEnvelope, LegSnapshot, StrategyReconDecision } from '../domain/strategy.js';
import type { TradingEvent } from '../ports/events.js';
import { ExchangeError } from '../ports/exchange.js';
import type { AppContext } from './context.js';
import { backoffMs, decideAndSave } from './decide-and-save.js';
import { GridConflictError } from './errors.js';
import { publishAlerts } from './execute.js';
import { flattenWatchdog } from './flatten.js';
import { exposureNotional, guardView } from './guard-rails.js';
import { loadConfig } from './instance.js';
import { gatherProtectionSnapshots, gatherSnapshots, settleAssetOf } from './market.js';
import { carryOutDecision, guardsFor } from './pipeline.js';
import { runtimeOf } from './strategies/index.js';
import type { ReconOptions, ReconReport } from './strategies/runtime.js';

export type { ReconOptions, ReconReport };

/** Snapshots gathered at most per pass when other writers keep winning the race. */
const RECON_GATHER_ATTEMPTS = 4;

/** Stops recon found live whose placement it had not seen confirmed: journaled as placed, so the record shows the cover. */
function foundStopEvents(instanceId: string, stops: readonly FoundStop[], ts: number): TradingEvent[] {
  return stops.map((x) => ({
    ts,
    type: 'stop_placed' as const,
    instanceId,
    side: x.side ?? ('sell' as const),
    ...(x.leg ? { leg: x.leg } : {}),
    price: x.triggerPrice.toFixed(),
    ...(x.qty === null ? {} : { qty: x.qty.toFixed() }),
    clientOrderId: x.clientOrderId,
    reason: 'found on the exchange (its placement outcome was unknown)',
  }));
}

/**
 * An instance recon finds without state: its strategy's runtime lays it out (the Key Level Grid adopts
 * what the account holds), saved only if still absent, with its alerts published.
 */
async function coldStart(ctx: AppContext, config: InstanceConfig): Promise<InstanceEnvelope> {
  const d = await runtimeOf(config).coldStart(ctx, config);
  const saved = await decideAndSave<null, InstanceEnvelope>(ctx, config.id, (current) => ({
    next: current ? null : d.state,
    result: null,
  }));
  if (!saved.ok || !saved.state) throw new GridConflictError(config.id, saved.ok ? 1 : saved.attempts);
  await publishAlerts(
    ctx,
    d.commands.filter((c) => c.kind === 'Alert'),
    saved.state,
  );
  return saved.state;
}

/**
 * The protection-only pass of a backed-off recon: three reads (price, open orders, position) and only
 * stop commands (or a protective close). A read that is rate limited again is left for the next pass.
 */
async function protectWhileBackingOff(
  ctx: AppContext,
  config: InstanceConfig,
  state: InstanceEnvelope,
): Promise<{ state: InstanceEnvelope | null; commands: number }> {
  const now = ctx.clock.now();
  const strategy = strategyOf(config);
  let snapshots: Awaited<ReturnType<typeof gatherProtectionSnapshots>>;
  try {
    snapshots = await gatherProtectionSnapshots(ctx, config, now);
  } catch (e) {
    if (e instanceof ExchangeError && e.retryable) return { state: null, commands: 0 };
    throw e;
  }
  const saved = await decideAndSave(
    ctx,
    config.id,
    (stored: InstanceEnvelope | null) => {
      if (!stored) return { next: null, result: null };
      const d = strategy.planProtection(stored, snapshots, config, now);
      const changed = d.commands.length > 0 || d.stopsFound.length > 0;
      return { next: changed ? d.state : null, result: d };
    },
    // A lost write means the other track moved: its view is newer than this snapshot; the next pass decides.
    { current: state, maxAttempts: 1 },
  );
  if (!saved.ok) return { state: null, commands: 0 }; // the other track moved; the next pass decides
  if (!saved.result || !saved.saved || !saved.state) return { state: null, commands: 0 };
  const found = saved.result.stopsFound;
  const done = await carryOutDecision(ctx, config, saved.state, saved.result.commands, {
    leadingEvents: () => foundStopEvents(config.id, found, now),
  });
  return { state: done.state, commands: done.executed.length + done.followUps.length };
}

async function backOff(ctx: AppContext, config: InstanceConfig, until: number): Promise<void> {
  await decideAndSave(ctx, config.id, (current: InstanceEnvelope | null) =>
    current ? { next: { ...current, reconBackoffUntil: until }, result: null } : { next: null, result: null },
  );
}

type GuardedDecision = StrategyReconDecision<InstanceEnvelope> & {
  readonly shadow?: ShadowMemory;
  /** Nothing to write or send (`quiet-pass.ts`). */
  readonly quiet?: boolean;
  /** Nothing decided: only the volatile fields changed (written or not). */
  readonly settled?: boolean;
  /** Changed, sent nothing, and deciding again on the result changes nothing (`ReconReport.fixedPoint`). */
  readonly fixedPoint?: boolean;
};

/** Signed coins the ledger holds per leg role. */
function legQuantities(config: InstanceConfig, state: InstanceEnvelope): Record<string, Decimal> {
  const legs = strategyOf(config).ledger(state).legs;
  return Object.fromEntries(Object.entries(legs).map(([role, l]) => [role, l.qty]));
}

/**
 * The strategy's recon decision with the account-level checks every strategy gets (`guards/recon-guards.ts`):
 * the shadow ledger, ghost-order cancels, budgets against equity. Their alerts and cancels join the
 * decision's commands; their conditions join its active alerts.
 */
function withReconGuards(
  ctx: AppContext,
  config: InstanceConfig,
  all: readonly LegSnapshot[],
  d: StrategyReconDecision<InstanceEnvelope>,
  previousShadow?: ShadowMemory,
): GuardedDecision {
  const guards = guardsFor(ctx);
  const strategy = strategyOf(config);
  // Legs the strategy left alone, or could not read, are not judged.
  const unmanaged = new Set(d.unmanaged ?? []);
  const snapshots = all.filter((x) => !x.unreadable && !unmanaged.has(x.leg.role));
  const g = reconGuards({
    instanceId: config.id,
    snapshots,
    resynced: d.resynced ?? [],
    ledgerAfter: legQuantities(config, d.state),
    slots: strategy.orderSlots(d.state),
    decided: d.commands,
    activeAlerts: d.state.activeAlerts,
    previous: previousShadow ?? guards.shadow.get(config.id) ?? {},
    budgetsOn: (a) => guards.budgetsOn(a),
  });
  // Every holding covered by a stop, for a strategy that protects its holdings (`guards/protective-stop.ts`).
  const after = legQuantities(config, d.state);
  const stop = strategy.protectsHoldings(config)
    ? protectiveStopCheck({
        instanceId: config.id,
        holdings: snapshots.map((s) => {
          const exchange = s.position?.qty ?? ZERO;
          return {
            leg: s.leg,
            held: exchange.isZero() ? (after[s.leg.role] ?? ZERO) : exchange,
            openOrders: s.openOrders,
          };
        }),
        slots: strategy.orderSlots(d.state),
        commands: [...d.commands, ...g.commands],
        activeAlerts: g.activeAlerts,
      })
    : { activeAlerts: g.activeAlerts, alerts: [] };
  const same =
    stop.activeAlerts.length === d.state.activeAlerts.length &&
    stop.activeAlerts.every((a) => d.state.activeAlerts.includes(a));
  return {
    ...d,
    state: same ? d.state : { ...d.state, activeAlerts: stop.activeAlerts },
    commands: [...d.commands, ...g.commands, ...stop.alerts],
    shadow: g.memory,
  };
}

export async function reconcileInstance(
  ctx: AppContext,
  instanceId: string,
  opts: ReconOptions = {},
): Promise<ReconReport> {
  const started = ctx.clock.now();
  const t = { exchangeMs: 0, storeMs: 0, engineMs: 0 };
  const timed = async <T>(bucket: keyof typeof t, fn: () => Promise<T>): Promise<T> => {
    const a = performance.now();
    try {
      return await fn();
    } finally {
      t[bucket] += performance.now() - a;
    }
  };
  const config = await timed('storeMs', () => loadConfig(ctx, instanceId, opts.config));
  const strategy = strategyOf(config);
  const interval = config.recon_interval_sec;
  const report = (over: Partial<ReconReport>, state: InstanceEnvelope | null): ReconReport => ({
    instanceId,
    skipped: null,
    coldStart: false,
    commands: 0,
    fillsApplied: 0,
    rejected: 0,
    rateLimited: false,
    quiet: false,
    settled: false,
    nextIntervalSec: interval,
    holdings: state ? strategy.ledger(state).holdings.toFixed() : '0',
    openOrders: state ? strategy.openOrderCount(state) : 0,
    ...over,
    timings: { totalMs: ctx.clock.now() - started, ...t },
  });
  if (!config.enabled) return report({ skipped: 'disabled' }, null);

  let state: InstanceEnvelope | null = await timed('storeMs', () => ctx.store.loadGrid(instanceId));
  const backoffUntil = state?.reconBackoffUntil ?? null;
  if (!opts.force && backoffUntil !== null && started < backoffUntil && state) {
    // Backing off slows repairs, never protection: the stop is checked on every pass all the same.
    const protection = await timed('exchangeMs', () => protectWhileBackingOff(ctx, config, state!));
    return report(
      {
        skipped: 'backoff',
        commands: protection.commands,
        nextIntervalSec: Math.ceil((backoffUntil - started) / 1000),
      },
      protection.state ?? state,
    );
  }

  try {
    // An overdue flatten handed to the worker is carried out here (at market), first. Its failure never
    // stops the pass (the stop is kept below all the same).
    if (state && !strategy.flattenInPlace) {
      try {
        if (await timed('exchangeMs', () => flattenWatchdog(ctx, config)))
          state = await timed('storeMs', () => ctx.store.loadGrid(instanceId));
      } catch (e) {
        ctx.logger.error('flatten watchdog failed; the next pass tries again', {
          instance: instanceId,
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
    let coldStarted = false;
    if (!state) {
      state = await timed('exchangeMs', () => coldStart(ctx, config));
      coldStarted = true;
    }
    // A lost write means another track moved the grid after our snapshot was read: deciding again on
    // that snapshot could adopt an order that has since filled. Re-gather instead (bounded).
    let decision: GuardedDecision | null = null;
    let decided: InstanceEnvelope | null = null;
    let current: InstanceEnvelope = state;
    let equity: Decimal | null = null;
    for (let attempt = 1; ; attempt++) {
      const now = ctx.clock.now();
      const base = current;
      const snapshots = await timed('exchangeMs', () => gatherSnapshots(ctx, config, base, now));
      const saved = await timed('storeMs', () =>
        decideAndSave<GuardedDecision | null, InstanceEnvelope>(
          ctx,
          instanceId,
          (stored) => {
            if (!stored) return { next: null, result: null };
            const a = performance.now();
            // One decision on `from` (the strategy's, with the account-level guards) and what it amounts to.
            const decide = (from: InstanceEnvelope, shadow?: ShadowMemory) => {
              const d = withReconGuards(
                ctx,
                config,
                snapshots,
                strategy.planRecon(from, snapshots, config, now),
                shadow,
              );
              const next = { ...d.state, reconBackoffUntil: null };
              const outcome = passOutcome({
                before: from,
                after: next,
                commands: d.commands.length,
                stopsFound: d.stopsFound.length,
                fillsApplied: d.fillsApplied,
                unjournaled: next.unjournaled.length,
                volatile: strategy.reconVolatile,
                now,
              });
              return { d, next, outcome };
            };
            const { d, next, outcome } = decide(stored);
            const settled = outcome !== 'changed';
            // A pass that only moved the grid (counters, a condition cleared quietly) and sent nothing: is the
            // result settled?
            // Decided again on the same snapshot and time, on what this pass writes (pure, no I/O).
            const fixedPoint =
              !settled &&
              d.commands.length === 0 &&
              d.stopsFound.length === 0 &&
              d.fillsApplied === 0 &&
              next.unjournaled.length === 0 &&
              decide(next, d.shadow).outcome !== 'changed';
            t.engineMs += performance.now() - a;
            // A quiet pass is not written; what follows works on the state it decided all the same.
            return outcome === 'quiet'
              ? { next: null, result: { ...d, state: next, quiet: true, settled } }
              : { next, result: { ...d, settled, fixedPoint } };
          },
          { current: base, maxAttempts: 1 },
        ),
      );
      if (saved.ok) {
        const read = snapshots.filter((x) => !x.unreadable);
        equity = accountEquity(read);
        for (const snap of read)
          guardsFor(ctx).book.setEquity(snap.leg.account, settleAssetOf(snap.leg.symbol), snap.equity);
        if (saved.result?.shadow) guardsFor(ctx).shadow.set(instanceId, saved.result.shadow);
        decision = saved.result;
        decided = saved.result?.quiet ? saved.result.state : saved.state;
        break;
      }
      if (attempt >= RECON_GATHER_ATTEMPTS) throw new GridConflictError(instanceId, attempt);
      await ctx.clock.sleep(backoffMs(ctx.random, attempt, 10, 500));
      const reread: InstanceEnvelope | null = await timed('storeMs', () => ctx.store.loadGrid(instanceId));
      if (!reread) return report({ coldStart: coldStarted }, state);
      current = reread;
    }
    if (!decision || !decided) return report({ coldStart: coldStarted }, state);

    const done = decision.quiet
      ? { state: decided, executed: [], followUps: [], rateLimited: false }
      : await timed('exchangeMs', () =>
          carryOutDecision(ctx, config, decided, decision.commands, {
            leadingEvents: () => foundStopEvents(instanceId, decision.stopsFound, ctx.clock.now()),
          }),
        );
    const finalState = done.state;
    const rateLimited = done.rateLimited;
    if (rateLimited)
      await timed('storeMs', () => backOff(ctx, config, ctx.clock.now() + 2 * interval * 1000));
    const out = report(
      {
        coldStart: coldStarted,
        commands: done.executed.length + done.followUps.length,
        fillsApplied: decision.fillsApplied,
        rejected: done.executed.filter((x) => x.outcome.kind === 'rejected').length,
        rateLimited,
        nextIntervalSec: rateLimited ? 2 * interval : interval,
        quiet: decision.quiet === true,
        settled: decision.settled === true,
        fixedPoint: decision.fixedPoint === true,
      },
      finalState,
    );
    emitReconMetrics(ctx, out);
    emitGuardMetrics(ctx, config, finalState, equity);
    const mine = exposureNotional(config, finalState);
    for (const leg of legsOf(config))
      guardsFor(ctx).book.setExposure(leg.account, config.id, mine, ctx.clock.now());
    return out;
  } catch (e) {
    if (e instanceof ExchangeError && e.kind === 'rate_limited') {
      await backOff(ctx, config, ctx.clock.now() + 2 * interval * 1000);
      ctx.metrics.put('RateLimited', 1, 'Count', { instance: instanceId });
      return report({ rateLimited: true, nextIntervalSec: 2 * interval }, state);
    }
    ctx.metrics.put('ReconFailures', 1, 'Count', { instance: instanceId });
    throw e;
  }
}

/** The equity of the accounts the legs trade on, each counted once. */
function accountEquity(snapshots: readonly LegSnapshot[]): Decimal | null {
  const seen = new Map<string, Decimal>();
  for (const s of snapshots) seen.set(s.leg.account, s.equity);
  return seen.size === 0 ? null : [...seen.values()].reduce((a, b) => a.plus(b));
}

/** Exposure, leverage and budget per instance, after each recon pass (the guard rails' dashboard figures). */
function emitGuardMetrics(
  ctx: AppContext,
  config: InstanceConfig,
  state: InstanceEnvelope,
  equity: Decimal | null,
): void {
  const v = guardView(config, state, equity);
  const dims = { instance: config.id };
  ctx.metrics.put('ExposureNotional', Number(v.exposureNotional), 'None', dims);
  if (v.leverage !== undefined) ctx.metrics.put('Leverage', Number(v.leverage), 'None', dims);
  if (v.budget) ctx.metrics.put('BudgetAvailable', Number(v.budget.available), 'None', dims);
}

function emitReconMetrics(ctx: AppContext, r: ReconReport): void {
  const dims = { instance: r.instanceId };
  ctx.metrics.put('ReconDurationMs', r.timings.totalMs, 'Milliseconds', dims);
  ctx.metrics.put('OpenOrders', r.openOrders, 'Count', dims);
  ctx.metrics.put('Holdings', Number(r.holdings), 'None', dims);
  if (r.fillsApplied > 0) ctx.metrics.put('FillsRecovered', r.fillsApplied, 'Count', dims);
}
