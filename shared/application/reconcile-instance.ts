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

import { ConfigError } from '../domain/config/format-error.js';
import type { KlgConfig } from '../domain/strategies/klg/config.js';
import {
  initialKlgState,
  type KlgState,
  type ProtectionSnapshot,
  pause,
  planProtection,
  planRecon,
  reverseReconcile,
  type StopState,
} from '../domain/strategies/klg/index.js';
import { venueConfigProblems } from '../domain/strategies/klg/venue-config.js';
import type { TradingEvent } from '../ports/events.js';
import { ExchangeError, type ExchangePort } from '../ports/exchange.js';
import type { AppContext } from './context.js';
import { backoffMs, decideAndSave } from './decide-and-save.js';
import { GridConflictError } from './errors.js';
import { publishAlerts } from './execute.js';
import { levelPricesInForce, loadKlgConfig } from './instance.js';
import { gatherProtectionSnapshot, gatherSnapshot } from './market.js';
import { carryOutDecision } from './pipeline.js';

/** Snapshots gathered at most per pass when other writers keep winning the race. */
const RECON_GATHER_ATTEMPTS = 4;

export interface ReconReport {
  readonly instanceId: string;
  readonly skipped: 'disabled' | 'backoff' | null;
  readonly coldStart: boolean;
  readonly commands: number;
  readonly fillsApplied: number;
  readonly rejected: number;
  readonly rateLimited: boolean;
  /** Seconds until the next pass that will act (twice the interval after rate limiting). */
  readonly nextIntervalSec: number;
  readonly holdings: string;
  readonly openOrders: number;
  readonly timings: {
    readonly totalMs: number;
    readonly exchangeMs: number;
    readonly storeMs: number;
    readonly engineMs: number;
  };
}

export interface ReconOptions {
  /** Run even while backing off (operator commands, stream resync). */
  readonly force?: boolean;
  /** The instance's config when the caller has just read it (saves a store read). */
  readonly config?: KlgConfig;
}

/** Stops recon found live whose placement it had not seen confirmed: journaled as placed, so the record shows the cover. */
function foundStopEvents(instanceId: string, stops: readonly StopState[], ts: number): TradingEvent[] {
  return stops.map((x) => ({
    ts,
    type: 'stop_placed' as const,
    instanceId,
    side: 'sell' as const,
    price: x.triggerPrice.toFixed(),
    ...(x.closePosition ? {} : { qty: x.coveredQty.toFixed() }),
    clientOrderId: x.clientOrderId,
    reason: 'found on the exchange (its placement outcome was unknown)',
  }));
}

export function levelPriceLookup(state: KlgState): (i: number | null) => string | undefined {
  return (i) => (i === null ? undefined : state.levels[i]?.price.toFixed());
}

