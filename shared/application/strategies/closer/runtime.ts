/**
 * The closer's runtime: its cold start (a fresh state whose trade cursors start after what the account
 * traded before it, so history is not taken for its own closes; recon reads the positions in the same
 * pass) and its preflight (it works hedge-mode positions only). No scheduled jobs besides recon and no
 * commands of its own: everything else is the shared shell's.
 */
import type { InstanceConfig } from '../../../domain/config/deployment.js';
import type { CloserConfig } from '../../../domain/strategies/closer/config.js';
import { initialCloserState } from '../../../domain/strategies/closer/module.js';
import type { CloserState } from '../../../domain/strategies/closer/state.js';
import type { AppContext } from '../../context.js';
import { afterPastHistory } from '../../market.js';
import type { StrategyRuntime } from '../runtime.js';

function closerConfig(config: InstanceConfig): CloserConfig {
  if (config.strategy !== 'closer') throw new Error(`instance ${config.id} is not a closer`);
  return config;
}

export const closerRuntime: StrategyRuntime = {
  name: 'closer',
  async coldStart(ctx: AppContext, input: InstanceConfig) {
    const config = closerConfig(input);
    const now = ctx.clock.now();
    const state: CloserState = initialCloserState(config, now);
    return { state: await afterPastHistory(ctx, config, state, now), commands: [] };
  },
  jobs: {},
  commands: {},
  async preflight(ctx, input) {
    const config = closerConfig(input);
    const hedge = await ctx.exchanges(config.account).hedgeMode();
    return hedge
      ? []
      : [
          `account ${config.account} is in one-way mode: the closer works hedge-mode LONG and SHORT positions; turn on the dual-side position mode`,
        ];
  },
};
