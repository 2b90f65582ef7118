/**
 * Handing legs to the closer (SPEC §4): what `close-all` does for a whole instance and a strategy's
 * `FlattenLegs` command does for some of its legs (a pair stopped by its loss, a rotation). The stream
 * worker works them down (`flatten-runner.ts`) from a request per account in the store; a Lambda cannot
 * hold streams, so when no worker holds the accounts the caller closes them at market instead.
 * `EndFlatten` ends what was handed over once the strategy reads the legs flat.
 */
import type { EndFlatten, FlattenLegs } from '../domain/commands.js';
import { legsOf } from '../domain/strategies/index.js';
import type { InstanceConfigBase, Leg } from '../domain/strategy.js';
import type { Heartbeat } from '../ports/state-store.js';
import type { AppContext } from './context.js';

/**
 * A stream worker heartbeat older than this (or not connected) cannot take a flatten over: three missed
 * heartbeats, and never less than 45 s. Live the worker writes one every 15 s; a replay's worker writes
 * one every `heartbeat_interval_sec` (60 s by default), and a heartbeat it wrote 50 s ago is as fresh as a
 * live one written 5 s ago, so a replay hands over as live would instead of closing at market.
 */
const WORKER_FRESH_MS = 45_000;
const MISSED_HEARTBEATS = 3;

export function workerFreshMs(hb: Heartbeat): number {
  return Math.max(WORKER_FRESH_MS, MISSED_HEARTBEATS * (hb.everyMs ?? 0));
}

/** Null when the stream worker holds every one of these accounts now (fresh heartbeat, connected); else why not. */
export async function workerHolds(ctx: AppContext, accounts: readonly string[]): Promise<string | null> {
  const now = ctx.clock.now();
  for (const a of accounts) {
    const hb = await ctx.store.getHeartbeat(a);
    if (!hb) return `no stream worker heartbeat for account ${a}`;
    if (now - hb.at > workerFreshMs(hb))
      return `the stream worker heartbeat of account ${a} is ${Math.round((now - hb.at) / 1000)} s old`;
    if (hb.status !== 'connected' && hb.status !== 'resyncing')
      return `the stream worker of account ${a} is ${hb.status}`;
  }
  return null;
}

/** One pending request per account for the legs on it. */
export async function requestFlatten(
  ctx: AppContext,
  instanceId: string,
  legs: readonly Leg[],
  urgency: 'normal' | 'emergency',
  reason: string,
): Promise<void> {
  const now = ctx.clock.now();
  for (const account of new Set(legs.map((l) => l.account)))
    await ctx.store.putFlatten({
      instanceId,
      account,
      urgency,
      reason,
      requestedAt: now,
      legs: legs
        .filter((l) => l.account === account)
        .map((l) => ({ role: l.role, symbol: l.symbol, positionSide: l.positionSide })),
      status: 'pending',
      doneAt: null,
    });
}

/**
 * A strategy's hand-over of some legs: requested from the worker when it holds their accounts (null), or
 * the reason it cannot be, for the caller to close them at market.
 */
export async function handOverLegs(
  ctx: AppContext,
  config: InstanceConfigBase,
  command: FlattenLegs,
): Promise<string | null> {
  const roles = new Set(command.legs);
  const legs = legsOf(config).filter((l) => roles.has(l.role));
  if (legs.length === 0) return null;
  const down = legs.some((l) => l.positionSide === 'BOTH')
    ? 'a one-way (BOTH) position is closed at market'
    : await workerHolds(ctx, [...new Set(legs.map((l) => l.account))]);
  if (down !== null) return down;
  await requestFlatten(ctx, config.id, legs, command.urgency, command.reason);
  return null;
}

/** Ends the pending requests on the legs' accounts (the runner drops them on its next poll). */
export function endHandOver(
  ctx: AppContext,
  config: InstanceConfigBase,
  command: EndFlatten,
): Promise<number> {
  const roles = new Set(command.legs);
  return endRequests(
    ctx,
    config.id,
    legsOf(config)
      .filter((l) => roles.has(l.role))
      .map((l) => l.account),
  );
}

/** Ends the instance's pending flatten requests on these accounts; how many. */
export async function endRequests(
  ctx: AppContext,
  instanceId: string,
  accounts: readonly string[],
): Promise<number> {
  let ended = 0;
  for (const account of new Set(accounts))
    for (const r of await ctx.store.listFlattens(account))
      if (r.instanceId === instanceId && r.status === 'pending') {
        await ctx.store.putFlatten(
          { ...r, status: 'done', doneAt: ctx.clock.now() },
          { ifRequestedAt: r.requestedAt },
        );
        ended += 1;
      }
  return ended;
}
