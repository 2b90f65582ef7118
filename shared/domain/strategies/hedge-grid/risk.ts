/**
 * The hedge's risk controller (SPEC §3.3), pure: from what both accounts hold now, the figures and which
 * limits are breached, and what each breach does by the configured map (`risk.actions`):
 *
 *   net position     long coins − short coins
 *   gross exposure   (long + short coins) × mark
 *   equity           both accounts' margin balances (wallet + unrealized PnL)
 *   leverage         per account, its position's value / its margin        limit `max_leverage`
 *                    balance (the highest; each account carries one side)
 *   drawdown         1 − equity / its peak (the peak is kept in state)      limit `max_drawdown_pct`
 *   imbalance        |net| / (2 × levels × amount per level): the net as a  limit `max_position_imbalance_pct`
 *                    share of what both grids could hold (two legs only),   (breached beyond the allowance:
 *                    judged against `imbalanceAllowance`                    at least one level of net)
 *   margin ratio     per account, 1 − maintenance / margin balance: the     floor `min_margin_ratio`
 *                    share of its margin not needed to stay open (0 = liquidation)
 *
 * Actions: `alert` (tell a human), `stop_opening` (the leg that breached, or both, places no new opening
 * orders until the next check finds the limit kept; take-profits go on), `emergency` (cancel all and
 * flatten both legs through the closer). The risk level is `critical` on an emergency, `high` on any other
 * breach, `medium` when a figure is past half its limit, else `low`.
 *
 * The same imbalance allowance gates opening orders at decision time (`imbalanceAllowance`): an open is
 * only placed if, were every resting open of its leg to fill, the net would stay within it (one level of
 * net is always allowed, or a grid with few levels could never start).
 */

import type { Alert } from '../../commands.js';
import { type Decimal, dec, ZERO } from '../../money.js';
import type { BreachAction, HedgeGridConfig } from './config.js';
import type { ParamsInForce } from './executor.js';
import { type HedgeGridState, type LegRole, legEntries, type RiskLevel } from './state.js';

export interface AccountReading {
  readonly role: LegRole;
  readonly account: string;
  /** Wallet + unrealized PnL in the settlement asset. */
  readonly marginBalance: Decimal;
  readonly unrealizedPnl: Decimal;
  /** Coins held on the leg's position side (non-negative). */
  readonly held: Decimal;
}

export type RiskLimit = 'drawdown' | 'leverage' | 'imbalance' | 'margin';

export interface Breach {
  readonly limit: RiskLimit;
  readonly action: BreachAction;
  readonly value: Decimal;
  readonly bound: Decimal;
  /** The legs it concerns (the heavier leg of an imbalance, the account of a margin breach). */
  readonly legs: readonly LegRole[];
  readonly message: string;
}

export interface RiskAssessment {
  readonly figures: {
    readonly netPosition: Decimal;
    readonly grossExposure: Decimal;
    readonly equity: Decimal;
    readonly unrealizedPnl: Decimal;
    readonly leverage: Decimal;
    readonly drawdown: Decimal;
    readonly imbalance: Decimal | null;
    readonly marginRatio: Readonly<Partial<Record<LegRole, Decimal>>>;
  };
  readonly peakEquity: Decimal;
  readonly breaches: readonly Breach[];
  readonly level: RiskLevel;
  readonly stopOpening: readonly LegRole[];
  readonly emergency: boolean;
}

/** Coins of net exposure the imbalance limit allows (null: single-account mode, no such limit). */
export function imbalanceAllowance(
  config: HedgeGridConfig,
  params: ParamsInForce,
  twoLegs: boolean,
): Decimal | null {
  if (!twoLegs) return null;
  const capacity = params.amountPerLevel.times(params.levelPrices.length).times(2);
  const byLimit = capacity.times(config.risk.max_position_imbalance_pct);
  return byLimit.greaterThan(params.amountPerLevel) ? byLimit : params.amountPerLevel;
}

const pct = (d: Decimal) => `${d.times(100).toDecimalPlaces(2).toFixed()}%`;

