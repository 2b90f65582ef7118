/**
 * `runRiskCheck` for the Key Level Grid (issue 6; SPEC §2 stop loss, §6 operations). Every scheduled
 * check, never skipped:
 *  - the exchange-side stop exists whenever there is a position (a missing stop is a breach);
 *  - the counters agree with the holdings (consistency guard; recon repairs, risk reports);
 *  - the ledger agrees with the exchange position;
 *  - drawdown of the account's margin balance from its recorded peak (`risk.max_drawdown_pct`);
 *  - the stream worker's heartbeat for the account is fresh (`risk.heartbeat_max_age_sec`).
 * A breach alerts (critical) and, with `risk.on_breach: pause`, pauses the instance (with `flatten`, it also
 * hands the position to the closer as an emergency, `application/flatten.ts`): recon then cancels its
 * buys and places no opening orders, while sells and the stop stay. Alerts fire when the level changes, not
 * on every check of a persisting condition.
 */

import type { InstanceConfig } from '../../../domain/config/deployment.js';
import { type Decimal, dec, maxDec, ZERO } from '../../../domain/money.js';
import type { KlgConfig } from '../../../domain/strategies/klg/config.js';
import { counterDrift, pause } from '../../../domain/strategies/klg/index.js';
import { asKlgState, type KlgState } from '../../../domain/strategies/klg/state.js';
import type { InstanceEnvelope } from '../../../domain/strategy.js';
import type { AppContext } from '../../context.js';
import { decideAndSave } from '../../decide-and-save.js';
import { publishAlerts } from '../../execute.js';
import { settleAssetOf } from '../../market.js';
import type { Shell, SteadyCheck } from '../runtime.js';
import { loadKlgConfig } from './instance.js';

export type RiskLevel = 'ok' | 'warning' | 'breach';

export interface RiskFinding {
  readonly level: RiskLevel;
  readonly code: string;
  readonly message: string;
}

export interface RiskReport {
  readonly instanceId: string;
  readonly level: RiskLevel;
  readonly findings: readonly RiskFinding[];
  readonly equity: string | null;
  readonly drawdownPct: string | null;
  readonly heartbeatAgeSec: number | null;
  readonly paused: boolean;
  /**
   * Nothing found and nothing raised before: the next check finds the same while nothing but the equity
   * moves, as long as the equity neither sets a new peak nor reaches the drawdown limit (null otherwise).
   */
  readonly steady: SteadyCheck | null;
}

/** How far `equity` is below `peak`, as a fraction of it (0 without a positive peak). */
function drawdownFrom(peak: Decimal, equity: Decimal): Decimal {
  return peak.greaterThan(0) ? peak.minus(equity).dividedBy(peak) : ZERO;
}

/** A breached drawdown clears below this fraction of its limit. */
const RISK_CLEAR_FRACTION = '0.8';

const RANK: Record<RiskLevel, number> = { ok: 0, warning: 1, breach: 2 };

/** What the check finds in the stored grid against the position held on the exchange. */
function gridFindings(state: KlgState, held: Decimal, config: KlgConfig): RiskFinding[] {
  const findings: RiskFinding[] = [];
  const saturated = state.levels.every((l) => l.fillCounter >= config.max_fill_per_level);
  if (!saturated && counterDrift(state, config) > 1) {
    findings.push({
      level: 'warning',
      code: 'counters_drift',
      message: 'fill counters disagree with holdings by more than one grid unit',
    });
  }
  if (!state.holdings.equals(held)) {
    findings.push({
      level: 'warning',
      code: 'position_mismatch',
      message: `ledger ${state.holdings.toFixed()} vs exchange ${held.toFixed()}`,
    });
  }
  return findings;
}