async function coldStart(ctx: AppContext, exchange: ExchangePort, config: KlgConfig): Promise<KlgState> {
  const now = ctx.clock.now();
  const rules = await ctx.rules.get(exchange, config.symbol, now);
  const levels = await levelPricesInForce(ctx, config, rules);
  const fresh = initialKlgState(config.id, levels.prices, now, {
    paramsVersion: levels.paramsVersion,
    anchorPrice: levels.anchorPrice,
  });
  const snapshot = await gatherSnapshot(exchange, rules, config, fresh, now);
  // A config that cannot work on this venue and balance is refused before anything is laid out — unless
  // the account already holds a position: then it is adopted and protected, and the instance is paused
  // (no buys) with a critical alert naming what to fix.
  const problems = venueConfigProblems(config, rules, {
    levels: levels.prices,
    ...(snapshot.margin ? { wallet: snapshot.margin.wallet, leverage: snapshot.margin.leverage } : {}),
  });
  const holding = snapshot.position?.qty.greaterThan(0) === true;
  if (problems.length > 0 && !holding)
    throw new ConfigError(`invalid config: ${problems.join('; ')}`, problems);
  const reversed = reverseReconcile(fresh, snapshot, config, now);
  const d =
    problems.length === 0
      ? reversed
      : {
          state: pause(reversed.state, `invalid config: ${problems.join('; ')}`, now),
          commands: [
            ...reversed.commands,
            {
              kind: 'Alert' as const,
              instanceId: config.id,
              severity: 'critical' as const,
              code: 'config_invalid',
              message: `the config cannot work as written; the held position is protected and buys are paused: ${problems.join('; ')}`,
            },
          ],
        };
  const saved = await decideAndSave(ctx, config.id, (current) => ({
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
  exchange: ExchangePort,
  config: KlgConfig,
  state: KlgState,
): Promise<{ state: KlgState | null; commands: number }> {
  const now = ctx.clock.now();
  let snapshot: ProtectionSnapshot;
  try {
    const rules = await ctx.rules.get(exchange, config.symbol, now);
    snapshot = await gatherProtectionSnapshot(exchange, rules, config);
  } catch (e) {
    if (e instanceof ExchangeError && e.retryable) return { state: null, commands: 0 };
    throw e;
  }
  const saved = await decideAndSave(
    ctx,
    config.id,
    (stored) => {
      if (!stored) return { next: null, result: null };
      const d = planProtection(stored, snapshot, config, now);
      const changed = d.commands.length > 0 || d.stopsFound.length > 0;
      return { next: changed ? d.state : null, result: d };
    },
    // A lost write means the other track moved: its view is newer than this snapshot; the next pass decides.
    { current: state, maxAttempts: 1 },
  );
  if (!saved.ok) return { state: null, commands: 0 }; // the other track moved; the next pass decides
  if (!saved.result || !saved.saved || !saved.state) return { state: null, commands: 0 };
  const found = saved.result.stopsFound;
  const done = await carryOutDecision(ctx, config, exchange, saved.state, saved.result.commands, {
    leadingEvents: () => foundStopEvents(config.id, found, now),
  });
  return { state: done.state, commands: done.executed.length + done.followUps.length };
}

async function backOff(ctx: AppContext, config: KlgConfig, until: number): Promise<void> {
  await decideAndSave(ctx, config.id, (current) =>
    current ? { next: { ...current, reconBackoffUntil: until }, result: null } : { next: null, result: null },
  );
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
  const config = await timed('storeMs', () => loadKlgConfig(ctx, instanceId, opts.config));
  const interval = config.recon_interval_sec;
  const report = (over: Partial<ReconReport>, state: KlgState | null): ReconReport => ({
    instanceId,
    skipped: null,
    coldStart: false,
    commands: 0,
    fillsApplied: 0,
    rejected: 0,
    rateLimited: false,
    nextIntervalSec: interval,
    holdings: state?.holdings.toFixed() ?? '0',
    openOrders: state?.levels.filter((l) => l.order).length ?? 0,
    ...over,
    timings: { totalMs: ctx.clock.now() - started, ...t },
  });
  if (!config.enabled) return report({ skipped: 'disabled' }, null);

  const exchange = ctx.exchanges(config.account);
  let state = await timed('storeMs', () => ctx.store.loadGrid(instanceId));
  const backoffUntil = state?.reconBackoffUntil ?? null;
  if (!opts.force && backoffUntil !== null && started < backoffUntil && state) {
    // Backing off slows repairs, never protection: the stop is checked on every pass all the same.
    const protection = await timed('exchangeMs', () => protectWhileBackingOff(ctx, exchange, config, state!));
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
    let coldStarted = false;
    if (!state) {
      state = await timed('exchangeMs', () => coldStart(ctx, exchange, config));
      coldStarted = true;
    }
    // A lost write means another track moved the grid after our snapshot was read: deciding again on
    // that snapshot could adopt an order that has since filled. Re-gather instead (bounded).
    let decision: ReturnType<typeof planRecon> | null = null;
    let decided: KlgState | null = null;
    let current: KlgState = state;
    for (let attempt = 1; ; attempt++) {
      const now = ctx.clock.now();
      const rules = await timed('exchangeMs', () => ctx.rules.get(exchange, config.symbol, now));
      const base = current;
      const snapshot = await timed('exchangeMs', () => gatherSnapshot(exchange, rules, config, base, now));
      const saved = await timed('storeMs', () =>
        decideAndSave(
          ctx,
          instanceId,
          (stored) => {
            if (!stored) return { next: null, result: null };
            const a = performance.now();
            const d = planRecon(stored, snapshot, config, now);
            t.engineMs += performance.now() - a;
            return { next: { ...d.state, reconBackoffUntil: null }, result: d };
          },
          { current: base, maxAttempts: 1 },
        ),
      );
      if (saved.ok) {
        decision = saved.result;
        decided = saved.state;
        break;
      }
      if (attempt >= RECON_GATHER_ATTEMPTS) throw new GridConflictError(instanceId, attempt);
      await ctx.clock.sleep(backoffMs(ctx.random, attempt, 10, 500));
      const reread = await timed('storeMs', () => ctx.store.loadGrid(instanceId));
      if (!reread) return report({ coldStart: coldStarted }, state);
      current = reread;
    }
    if (!decision || !decided) return report({ coldStart: coldStarted }, state);

    const done = await timed('exchangeMs', () =>
      carryOutDecision(ctx, config, exchange, decided, decision.commands, {
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
        fillsApplied: decision.applied.length,
        rejected: done.executed.filter((x) => x.outcome.kind === 'rejected').length,
        rateLimited,
        nextIntervalSec: rateLimited ? 2 * interval : interval,
      },
      finalState,
    );
    emitReconMetrics(ctx, out);
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

function emitReconMetrics(ctx: AppContext, r: ReconReport): void {
  const dims = { instance: r.instanceId };
  ctx.metrics.put('ReconDurationMs', r.timings.totalMs, 'Milliseconds', dims);
  ctx.metrics.put('OpenOrders', r.openOrders, 'Count', dims);
  ctx.metrics.put('Holdings', Number(r.holdings), 'None', dims);
  if (r.fillsApplied > 0) ctx.metrics.put('FillsRecovered', r.fillsApplied, 'Count', dims);
}
