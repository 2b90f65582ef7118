/**
 * Flatten (SPEC §4, issue 16): an instance's positions worked down by the closer, with an urgency. The
 * operator's `close-all` calls `flattenInstance` (the one entry point later risk shutdowns and pair stops
 * are to call too); recon runs `flattenWatchdog` on every pass; `resume` ends a pending hand-over. The execution itself is the stream worker's (`flatten-runner.ts`): a Lambda cannot hold streams,
 * so what it can do alone is the fallback, a market close.
 */
import type { InstanceConfig } from '../domain/config/deployment.js';
import { legsOf, strategyOf } from '../domain/strategies/index.js';
import type { InstanceEnvelope } from '../domain/strategy.js';
import type { FlattenRequest } from '../ports/state-store.js';
import type { AppContext } from './context.js';
import { decideAndSave } from './decide-and-save.js';
import { InstanceNotFoundError } from './errors.js';
import { publishAlerts } from './execute.js';
import { endRequests, requestFlatten, workerHolds } from './hand-over.js';
import { loadConfig } from './instance.js';
import { decideOnSnapshot } from './pipeline.js';

/**
 * Flatten (`close-all`), carried out by the closer with an urgency (SPEC §4), in steps each
 * decided on a fresh read of every leg through the decision pipeline:
 *  1. pause and cancel our orders (the module's `planFlattenOrders`);
 *  2. hand the positions to the stream worker through the store (`FlattenRequest`, one per account): it
 *     works them down with the closer's engine, maker first (`normal`) or by panic tiers (`emergency`);
 *     the instance's stop stays on until flat.
 * A strategy that works its positions down itself (the closer) takes the urgency into its own state
 * (`flattenInPlace`). A Lambda cannot hold streams: when the worker's heartbeat is stale, the positions
 * are closed at market from here instead (`planFlattenPositions`, protective close ids), and that is said.
 */
export async function flattenInstance(
  ctx: AppContext,
  instanceId: string,
  urgency: 'normal' | 'emergency',
  reason: string | undefined,
) {
  const config = await loadConfig(ctx, instanceId);
  const strategy = strategyOf(config);
  const first: InstanceEnvelope | null = await ctx.store.loadGrid(instanceId);
  if (!first) return { cancelled: 0, closedQty: null, note: 'no grid state: nothing of ours to close' };
  const now = ctx.clock.now();
  // Legs the instance leaves alone (a position that is not its own) are never handed to the closer.
  const alone = new Set(strategy.leavesAlone?.(first) ?? []);
  const legs = legsOf(config).filter((l) => !alone.has(l.role));
  const accounts = [...new Set(legs.map((l) => l.account))];
  if (strategy.flattenInPlace) {
    // It works its positions down on the worker's market data: with no worker, at market from here.
    const down = await workerHolds(ctx, accounts);
    if (down !== null) return { cancelled: 0, ...(await closeAtMarket(ctx, config, first, down)) };
    const inPlace = strategy.flattenInPlace.bind(strategy);
    const saved = await decideAndSave<null, InstanceEnvelope>(ctx, instanceId, (cur) => ({
      next: cur ? inPlace(cur, urgency, now) : null,
      result: null,
    }));
    if (!saved.ok || !saved.state) throw new InstanceNotFoundError(instanceId);
    return { cancelled: 0, closedQty: null, workedBy: 'the instance itself', urgency };
  }
  const cancels = await decideOnSnapshot(ctx, config, first, (s, snaps, at) =>
    strategy.planFlattenOrders(s, snaps, config, at),
  );
  if (!cancels) throw new InstanceNotFoundError(instanceId);
  const cancelled = cancels.executed.filter((x) => x.outcome.kind === 'cancelled').length;
  const down = legs.some((l) => l.positionSide === 'BOTH')
    ? 'a one-way (BOTH) position is closed at market'
    : await workerHolds(ctx, accounts);
  if (down === null) {
    await requestFlatten(ctx, instanceId, legs, urgency, reason ?? 'close-all');
    await publishAlerts(
      ctx,
      [
        {
          kind: 'Alert',
          instanceId,
          severity: 'warning',
          code: 'flatten_started',
          message: `flatten (${urgency}) handed to the stream worker: the closer works every position down`,
        },
      ],
      cancels.state,
    );
    return { cancelled, closedQty: null, handedTo: 'stream worker', urgency };
  }
  return { cancelled, ...(await closeAtMarket(ctx, config, cancels.state, down)) };
}

/**
 * The fallback a Lambda can do alone: close every leg at market (protective close ids, through the
 * pipeline on a fresh read), saying why the closer could not.
 */
