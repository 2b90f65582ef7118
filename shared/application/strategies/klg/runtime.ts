/**
 * The Key Level Grid's application runtime: its cold start (levels from PARAMS or the config, reverse
 * reconciliation), its jobs besides recon (level recompute, the risk check), its own operator commands
 * (rebuild, reset-counters) and its pre-flight.
 */
import type { InstanceConfig } from '../../../domain/config/deployment.js';
import type { KlgConfig } from '../../../domain/strategies/klg/config.js';
import { resetCounters } from '../../../domain/strategies/klg/index.js';
import type { KlgState } from '../../../domain/strategies/klg/state.js';
import { decideAndSave } from '../../decide-and-save.js';
import { InstanceNotFoundError } from '../../errors.js';
import type { StrategyRuntime } from '../runtime.js';
import { klgColdStart } from './cold-start.js';
import { loadKlgConfig } from './instance.js';
import { klgPreflight } from './preflight.js';
import { rebuildInstance } from './rebuild.js';
import { recomputeParams } from './recompute-params.js';
import { runRiskCheck } from './risk-check.js';

function klg(config: InstanceConfig): KlgConfig {
  if (config.strategy !== 'key_level_grid') throw new Error(`instance ${config.id} is not a Key Level Grid`);
  return config;
}

export const klgRuntime: StrategyRuntime = {
  name: 'key_level_grid',
  coldStart: (ctx, config) => klgColdStart(ctx, klg(config)),
  jobs: {
    recompute: (ctx, instanceId, config, shell) => recomputeParams(ctx, instanceId, config, shell),
    risk: (ctx, instanceId, config, shell) => runRiskCheck(ctx, instanceId, config, shell),
  },
  commands: {
    rebuild: (ctx, instanceId, args, shell) =>
      rebuildInstance(ctx, instanceId, args.reason ?? 'operator rebuild', shell),
    'reset-counters': async (ctx, instanceId) => {
      await loadKlgConfig(ctx, instanceId);
      const now = ctx.clock.now();
      const saved = await decideAndSave<null, KlgState>(ctx, instanceId, (cur) => ({
        next: cur ? resetCounters(cur, now) : null,
        result: null,
      }));
      if (!saved.ok || !saved.state) throw new InstanceNotFoundError(instanceId);
      return {
        counters: saved.state.levels.map((l) => l.fillCounter),
        note: 'the levels may buy again; the position held now counts as a locked base for the consistency guard until the position is next flat, and sells go on as before',
      };
    },
  },
  preflight: (ctx, config, opts) => klgPreflight(ctx, klg(config), opts),
};
