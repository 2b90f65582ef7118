/**
 * `rebuildInstance`: the manual (or drift) rebuild of SPEC §2. Levels come from the source in force
 * (manual ones from the config; computed ones from the latest PARAMS, which recompute keeps fresh). Sync
 * with the exchange, `planRebuild` (cancel every grid order, new epoch, N+1 rule), persist that before
 * anything is sent, cancel, then run a forced recon pass that places the new grid and moves the stop.
 */
import { planRebuild } from '../../../domain/strategies/klg/index.js';
import { klgReconSnapshot } from '../../../domain/strategies/klg/module.js';
import { asKlgState, type KlgState } from '../../../domain/strategies/klg/state.js';
import type { AppContext } from '../../context.js';
import { decideOnSnapshot } from '../../pipeline.js';
import type { ReconReport, Shell } from '../runtime.js';
import { levelPricesInForce, loadKlgConfig } from './instance.js';

export interface RebuildReport {
  readonly instanceId: string;
  readonly levels: readonly string[];
  readonly cancelled: number;
  readonly recon: ReconReport;
}

export async function rebuildInstance(
  ctx: AppContext,
  instanceId: string,
  reason: string,
  shell: Shell,
): Promise<RebuildReport> {
  const config = await loadKlgConfig(ctx, instanceId);
  const exchange = ctx.exchanges(config.account);
  const now = ctx.clock.now();
  const rules = await ctx.rules.get(exchange, config.symbol, now);
  const { prices, paramsVersion } = await levelPricesInForce(ctx, config, rules);
  const stored = asKlgState(await ctx.store.loadGrid(instanceId));
  if (!stored) {
    // Nothing to rebuild: a first recon lays the grid out on the levels in force.
    return {
      instanceId,
      levels: prices.map((p) => p.toFixed()),
      cancelled: 0,
      recon: await shell.reconcile(ctx, instanceId, { force: true }),
    };
  }
  // The cancelled orders served the old grid's levels: no level price of the new grid names them.
  const done = await decideOnSnapshot<KlgState>(
    ctx,
    config,
    stored,
    (cur, snapshots, at) => {
      const d = planRebuild(cur, klgReconSnapshot(snapshots, config), config, prices, at);
      return { ...d, state: { ...d.state, paramsVersion } };
    },
    { levelPrice: () => undefined },
  );
  let cancelled = 0;
  if (done) {
    cancelled = done.executed.filter((x) => x.outcome.kind === 'cancelled').length;
    ctx.logger.info('rebuild', { instance: instanceId, reason, levels: prices.length, cancelled });
  }
  const recon = await shell.reconcile(ctx, instanceId, { force: true });
  return { instanceId, levels: prices.map((p) => p.toFixed()), cancelled, recon };
}
