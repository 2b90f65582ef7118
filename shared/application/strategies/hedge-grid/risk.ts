/**
 * The hedge grid's risk job: the risk controller and the sync controller of SPEC §3.3, every risk cycle,
 * never skipped. It reads both accounts (balance and the leg's position) and the mark, and
 *  - judges every limit (`assessRisk`) and records the verdict in the state (`applyRisk`): the legs the
 *    controller stops from opening, the figures `status`, the dashboard and the report show, an alert per
 *    limit breached or cleared;
 *  - fails a leg whose account it could not read `UNREACHABLE_CHECKS` times in a row;
 *  - flattens both legs through the closer (`Shell.flatten`, emergency) when a leg has failed (its orders
 *    kept being refused, its stop fired, its account is unreachable) or a breach's action is `emergency`,
 *    recording the shutdown first so nothing opens meanwhile.
 */

import type { Alert } from '../../../domain/commands.js';
import type { InstanceConfig } from '../../../domain/config/deployment.js';
import { hedgeLegs, legFailed } from '../../../domain/strategies/hedge-grid/module.js';
import {
  type AccountReading,
  applyRisk,
  assessRisk,
  countUnreachable,
  handedOver,
  type RiskAssessment,
  shutDown,
  syncVerdict,
} from '../../../domain/strategies/hedge-grid/risk.js';
import type { HedgeGridState, LegRole } from '../../../domain/strategies/hedge-grid/state.js';
import type { AppContext } from '../../context.js';
import { decideAndSave } from '../../decide-and-save.js';
import { publishAlerts } from '../../execute.js';
import { settleAssetOf } from '../../market.js';
import type { Shell } from '../runtime.js';
import { loadHedgeConfig } from './params.js';

const LEVEL_RANK = { low: 0, medium: 1, high: 2, critical: 3 } as const;

export interface HedgeRiskReport {
  readonly instanceId: string;
  readonly level: string;
  readonly breaches: readonly string[];
  readonly unreachable: readonly LegRole[];
  readonly flattened: string | null;
}

export async function runHedgeRisk(
  ctx: AppContext,
  instanceId: string,
  known: InstanceConfig | undefined,
  shell: Shell,
): Promise<HedgeRiskReport> {
  const config = await loadHedgeConfig(ctx, instanceId, known);
  const first = (await ctx.store.loadGrid(instanceId)) as HedgeGridState | null;
  if (!first) return { instanceId, level: 'low', breaches: [], unreachable: [], flattened: null };
  const asset = settleAssetOf(config.symbol);
  const readings: AccountReading[] = [];
  const unreachable: LegRole[] = [];
  let mark = first.lastPrice;
  for (const leg of hedgeLegs(config)) {
    const ex = ctx.exchanges(leg.account);
    try {
      const [balance, position, price] = await Promise.all([
        ex.balance(asset),
        ex.position(leg.symbol, leg.positionSide),
        ex.fetchPrice(leg.symbol),
      ]);
      mark = price.mark;
      readings.push({
        role: leg.role as LegRole,
        account: leg.account,
        marginBalance: balance.marginBalance,
        unrealizedPnl: position.unrealizedPnl ?? balance.unrealizedPnl,
        held: position.qty.abs(),
      });
    } catch (e) {
      ctx.logger.warn('hedge risk: an account could not be read', {
        instance: instanceId,
        account: leg.account,
        error: e instanceof Error ? e.message : String(e),
      });
      unreachable.push(leg.role as LegRole);
    }
  }
  const now = ctx.clock.now();
  let assessment: RiskAssessment | null = null;
  const alerts: Alert[] = [];
  const saved = await decideAndSave<RiskAssessment | null, HedgeGridState>(ctx, instanceId, (cur) => {
    alerts.length = 0;
    if (!cur) return { next: null, result: null };
    if (unreachable.length > 0) {
      const counted = countUnreachable(cur, unreachable, now);
      let s = counted.state;
      for (const role of counted.failed) {
        const f = legFailed(
          s,
          role,
          `its account could not be read by ${counted.state.risk.unreachable[role]} risk checks in a row`,
          now,
        );
        s = f.state;
        alerts.push(...f.commands.filter((c): c is Alert => c.kind === 'Alert'));
      }
      return { next: s, result: null };
    }
    const a = assessRisk({
      config,
      params: cur.params,
      readings,
      mark: mark ?? readings[0]!.marginBalance,
      peakEquity: cur.risk.peakEquity,
    });
    const applied = applyRisk(cur, a, readings, now);
    alerts.push(...applied.alerts);
    return { next: applied.state, result: a };
  });
  if (saved.ok) assessment = saved.result;
  let state = saved.ok ? saved.state : first;
  if (unreachable.length > 0)
    alerts.push({
      kind: 'Alert',
      instanceId,
      severity: 'warning',
      code: 'risk_unreadable',
      message: `the risk check could not read the ${unreachable.join(' and ')} leg's account; limits are judged again next check`,
    });
  await publishAlerts(ctx, alerts, state);
  // The sync rule: a failed leg or an emergency breach flattens both legs.
  let flattened: string | null = null;
  const why = state ? syncVerdict(state, assessment) : null;
  if (why) {
    const first = !state?.shutdown;
    const down = await decideAndSave<null, HedgeGridState>(ctx, instanceId, (cur) => ({
      next: cur && !cur.shutdown ? shutDown(cur, why, now) : null,
      result: null,
    }));
    state = down.ok ? down.state : state;
    if (first)
      await publishAlerts(
        ctx,
        [
          {
            kind: 'Alert',
            instanceId,
            severity: 'critical',
            code: 'hedge_shutdown',
            message: `both legs are flattened through the closer: ${why}`,
          },
        ],
        state,
      );
    flattened = why;
    try {
      await shell.flatten(ctx, instanceId, 'emergency', why);
      const over = await decideAndSave<null, HedgeGridState>(ctx, instanceId, (cur) => ({
        next: cur ? handedOver(cur, ctx.clock.now()) : null,
        result: null,
      }));
      state = over.ok ? over.state : state;
    } catch (e) {
      // Recorded as shut down, not handed over: nothing opens, and the next check tries the flatten again.
      ctx.logger.error('hedge flatten failed', {
        instance: instanceId,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
  const dims = { instance: instanceId };
  const level = state?.risk.level ?? 'low';
  ctx.metrics.put('RiskLevel', LEVEL_RANK[level], 'None', dims);
  if (assessment) {
    ctx.metrics.put('Equity', assessment.figures.equity.toNumber(), 'None', dims);
    ctx.metrics.put('Drawdown', assessment.figures.drawdown.toNumber(), 'None', dims);
    // Each leg's position as read from its account (signed: the short leg negative), for the dashboard.
    for (const r of readings)
      ctx.metrics.put('LegPosition', (r.role === 'short' ? r.held.negated() : r.held).toNumber(), 'None', {
        instance: instanceId,
        leg: r.role,
      });
    if (assessment.breaches.length > 0)
      ctx.metrics.put('RiskBreaches', assessment.breaches.length, 'Count', dims);
  }
  return {
    instanceId,
    level,
    breaches: state?.risk.breaches ?? [],
    unreachable,
    flattened,
  };
}