export function assessRisk(input: {
  readonly config: HedgeGridConfig;
  readonly params: ParamsInForce | null;
  readonly readings: readonly AccountReading[];
  readonly mark: Decimal;
  readonly peakEquity: Decimal | null;
}): RiskAssessment {
  const { config, params, readings, mark } = input;
  const limits = config.risk;
  const long = readings.find((r) => r.role === 'long');
  const short = readings.find((r) => r.role === 'short');
  const longQty = long?.held ?? ZERO;
  const shortQty = short?.held ?? ZERO;
  const net = longQty.minus(shortQty);
  const gross = longQty.plus(shortQty).times(mark);
  let equity = ZERO;
  let upnl = ZERO;
  for (const r of readings) {
    equity = equity.plus(r.marginBalance);
    upnl = upnl.plus(r.unrealizedPnl);
  }
  const peak = input.peakEquity && input.peakEquity.greaterThan(equity) ? input.peakEquity : equity;
  // Per account (each carries one direction alone), the highest: its position's value over its own margin
  // balance. No equity left with a position open: as much leverage as can be said.
  const ratioOf = (value: Decimal, base: Decimal) =>
    base.greaterThan(0) ? value.dividedBy(base) : value.isZero() ? ZERO : dec('1e9');
  let leverage = ZERO;
  let heaviest: AccountReading | null = null;
  for (const r of readings) {
    const l = ratioOf(r.held.times(mark), r.marginBalance);
    if (heaviest === null || l.greaterThan(leverage)) {
      leverage = l;
      heaviest = r;
    }
  }
  const drawdown = peak.greaterThan(0) ? dec(1).minus(equity.dividedBy(peak)) : ZERO;
  const twoLegs = short !== undefined;
  const capacity = params ? params.amountPerLevel.times(params.levelPrices.length).times(2) : null;
  const imbalance = twoLegs && capacity?.greaterThan(0) ? net.abs().dividedBy(capacity) : null;
  const mmr = params?.maintMarginRatio ?? dec('0.01');
  const marginRatio: Partial<Record<LegRole, Decimal>> = {};
  for (const r of readings) {
    const maint = r.held.times(mark).times(mmr);
    marginRatio[r.role] = r.marginBalance.greaterThan(0)
      ? dec(1).minus(maint.dividedBy(r.marginBalance))
      : r.held.isZero()
        ? dec(1)
        : ZERO;
  }
  const breaches: Breach[] = [];
  if (drawdown.greaterThan(limits.max_drawdown_pct))
    breaches.push({
      limit: 'drawdown',
      action: limits.actions.drawdown,
      value: drawdown,
      bound: limits.max_drawdown_pct,
      legs: twoLegs ? ['long', 'short'] : ['long'],
      message: `drawdown ${pct(drawdown)} from the equity peak ${peak.toFixed(2)} exceeds max_drawdown_pct ${pct(limits.max_drawdown_pct)}`,
    });
  if (heaviest && leverage.greaterThan(limits.max_leverage))
    breaches.push({
      limit: 'leverage',
      action: limits.actions.leverage,
      value: leverage,
      bound: limits.max_leverage,
      legs: [heaviest.role],
      message: `leverage ${leverage.toDecimalPlaces(2).toFixed()}x on account "${heaviest.account}" (${heaviest.role} leg: ${heaviest.held.times(mark).toFixed(2)} on ${heaviest.marginBalance.toFixed(2)}) exceeds max_leverage ${limits.max_leverage.toFixed()}x`,
    });
  // Judged against the same allowance that gates opens (at least one level of net), so a grid the gate
  // lets trade is never in breach by design.
  const allowance = params ? imbalanceAllowance(config, params, twoLegs) : null;
  if (imbalance && allowance && net.abs().greaterThan(allowance))
    breaches.push({
      limit: 'imbalance',
      action: limits.actions.imbalance,
      value: imbalance,
      bound: limits.max_position_imbalance_pct,
      legs: [net.isNegative() ? 'short' : 'long'],
      message: `net position ${net.toFixed()} (long ${longQty.toFixed()}, short ${shortQty.toFixed()}) is ${pct(imbalance)} of the grids' capacity, above max_position_imbalance_pct ${pct(limits.max_position_imbalance_pct)}`,
    });
  for (const r of readings) {
    const ratio = marginRatio[r.role]!;
    if (ratio.lessThan(limits.min_margin_ratio))
      breaches.push({
        limit: 'margin',
        action: limits.actions.margin,
        value: ratio,
        bound: limits.min_margin_ratio,
        legs: [r.role],
        message: `account "${r.account}" (${r.role} leg) has a margin ratio of ${pct(ratio)}, below min_margin_ratio ${pct(limits.min_margin_ratio)}`,
      });
  }
  const emergency = breaches.some((b) => b.action === 'emergency');
  const stopOpening = [
    ...new Set(breaches.filter((b) => b.action === 'stop_opening').flatMap((b) => b.legs)),
  ].sort() as LegRole[];
  const half = (v: Decimal, bound: Decimal) => v.greaterThan(bound.dividedBy(2));
  const watch =
    half(drawdown, limits.max_drawdown_pct) ||
    half(leverage, limits.max_leverage) ||
    (imbalance !== null && half(imbalance, limits.max_position_imbalance_pct)) ||
    Object.values(marginRatio).some((m) => m.lessThan(limits.min_margin_ratio.times(2)));
  const level: RiskLevel = emergency ? 'critical' : breaches.length > 0 ? 'high' : watch ? 'medium' : 'low';
  return {
    figures: {
      netPosition: net,
      grossExposure: gross,
      equity,
      unrealizedPnl: upnl,
      leverage,
      drawdown,
      imbalance,
      marginRatio,
    },
    peakEquity: peak,
    breaches,
    level,
    stopOpening,
    emergency,
  };
}

// --- the verdict in state, and the sync rule -----------------------------------------------------------

/** Risk checks in a row that may fail to read a leg's account before the leg counts as failed. */
export const UNREACHABLE_CHECKS = 3;

const RISK_ALERT = (limit: RiskLimit) => `risk_${limit}`;

