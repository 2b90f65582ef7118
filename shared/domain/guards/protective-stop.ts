/**
 * The protective stop, checked for every strategy that declares its holdings protected
 * (`StrategyModule.protectsHoldings`; SPEC §5 "protective stop placed on every opening fill"): a leg that
 * holds coins must be covered by a stop of ours, or by a protective close on its way. The strategy places
 * it (the Key Level Grid in the same decision as the fill that opened the position, `klg/stop-loss.ts`);
 * this shared check holds every strategy to it, on the event track after each fill and on every recon
 * pass, so a strategy that forgets is caught at once, not by the next replay.
 *
 * Covered means: a stop or close the decision sends for the leg, one the strategy's state holds live or in
 * flight (not being cancelled), or, on recon, a stop of ours the exchange lists on the leg that the
 * decision does not cancel.
 * Uncovered raises `protective_stop_missing` (critical) once; covered again resolves it.
 */
import { decodeClientOrderId } from '../client-order-id.js';
import type { Alert, Command } from '../commands.js';
import type { Decimal } from '../money.js';
import type { ExchangeOrder } from '../orders.js';
import type { OrderSlot } from '../stored-instance.js';
import type { FoundStop, Leg } from '../strategy.js';

export const STOP_MISSING_ALERT = 'protective_stop_missing';

export interface LegHolding {
  readonly leg: Leg;
  /** Coins held on the leg (either sign); zero needs no stop. */
  readonly held: Decimal;
  /** On recon: the open orders the exchange lists on the leg's symbol. */
  readonly openOrders?: readonly ExchangeOrder[];
}

export interface ProtectiveStopInput {
  readonly instanceId: string;
  readonly holdings: readonly LegHolding[];
  readonly slots: readonly OrderSlot[];
  readonly commands: readonly Command[];
  readonly activeAlerts: readonly string[];
}

function covered(i: ProtectiveStopInput, h: LegHolding): boolean {
  const { leg } = h;
  const sends = i.commands.some(
    (c) =>
      (c.kind === 'PlaceStop' || c.kind === 'ClosePosition') &&
      c.request.account === leg.account &&
      c.request.symbol === leg.symbol &&
      c.request.positionSide === leg.positionSide,
  );
  if (sends) return true;
  if (
    i.slots.some(
      (s) => s.leg === leg.role && (s.kind === 'stop' || s.kind === 'close') && s.pending !== 'cancel',
    )
  )
    return true;
  const cancelling = new Set(
    i.commands.flatMap((c) => (c.kind === 'CancelStop' || c.kind === 'CancelOrder' ? [c.clientOrderId] : [])),
  );
  return (h.openOrders ?? []).some(
    (o) =>
      o.kind === 'stop' &&
      !cancelling.has(o.clientOrderId) &&
      o.symbol === leg.symbol &&
      (o.positionSide === leg.positionSide || leg.positionSide === 'BOTH') &&
      decodeClientOrderId(o.clientOrderId)?.instanceId === i.instanceId,
  );
}

export function protectiveStopCheck(i: ProtectiveStopInput): {
  readonly activeAlerts: readonly string[];
  readonly alerts: readonly Alert[];
} {
  const bare = i.holdings.filter((h) => !h.held.isZero() && !covered(i, h));
  const active = i.activeAlerts.includes(STOP_MISSING_ALERT);
  if (bare.length > 0 && !active)
    return {
      activeAlerts: [...i.activeAlerts, STOP_MISSING_ALERT],
      alerts: [
        {
          kind: 'Alert',
          instanceId: i.instanceId,
          severity: 'critical',
          code: STOP_MISSING_ALERT,
          message: `holdings without a protective stop on ${bare
            .map(
              (h) =>
                `${h.leg.symbol} ${h.leg.positionSide} (account "${h.leg.account}", ${h.held.toFixed()})`,
            )
            .join(', ')}: the strategy placed none`,
          data: { legs: bare.map((h) => h.leg.role).join(',') },
        },
      ],
    };
  if (bare.length === 0 && active)
    return {
      activeAlerts: i.activeAlerts.filter((a) => a !== STOP_MISSING_ALERT),
      alerts: [
        {
          kind: 'Alert',
          instanceId: i.instanceId,
          severity: 'info',
          code: `${STOP_MISSING_ALERT}_resolved`,
          message: 'every holding is covered by a stop again',
        },
      ],
    };
  return { activeAlerts: i.activeAlerts, alerts: [] };
}

/**
 * A leg's protective stop (`gb<inst>P<L|S><seq>`) against what the exchange lists: the tracked one if it is
 * listed; else the tightest of ours found (adopted after a restart, said as `found`); every other one of
 * ours on the leg is `extra` (to cancel: one closePosition stop per side). `keep` undefined: none stands.
 */
export function reconcileLegStop(
  instanceId: string,
  leg: Leg,
  trackedId: string | null,
  open: readonly ExchangeOrder[],
): { keep: ExchangeOrder | undefined; found: FoundStop | null; extra: ExchangeOrder[] } {
  const listed = open.filter((o) => {
    const d = decodeClientOrderId(o.clientOrderId);
    return (
      o.symbol === leg.symbol &&
      d?.kind === 'protective_stop' &&
      d.instanceId === instanceId &&
      d.positionSide === leg.positionSide
    );
  });
  let keep = trackedId ? listed.find((o) => o.clientOrderId === trackedId) : undefined;
  let found: FoundStop | null = null;
  if (!keep) {
    for (const o of listed) {
      if (!o.triggerPrice) continue;
      const tighter =
        !keep?.triggerPrice ||
        (leg.positionSide === 'LONG'
          ? o.triggerPrice.greaterThan(keep.triggerPrice)
          : o.triggerPrice.lessThan(keep.triggerPrice));
      if (tighter) keep = o;
    }
    if (keep?.triggerPrice)
      found = { clientOrderId: keep.clientOrderId, triggerPrice: keep.triggerPrice, qty: null };
  }
  return { keep, found, extra: listed.filter((o) => o !== keep) };
}