export async function runRiskCheck(
  ctx: AppContext,
  instanceId: string,
  known?: InstanceConfig,
  shell?: Shell,
): Promise<RiskReport> {
  const config = await loadKlgConfig(ctx, instanceId, known);
  const now = ctx.clock.now();
  const exchange = ctx.exchanges(config.account);
  const findings: RiskFinding[] = [];
  const state = asKlgState(await ctx.store.loadGrid(instanceId));
  if (!state)
    findings.push({
      level: 'warning',
      code: 'not_initialized',
      message: 'no grid state yet (recon has not run)',
    });

  const [open, position, balance, heartbeat, previous] = await Promise.all([
    exchange.openOrders(config.symbol),
    exchange.position(config.symbol, config.position_side),
    exchange.balance(settleAssetOf(config.symbol)),
    ctx.store.getHeartbeat(config.account),
    ctx.store.loadRisk(instanceId),
  ]);

  const held = position.qty.greaterThan(0) ? position.qty : ZERO;
  if (config.stop_loss.enabled && held.greaterThan(0)) {
    const stops = open.filter(
      (o) => o.kind === 'stop' && o.side === 'sell' && o.positionSide === config.position_side,
    );
    const covering = stops.some((o) => o.closePosition || o.qty.greaterThanOrEqualTo(held));
    if (!covering) {
      findings.push({
        level: 'breach',
        code: 'stop_missing',
        message: `no stop covers the ${held.toFixed()} coin position`,
      });
    }
  }
  if (state) findings.push(...gridFindings(state, held, config));

  const equity: Decimal = balance.marginBalance;
  const peak = maxDec(previous ? dec(previous.equityPeak) : equity, equity);
  const drawdown = drawdownFrom(peak, equity);
  // Hysteresis: once breached, the drawdown stays a breach until it recovers below 80% of the limit, so a
  // drawdown hovering at the limit alerts once, not at every check.
  const wasBreached = previous?.level === 'breach';
  const drawdownLimit = wasBreached
    ? config.risk.max_drawdown_pct.times(RISK_CLEAR_FRACTION)
    : config.risk.max_drawdown_pct;
  if (drawdown.greaterThanOrEqualTo(drawdownLimit)) {
    findings.push({
      level: 'breach',
      code: 'drawdown',
      message: `drawdown ${drawdown.times(100).toFixed(2)}% from the equity peak`,
    });
  }

  const heartbeatAgeSec = heartbeat ? Math.max(0, Math.round((now - heartbeat.at) / 1000)) : null;
  if (heartbeatAgeSec === null || heartbeatAgeSec > config.risk.heartbeat_max_age_sec) {
    findings.push({
      level: 'warning',
      code: 'stream_stale',
      message:
        heartbeatAgeSec === null
          ? 'no stream heartbeat recorded'
          : `stream heartbeat is ${heartbeatAgeSec} s old`,
    });
  }

  const level = findings.reduce<RiskLevel>(
    (worst, f) => (RANK[f.level] > RANK[worst] ? f.level : worst),
    'ok',
  );
  let paused = state?.paused ?? false;
  if (level === 'breach' && config.risk.on_breach === 'pause' && state && !state.paused) {
    const reason = `risk breach: ${findings
      .filter((f) => f.level === 'breach')
      .map((f) => f.code)
      .join(', ')}`;
    const saved = await decideAndSave(ctx, instanceId, (cur) => ({
      next: cur && !cur.paused ? pause(asKlgState(cur)!, reason, now) : null,
      result: null,
    }));
    paused = saved.ok ? (saved.state?.paused ?? paused) : paused;
  }
  if (level === 'breach' && config.risk.on_breach === 'flatten' && state && !state.paused && shell) {
    // A risk shutdown: the position goes, through the closer (emergency), or at market with no worker.
    const reason = `risk breach: ${findings
      .filter((f) => f.level === 'breach')
      .map((f) => f.code)
      .join(', ')}`;
    try {
      await shell.flatten(ctx, instanceId, 'emergency', reason);
      paused = true;
    } catch (e) {
      // The breach is still alerted and recorded below; the next check tries the flatten again.
      ctx.logger.error('risk flatten failed', {
        instance: instanceId,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
  const previousLevel = previous?.level ?? 'ok';
  if (level !== previousLevel && (level !== 'ok' || previousLevel !== 'ok')) {
    await publishAlerts(
      ctx,
      [
        {
          kind: 'Alert',
          instanceId,
          severity: level === 'breach' ? 'critical' : level === 'warning' ? 'warning' : 'info',
          code: level === 'ok' ? 'risk_ok' : `risk_${level}`,
          message: level === 'ok' ? 'risk back to normal' : findings.map((f) => f.message).join('; '),
          data: Object.fromEntries(findings.map((f) => [f.code, f.level])),
        },
      ],
      state,
    );
  }
  await ctx.store.saveRisk({
    instanceId,
    equityPeak: peak.toFixed(),
    lastEquity: equity.toFixed(),
    level,
    checkedAt: now,
  });

  const dims = { instance: instanceId };
  ctx.metrics.put('RiskLevel', RANK[level], 'None', dims);
  ctx.metrics.put('Equity', equity.toNumber(), 'None', dims);
  ctx.metrics.put('Drawdown', drawdown.toNumber(), 'None', dims);
  if (level === 'breach') ctx.metrics.put('RiskBreaches', 1, 'Count', dims);
  if (heartbeatAgeSec !== null)
    ctx.metrics.put('HeartbeatAgeSec', heartbeatAgeSec, 'Seconds', { account: config.account });
  const steady =
    level === 'ok' && previousLevel === 'ok' && state !== null
      ? {
          account: config.account,
          asset: settleAssetOf(config.symbol),
          // No new peak, and below the limit by the check's own measure.
          holds: (e: Decimal) =>
            !e.greaterThan(peak) && drawdownFrom(peak, e).lessThan(config.risk.max_drawdown_pct),
          // A grid changed since (roles, counters) finds the same when it finds nothing and pauses alike.
          holdsFor: (grid: InstanceEnvelope) => {
            const next = asKlgState(grid);
            return (
              next !== null && next.paused === state.paused && gridFindings(next, held, config).length === 0
            );
          },
          heartbeatMaxAgeMs: config.risk.heartbeat_max_age_sec * 1000,
        }
      : null;
  return {
    instanceId,
    level,
    findings,
    equity: equity.toFixed(),
    drawdownPct: drawdown.times(100).toFixed(4),
    heartbeatAgeSec,
    paused,
    steady,
  };
}