async function closeAtMarket(
  ctx: AppContext,
  config: InstanceConfig,
  state: InstanceEnvelope,
  why: string,
  /** Only these legs (roles); default every leg. */
  only?: ReadonlySet<string>,
): Promise<{ closedQty: string | null; closedRoles: string[]; fallback: string }> {
  const strategy = strategyOf(config);
  const instanceId = config.id;
  const close = await decideOnSnapshot(ctx, config, state, (s, snaps, at) =>
    strategy.planFlattenPositions(s, only ? snaps.filter((x) => only.has(x.leg.role)) : snaps, config, at),
  );
  if (!close) throw new InstanceNotFoundError(instanceId);
  const closes = close.executed.filter((x) => x.command.kind === 'ClosePosition');
  const sent = closes[0];
  const refused = closes.filter((x) => x.outcome.kind === 'rejected');
  // Said every time, whatever else is raised: the operator asked for this close. Every refused leg is named.
  await publishAlerts(
    ctx,
    refused.length > 0
      ? refused.map((x) => ({
          kind: 'Alert' as const,
          instanceId,
          severity: 'critical' as const,
          code: 'close_all_failed',
          message: `close-all: the market close${x.command.kind === 'ClosePosition' && x.command.leg ? ` of ${x.command.leg}` : ''} was refused (${x.outcome.kind === 'rejected' ? `${x.outcome.reason}: ${x.outcome.message}` : ''}); the stop stays on; run close-all again`,
        }))
      : [
          {
            kind: 'Alert',
            instanceId,
            severity: 'warning',
            code: 'flatten_fallback',
            message: `flatten closed at market from here: ${why}`,
          },
        ],
    close.state,
  );
  const legs = legsOf(config);
  return {
    closedRoles: closes
      .filter((x) => x.outcome.kind === 'placed')
      .flatMap((x) => {
        const r = x.command.kind === 'ClosePosition' ? x.command.request : null;
        const leg = r
          ? legs.find(
              (l) => l.account === r.account && l.symbol === r.symbol && l.positionSide === r.positionSide,
            )
          : undefined;
        return leg ? [leg.role] : [];
      }),
    closedQty:
      sent?.command.kind === 'ClosePosition' && sent.outcome.kind === 'placed'
        ? sent.command.request.qty.toFixed()
        : null,
    fallback: why,
  };
}

/** How long a handed-over flatten may stay pending before recon closes at market itself. */
export const FLATTEN_DEADLINE_MS = { emergency: 60_000, normal: 15 * 60_000 } as const;

/**
 * Recon's watchdog over handed-over flattens (every pass): a request still pending past its deadline (a
 * worker that died mid-way, or one that cannot make progress: no market data, a position it misreads) is
 * carried out here, at market, and marked done once the close went out or the exchange reads every leg
 * flat. Hedge mode makes the overlap with a worker still slicing harmless: a close larger than the
 * position is refused, never turned around.
 */
export async function flattenWatchdog(ctx: AppContext, config: InstanceConfig): Promise<boolean> {
  const now = ctx.clock.now();
  const legs = legsOf(config);
  const accounts = [...new Set(legs.map((l) => l.account))];
  const overdue: FlattenRequest[] = [];
  for (const account of accounts)
    for (const r of await ctx.store.listFlattens(account))
      if (
        r.instanceId === config.id &&
        r.status === 'pending' &&
        now - r.requestedAt > FLATTEN_DEADLINE_MS[r.urgency]
      )
        overdue.push(r);
  if (overdue.length === 0) return false;
  const state = await ctx.store.loadGrid(config.id);
  if (!state) return false;
  const why = (await workerHolds(ctx, accounts)) ?? 'the stream worker has not finished it';
  ctx.logger.warn('a handed-over flatten is overdue: closing at market', { instance: config.id, why });
  // Only the legs handed over (a pair's, for a strategy that hands some legs at a time).
  const roles = new Set(overdue.flatMap((o) => o.legs.map((l) => l.role)));
  const r = await closeAtMarket(
    ctx,
    config,
    state,
    `the flatten handed to the stream worker is overdue (${why})`,
    roles,
  );
  // Each request is done once every leg it names is closed by the market order just sent or reads flat
  // (one refused close keeps its own request pending: the next pass tries it again).
  const closedRoles = new Set(r.closedRoles);
  for (const o of overdue) {
    let flat = true;
    for (const l of o.legs) {
      if (closedRoles.has(l.role)) continue;
      const leg = legs.find((x) => x.role === l.role);
      if (!leg) continue;
      if (!(await ctx.exchanges(leg.account).position(leg.symbol, leg.positionSide)).qty.isZero())
        flat = false;
    }
    if (flat)
      await ctx.store.putFlatten(
        { ...o, status: 'done', doneAt: ctx.clock.now() },
        { ifRequestedAt: o.requestedAt },
      );
  }
  return true;
}

/** Resuming an instance ends a flatten handed over for it (the runner drops it on its next poll). */
export function endFlattens(ctx: AppContext, config: InstanceConfig): Promise<number> {
  return endRequests(
    ctx,
    config.id,
    legsOf(config).map((l) => l.account),
  );
}
