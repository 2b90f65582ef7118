/**
 * The toy pair's runtime and its registration: the two registry lines a new strategy adds, done at test
 * time (`registerToyPair()`; idempotent).
 */
import { gatherSnapshots } from '../../../../shared/application/market.js';
import { registerRuntime } from '../../../../shared/application/strategies/index.js';
import type { StrategyRuntime } from '../../../../shared/application/strategies/runtime.js';
import type { AnyStrategy } from '../../../../shared/domain/strategies/index.js';
import { registerStrategy } from '../../../../shared/domain/strategies/index.js';
import { initialToyState, TOY, type ToyState, toyPairStrategy } from './module.js';

export const toyPairRuntime: StrategyRuntime = {
  name: TOY,
  async coldStart(ctx, config) {
    const now = ctx.clock.now();
    const fresh = initialToyState(config.id, now);
    // A fresh pair starts after whatever the accounts traded before it: each leg's cursor at its last trade.
    const snapshots = await gatherSnapshots(ctx, config, fresh, now);
    let state: ToyState = fresh;
    for (const snap of snapshots) {
      const last = snap.fills[snap.fills.length - 1];
      if (last) {
        const role = snap.leg.role as 'buy' | 'sell';
        state = { ...state, [role]: { ...state[role], cursor: { time: last.time, tradeId: last.tradeId } } };
      }
    }
    return { state, commands: [] };
  },
  jobs: {},
  commands: {},
  preflight: async () => [],
};

export function registerToyPair(): void {
  registerStrategy(toyPairStrategy as unknown as AnyStrategy);
  registerRuntime(toyPairRuntime);
}

export { TOY, type ToyConfig, type ToyState, toyPairStrategy } from './module.js';

/** A toy pair's config as written in a deployment file: buy on account `a`, hedge on `b`. */
export const toyInput = {
  id: 'toy1',
  strategy: 'toy_pair',
  buy_account: 'a',
  sell_account: 'b',
  symbol: 'DOGE/USDC:USDC',
  level: '0.18',
  qty: '100',
} as const;