/**
 * A check's verdict into the state: the peak, the level, which legs may not open, the figures (text); an
 * alert when a limit becomes breached (critical for an emergency, warning otherwise) and when it clears.
 */
export function applyRisk(
  s: HedgeGridState,
  a: RiskAssessment,
  readings: readonly AccountReading[],
  now: number,
): { state: HedgeGridState; alerts: Alert[] } {
  const alerts: Alert[] = [];
  const breached = new Set(a.breaches.map((b) => b.limit));
  for (const b of a.breaches)
    if (!s.risk.breaches.includes(b.limit))
      alerts.push({
        kind: 'Alert',
        instanceId: s.instanceId,
        severity: b.action === 'emergency' ? 'critical' : 'warning',
        code: RISK_ALERT(b.limit),
        message: `${b.message}: ${b.action === 'emergency' ? 'emergency shutdown, both legs flatten' : b.action === 'stop_opening' ? `the ${b.legs.join(' and ')} leg${b.legs.length > 1 ? 's stop' : ' stops'} opening` : 'alert only'}`,
        data: { limit: b.limit, action: b.action, value: b.value.toFixed(6) },
      });
  for (const old of s.risk.breaches)
    if (!breached.has(old as RiskLimit))
      alerts.push({
        kind: 'Alert',
        instanceId: s.instanceId,
        severity: 'info',
        code: `${RISK_ALERT(old as RiskLimit)}_resolved`,
        message: `the ${old} limit is kept again`,
      });
  const f = a.figures;
  const metrics: Record<string, string> = {
    netPosition: f.netPosition.toFixed(),
    grossExposure: f.grossExposure.toFixed(2),
    equity: f.equity.toFixed(2),
    unrealizedPnl: f.unrealizedPnl.toFixed(2),
    leverage: f.leverage.toDecimalPlaces(4).toFixed(),
    drawdown: f.drawdown.toDecimalPlaces(6).toFixed(),
    ...(f.imbalance ? { imbalance: f.imbalance.toDecimalPlaces(6).toFixed() } : {}),
  };
  for (const r of readings) {
    metrics[`balance.${r.role}`] = r.marginBalance.toFixed(2);
    const m = f.marginRatio[r.role];
    if (m) metrics[`marginRatio.${r.role}`] = m.toDecimalPlaces(6).toFixed();
  }
  const maxDrawdown = f.drawdown.greaterThan(s.risk.maxDrawdown) ? f.drawdown : s.risk.maxDrawdown;
  metrics.maxDrawdown = maxDrawdown.toDecimalPlaces(6).toFixed();
  return {
    state: {
      ...s,
      risk: {
        ...s.risk,
        peakEquity: a.peakEquity,
        level: a.level,
        stopOpening: a.stopOpening,
        breaches: [...breached],
        checkedAt: now,
        metrics,
        maxDrawdown,
        unreachable: {},
      },
      updatedAt: now,
    },
    alerts,
  };
}

/** A check could not read some legs' accounts: counted; at `UNREACHABLE_CHECKS` the leg has failed. */
export function countUnreachable(
  s: HedgeGridState,
  roles: readonly LegRole[],
  now: number,
): { state: HedgeGridState; failed: LegRole[] } {
  const unreachable: Partial<Record<LegRole, number>> = {};
  const failed: LegRole[] = [];
  for (const role of roles) {
    const n = (s.risk.unreachable[role] ?? 0) + 1;
    unreachable[role] = n;
    if (n >= UNREACHABLE_CHECKS) failed.push(role);
  }
  return { state: { ...s, risk: { ...s.risk, unreachable }, updatedAt: now }, failed };
}

/**
 * The sync controller's rule (SPEC §3.3): start both legs or neither, and if one fails or stops, stop the
 * other and flatten both. Returns why both must be flattened now (null: nothing to do, or already handed
 * over). A shutdown whose flatten could not go out (an account unreadable) is tried again every check.
 */
export function syncVerdict(s: HedgeGridState, emergency: RiskAssessment | null): string | null {
  if (s.shutdown) return s.shutdown.handedOver ? null : s.shutdown.reason;
  for (const [role, l] of legEntries(s)) if (l.failure) return `the ${role} leg failed: ${l.failure.reason}`;
  if (emergency?.emergency)
    return `risk emergency: ${emergency.breaches
      .filter((b) => b.action === 'emergency')
      .map((b) => b.message)
      .join('; ')}`;
  return null;
}

/** The shutdown recorded: both legs stop opening until an operator resumes. */
export function shutDown(s: HedgeGridState, reason: string, now: number): HedgeGridState {
  return s.shutdown ? s : { ...s, shutdown: { at: now, reason, handedOver: false }, updatedAt: now };
}

/** The flatten of a shutdown went out (the closer has it, or it closed at market). */
export function handedOver(s: HedgeGridState, now: number): HedgeGridState {
  return !s.shutdown || s.shutdown.handedOver
    ? s
    : { ...s, shutdown: { ...s.shutdown, handedOver: true }, updatedAt: now };
}
