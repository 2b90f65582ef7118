/**
 * The ATR hedge grid's runtime: its cold start (pre-flight, then parameters, then a fresh state whose trade
 * cursors start after what the accounts traded before; both legs start or neither: a refused pre-flight
 * leaves the instance paused with the reasons, and the operator's `preflight` command resumes it once
 * they are fixed), its jobs (parameter recompute; the risk and sync controllers) and its pre-flight.
 */

import { AnalysisError } from '../../../domain/analysis/index.js';
import type { Alert } from '../../../domain/commands.js';
import type { InstanceConfig } from '../../../domain/config/deployment.js';
import { adoptParams, initialHedgeGridState } from '../../../domain/strategies/hedge-grid/module.js';
import { paramsInForceOf } from '../../../domain/strategies/hedge-grid/params.js';
import type { HedgeGridState } from '../../../domain/strategies/hedge-grid/state.js';
import type { AppContext } from '../../context.js';
import { decideAndSave } from '../../decide-and-save.js';
import { InstanceNotFoundError } from '../../errors.js';
import { publishAlerts } from '../../execute.js';
import { afterPastHistory } from '../../market.js';
import type { StrategyRuntime } from '../runtime.js';
import { hedgeConfig, loadHedgeConfig, recomputeHedgeParams, setLeverageOnLegs } from './params.js';
import { hedgePreflight, PREFLIGHT_PAUSE } from './preflight.js';
import { runHedgeRisk } from './risk.js';

export const hedgeGridRuntime: StrategyRuntime = {
  name: 'atr_hedge_grid',
  async coldStart(ctx: AppContext, input: InstanceConfig) {
    const config = hedgeConfig(input);
    const now = ctx.clock.now();
    const check = await hedgePreflight(ctx, config);
    const alerts: Alert[] = [];
    let state: HedgeGridState = initialHedgeGridState(config, now);
    if (check.problems.length > 0) {
      state = { ...state, paused: true, pauseReason: `${PREFLIGHT_PAUSE}${check.problems.join('; ')}` };
      alerts.push({
        kind: 'Alert',
        instanceId: config.id,
        severity: 'critical',
        code: 'preflight_refused',
        message: `neither leg starts: ${check.problems.join('; ')}`,
      });
    }
    state = await afterPastHistory(ctx, config, state, now);
    // The parameters in force (computed now when none are stored: an instance never trades without them).
    let record = await ctx.store.loadParams(config.id);
    if (!record && check.problems.length === 0) {
      try {
        await recomputeHedgeParams(ctx, config.id, config);
      } catch (e) {
        if (!(e instanceof AnalysisError)) throw e;
      }
      record = await ctx.store.loadParams(config.id);
    }
    if (record && check.problems.length === 0) {
      // A stored version (a restart after the state was lost) is traded at its leverage on both accounts.
      const inForce = paramsInForceOf(record);
      await setLeverageOnLegs(ctx, config, inForce.leverage);
      state = adoptParams(state, inForce, now);
    }
    return { state, commands: alerts };
  },
  jobs: {
    recompute: (ctx, instanceId, config) => recomputeHedgeParams(ctx, instanceId, config),
    risk: (ctx, instanceId, config, shell) => runHedgeRisk(ctx, instanceId, config, shell),
  },
  commands: {
    /** Runs the pre-flight again; when it passes, a start the pre-flight refused goes ahead (both legs). */
    preflight: async (ctx, instanceId) => {
      const config = await loadHedgeConfig(ctx, instanceId);
      const check = await hedgePreflight(ctx, config);
      if (check.problems.length > 0) return { ok: false, ...check };
      const now = ctx.clock.now();
      // The refused start never traded: it starts afresh, its cursors after what the accounts traded
      // meanwhile (a hand close that made the pre-flight pass is not the grid's).
      let fresh = await afterPastHistory(ctx, config, initialHedgeGridState(config, now), now);
      const record = await ctx.store.loadParams(instanceId);
      if (record) {
        const inForce = paramsInForceOf(record);
        await setLeverageOnLegs(ctx, config, inForce.leverage);
        fresh = adoptParams(fresh, inForce, now);
      }
      const saved = await decideAndSave<null, HedgeGridState>(ctx, instanceId, (cur) => ({
        next:
          cur?.paused && cur.pauseReason?.startsWith(PREFLIGHT_PAUSE)
            ? { ...fresh, version: cur.version }
            : null,
        result: null,
      }));
      if (!saved.ok) throw new InstanceNotFoundError(instanceId);
      // A start the pre-flight refused computed no parameters: both legs get them now.
      if (saved.saved && !record) await recomputeHedgeParams(ctx, instanceId, config);
      if (saved.saved)
        await publishAlerts(
          ctx,
          [
            {
              kind: 'Alert',
              instanceId,
              severity: 'info',
              code: 'preflight_passed',
              message: 'the pre-flight passes: both legs start',
            },
          ],
          saved.state,
        );
      return { ok: true, ...check, started: saved.saved };
    },
  },
  async preflight(ctx, input) {
    return (await hedgePreflight(ctx, hedgeConfig(input))).problems;
  },
};
